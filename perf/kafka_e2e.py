#!/usr/bin/env python3
"""End-to-end latency through the Kafka door with unmodified confluent-kafka clients.

One producer (acks=all, linger 1 ms) sends --rate messages a second of --bytes for --seconds,
each value starting with its send time; --consumers consumers (no group, each a process of
its own so that none waits for Python's GIL) read every partition from the end and record
receive time - send time. Prints one JSON line:
{"sent":..,"received":..,"p50_ms":..,"p90_ms":..,"p99_ms":..,"max_ms":..}.
Used by perf/kafka-visibility-ab (docs/perf.md).
"""
import argparse
import json
import multiprocessing
import sys
import time

from confluent_kafka import OFFSET_END, Consumer, Producer, TopicPartition


def consume(args, partitions, results, ready, stop):
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "kafka-e2e",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 100})
    consumer.assign([TopicPartition(args.topic, p, OFFSET_END) for p in partitions])
    latencies = []
    ready.release()
    while not stop.is_set():
        message = consumer.poll(0.1)
        if message is None or message.error() is not None:
            continue
        now = time.time_ns()
        sent = int(message.value()[:19])
        latencies.append((now - sent) / 1e6)
    consumer.close()
    results.put(latencies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--consumers", type=int, default=4)
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--bytes", type=int, default=1024)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()

    results = multiprocessing.Queue()
    ready = multiprocessing.Semaphore(0)
    stop = multiprocessing.Event()
    processes = []
    for c in range(args.consumers):
        mine = [p for p in range(args.partitions) if p % args.consumers == c]
        process = multiprocessing.Process(target=consume, args=(args, mine, results, ready, stop))
        process.start()
        processes.append(process)
    for _ in processes:
        ready.acquire()
    time.sleep(2)  # the consumers' first fetches are at the end

    producer = Producer({"bootstrap.servers": args.bootstrap, "acks": "all", "linger.ms": 1})
    padding = b"x" * max(0, args.bytes - 19)
    sent = 0
    start = time.monotonic()
    while time.monotonic() - start < args.seconds:
        due = start + sent / args.rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        producer.produce(args.topic, value=b"%019d" % time.time_ns() + padding,
                         partition=sent % args.partitions)
        producer.poll(0)
        sent += 1
    producer.flush(30)
    time.sleep(2)
    stop.set()
    latencies = []
    for _ in processes:
        latencies.extend(results.get())
    for process in processes:
        process.join()
    values = sorted(latencies)

    def pct(q):
        return round(values[min(len(values) - 1, int(q * len(values)))], 2) if values else None

    print(json.dumps({"sent": sent, "received": len(values), "p50_ms": pct(0.5),
                      "p90_ms": pct(0.9), "p99_ms": pct(0.99),
                      "max_ms": round(values[-1], 2) if values else None}))
    return 0 if len(values) == sent else 1


if __name__ == "__main__":
    sys.exit(main())
