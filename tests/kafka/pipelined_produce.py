#!/usr/bin/env python3
"""Sends COUNT messages as fast as confluent-kafka takes them (linger.ms 0, one message per
batch, acks=all), so that librdkafka pipelines many Produce requests on its connection, then
reads both partitions back from the start and checks that each holds exactly what was
acknowledged for it, in the order it was sent. Prints one JSON line:
{"acked": N, "failed": N, "consumed": N, "out_of_order": N, "missing": N, "duplicates": N}.

Usage: pipelined_produce.py BOOTSTRAP TOPIC COUNT IDEMPOTENT(0|1)
"""
import json
import sys

from confluent_kafka import Consumer, Producer, TopicPartition


def main():
    bootstrap, topic = sys.argv[1], sys.argv[2]
    count, idempotent = int(sys.argv[3]), sys.argv[4] == '1'
    acked = {0: [], 1: []}
    failed = []

    def report(err, msg):
        if err is not None:
            failed.append(str(err))
        else:
            acked[msg.partition()].append(int(msg.value().decode()))

    producer = Producer({
        'bootstrap.servers': bootstrap,
        'acks': 'all',
        'enable.idempotence': idempotent,
        'linger.ms': 0,
        'batch.num.messages': 1,
        'message.timeout.ms': 120000,
    })
    for i in range(count):
        while True:
            try:
                producer.produce(topic, value=str(i).encode(), partition=i % 2,
                                 on_delivery=report)
                break
            except BufferError:
                producer.poll(0.01)
        producer.poll(0)
    producer.flush(180)

    consumer = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': 'unused',
        'enable.auto.commit': False,
        'enable.partition.eof': True,
    })
    consumer.assign([TopicPartition(topic, p, 0) for p in (0, 1)])
    stored = {0: [], 1: []}
    at_end = set()
    while len(at_end) < 2:
        msg = consumer.poll(10)
        if msg is None:
            break
        if msg.error():
            if msg.error().code() == -191:  # _PARTITION_EOF
                at_end.add(msg.partition())
                continue
            raise SystemExit(f'consume error: {msg.error()}')
        stored[msg.partition()].append(int(msg.value().decode()))
    consumer.close()

    out_of_order = missing = duplicates = 0
    for p in (0, 1):
        sent = list(range(p, count, 2))
        out_of_order += sum(1 for a, b in zip(stored[p], stored[p][1:]) if b <= a)
        missing += len(set(sent) - set(stored[p]))
        duplicates += len(stored[p]) - len(set(stored[p]))
        # What the delivery reports said was stored is what is there.
        missing += len(set(acked[p]) - set(stored[p]))
    print(json.dumps({
        'acked': len(acked[0]) + len(acked[1]),
        'failed': len(failed),
        'consumed': len(stored[0]) + len(stored[1]),
        'out_of_order': out_of_order,
        'missing': missing,
        'duplicates': duplicates,
    }), flush=True)


if __name__ == '__main__':
    main()
