#!/usr/bin/env python3
"""One member of a Kafka consumer group, run by tests/integration/kafka_group_test.cc.

An unmodified confluent-kafka (librdkafka) consumer: subscribes to a topic in a group with
the given assignor, appends "partition offset key" for every message it consumes to --out
(flushed per message, so a kill -9 loses nothing it already wrote), commits automatically
every --commit-ms, and exits 0 once nothing arrived for --idle-s seconds after its first
assignment. Rebalance events go to stderr.
"""
import argparse
import sys
import time

from confluent_kafka import Consumer, KafkaException


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--assignor", default="range")
    parser.add_argument("--out", required=True)
    parser.add_argument("--commit-ms", type=int, default=1000)
    parser.add_argument("--idle-s", type=float, default=8.0)
    parser.add_argument("--instance-id", default="")
    parser.add_argument("--max-s", type=float, default=180.0, help="give up (exit 3) after this")
    args = parser.parse_args()

    config = {
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "partition.assignment.strategy": args.assignor,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": True,
        "auto.commit.interval.ms": args.commit_ms,
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 500,
    }
    if args.instance_id:
        config["group.instance.id"] = args.instance_id
    consumer = Consumer(config)

    def on_assign(c, partitions):
        print(f"assigned {[p.partition for p in partitions]}", file=sys.stderr, flush=True)

    def on_revoke(c, partitions):
        print(f"revoked {[p.partition for p in partitions]}", file=sys.stderr, flush=True)

    consumer.subscribe([args.topic], on_assign=on_assign, on_revoke=on_revoke)
    last_message = None
    deadline = time.monotonic() + args.max_s
    with open(args.out, "a", buffering=1) as out:
        while True:
            message = consumer.poll(0.5)
            now = time.monotonic()
            if now > deadline:
                print("gave up: deadline", file=sys.stderr, flush=True)
                consumer.close()
                return 3
            if message is None:
                if last_message is not None and now - last_message > args.idle_s:
                    break
                continue
            if message.error():
                print(f"error {message.error()}", file=sys.stderr, flush=True)
                continue
            key = (message.key() or b"").decode()
            out.write(f"{message.partition()} {message.offset()} {key}\n")
            last_message = now
    consumer.close()  # commits the final positions
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KafkaException as e:
        print(f"kafka error: {e}", file=sys.stderr)
        sys.exit(1)
