#!/usr/bin/env python3
"""Produces through mq's Kafka listener with confluent-kafka (acks=all, idempotence on) at a
steady pace and prints every acknowledgement as it arrives: "ACK <partition> <offset> <value>",
one line each, flushed at once, so that a test can kill a broker mid-stream and later check
that every acknowledged message was stored. Ends with "DONE <acked> <failed>".

Usage: produce_acked.py BOOTSTRAP TOPIC COUNT RATE_PER_SECOND
"""
import sys
import time

from confluent_kafka import Producer


def main():
    bootstrap, topic = sys.argv[1], sys.argv[2]
    count, rate = int(sys.argv[3]), float(sys.argv[4])
    failed = []
    acked = [0]

    def report(err, msg):
        if err is not None:
            failed.append(str(err))
            print(f'FAILED {msg.value().decode()} {err}', flush=True)
        else:
            acked[0] += 1
            print(f'ACK {msg.partition()} {msg.offset()} {msg.value().decode()}', flush=True)

    producer = Producer({
        'bootstrap.servers': bootstrap,
        'acks': 'all',
        'enable.idempotence': True,
        'linger.ms': 5,
        'message.timeout.ms': 120000,
        'topic.metadata.refresh.interval.ms': 1000,
    })
    start = time.time()
    for i in range(count):
        while time.time() < start + i / rate:
            producer.poll(0.005)
        producer.produce(topic, value=f'm-{i}'.encode(), key=f'k-{i % 50}', on_delivery=report)
        producer.poll(0)
    producer.flush(180)
    print(f'DONE {acked[0]} {len(failed)}', flush=True)


if __name__ == '__main__':
    main()
