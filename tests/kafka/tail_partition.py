#!/usr/bin/env python3
"""Reads one partition from its beginning, run by tests/integration/durable_fetch_test.cc.

An unmodified confluent-kafka (librdkafka) consumer with no group: assigns the partition
at its earliest offset and appends "offset value" for every message it consumes to --out
(flushed per message). It keeps reading, through errors, until nothing arrived for
--idle-s seconds once --min-messages came (exit 0) or --max-s passed (exit 3). The test
stops it with SIGSTOP and resumes it with SIGCONT around a crash of the database.
"""
import argparse
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--partition", type=int, default=0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--min-messages", type=int, default=1)
    parser.add_argument("--idle-s", type=float, default=5.0)
    parser.add_argument("--max-s", type=float, default=240.0)
    args = parser.parse_args()

    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": "tail-partition",  # required by the client; no group is joined
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "fetch.wait.max.ms": 100,
    })
    consumer.assign([TopicPartition(args.topic, args.partition, OFFSET_BEGINNING)])
    consumed = 0
    last = time.monotonic()  # the last message, or the end of a stop
    previous = last
    deadline = last + args.max_s
    with open(args.out, "a", buffering=1) as out:
        while True:
            message = consumer.poll(0.2)
            now = time.monotonic()
            if now - previous > 2.0:  # stopped (SIGSTOP) meanwhile: that was not idleness
                last = now
                deadline += now - previous
            previous = now
            if message is not None and message.error() is None:
                value = message.value().decode() if message.value() is not None else ""
                out.write(f"{message.offset()} {value}\n")
                consumed += 1
                last = now
            elif message is not None:
                print(f"error: {message.error()}", file=sys.stderr, flush=True)
            if consumed >= args.min_messages and now - last > args.idle_s:
                consumer.close()
                return 0
            if now > deadline:
                print(f"gave up after {args.max_s}s with {consumed} messages", file=sys.stderr)
                consumer.close()
                return 3


if __name__ == "__main__":
    sys.exit(main())
