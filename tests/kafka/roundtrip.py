#!/usr/bin/env python3
"""Round trip through mq's Kafka listener with an unmodified confluent-kafka (librdkafka).

Produces COUNT keyed messages with headers once per compression codec (acks=all,
idempotence on), then reads the topic back from the beginning with a Kafka consumer
(assign(), no group) and checks that every acknowledged message is there exactly once with
its key, value and headers, in production order per key. Prints one JSON summary line;
exits 1 on any mismatch.

Usage: roundtrip.py BOOTSTRAP TOPIC PARTITIONS COUNT CODEC[,CODEC...]
"""
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition


def produce(bootstrap, topic, codec, count):
    acked = {}
    errors = []

    def report(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            acked[msg.value()] = (msg.partition(), msg.offset())

    producer = Producer({
        'bootstrap.servers': bootstrap,
        'acks': 'all',
        'enable.idempotence': True,
        'compression.codec': codec,
        'linger.ms': 10,
    })
    for i in range(count):
        value = f'{codec}:{i}'.encode()
        headers = [('codec', codec.encode()), ('index', str(i).encode())]
        while True:
            try:
                producer.produce(topic, value=value, key=f'key-{i % 23}', headers=headers,
                                 on_delivery=report)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    left = producer.flush(120)
    if left or errors:
        raise SystemExit(f'{codec}: {left} messages unsent, errors: {errors[:5]}')
    return acked


def consume(bootstrap, topic, partitions, expected):
    consumer = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': 'roundtrip-unused',  # required by the binding; assign() uses no group
        'enable.auto.commit': False,
        'enable.partition.eof': True,
    })
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    received = []
    at_end = set()
    deadline = time.time() + 120
    while len(received) < expected or len(at_end) < partitions:
        if time.time() > deadline:
            raise SystemExit(f'consumed {len(received)} of {expected} before the deadline')
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(msg.partition())
                continue
            raise SystemExit(f'consume error: {msg.error()}')
        at_end.discard(msg.partition())
        received.append(msg)
    consumer.close()
    return received


def main():
    bootstrap, topic = sys.argv[1], sys.argv[2]
    partitions, count = int(sys.argv[3]), int(sys.argv[4])
    codecs = sys.argv[5].split(',')
    acked = {}
    for codec in codecs:
        acked.update(produce(bootstrap, topic, codec, count))
    received = consume(bootstrap, topic, partitions, len(acked))
    problems = []
    seen = set()
    last_per_key = {}
    for msg in received:
        value = msg.value()
        codec, index = value.decode().split(':')
        if value in seen:
            problems.append(f'twice: {value}')
        seen.add(value)
        if acked.get(value) != (msg.partition(), msg.offset()):
            problems.append(f'{value}: acked at {acked.get(value)}, read at '
                            f'{(msg.partition(), msg.offset())}')
        if msg.key() != f'key-{int(index) % 23}'.encode():
            problems.append(f'{value}: key {msg.key()}')
        if msg.headers() != [('codec', codec.encode()), ('index', index.encode())]:
            problems.append(f'{value}: headers {msg.headers()}')
        order = (codecs.index(codec), int(index))
        if last_per_key.get(msg.key(), (-1, -1)) >= order:
            problems.append(f'{value}: out of order for key {msg.key()}')
        last_per_key[msg.key()] = order
    missing = set(acked) - seen
    if missing:
        problems.append(f'{len(missing)} acknowledged messages missing')
    print(json.dumps({'acked': len(acked), 'received': len(received),
                      'problems': problems[:10]}))
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
