#!/usr/bin/env python3
"""Kafka topic administration through mq's Kafka listener with an unmodified confluent-kafka
AdminClient (librdkafka): create_topics, delete_topics, create_partitions, describe_configs.

Prints one JSON line per topic (or resource): its name, the Kafka error code (0 = done), the
error's name and message; describe also prints the configs. Exits 0 whatever the brokers
answered (the caller checks the lines), 2 on bad usage.

Usage: admin.py BOOTSTRAP [--user NAME --password SECRET] [--ca CA_FILE] COMMAND ...
  create [--validate] [--config K=V ...] NAME:PARTITIONS[:REPLICATION_FACTOR] ...
  delete NAME ...
  partitions [--validate] NAME:TOTAL ...
  describe NAME ...            (topics)
  describe-broker ID
"""
import argparse
import json

from confluent_kafka import KafkaException
from confluent_kafka.admin import (AdminClient, ConfigResource, NewPartitions, NewTopic)


def report(name, future, extra=None):
    line = {'name': name, 'error_code': 0, 'error': None, 'message': None}
    try:
        result = future.result()
        if extra is not None:
            line.update(extra(result))
    except KafkaException as e:
        error = e.args[0]
        line.update(error_code=error.code(), error=error.name(), message=error.str())
    print(json.dumps(line), flush=True)


def configs_of(result):
    return {'configs': {name: entry.value for name, entry in result.items()}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('bootstrap')
    parser.add_argument('--user')
    parser.add_argument('--password')
    parser.add_argument('--ca', help='speak TLS, trusting this CA')
    commands = parser.add_subparsers(dest='command', required=True)
    create = commands.add_parser('create')
    create.add_argument('--validate', action='store_true')
    create.add_argument('--config', action='append', default=[])
    create.add_argument('topics', nargs='+')
    delete = commands.add_parser('delete')
    delete.add_argument('topics', nargs='+')
    partitions = commands.add_parser('partitions')
    partitions.add_argument('--validate', action='store_true')
    partitions.add_argument('topics', nargs='+')
    describe = commands.add_parser('describe')
    describe.add_argument('topics', nargs='+')
    describe_broker = commands.add_parser('describe-broker')
    describe_broker.add_argument('broker')
    args = parser.parse_args()

    config = {'bootstrap.servers': args.bootstrap}
    if args.user is not None:
        config.update({'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'PLAIN',
                       'sasl.username': args.user, 'sasl.password': args.password})
    if args.ca is not None:
        tls = 'SASL_SSL' if args.user is not None else 'SSL'
        config.update({'security.protocol': tls, 'ssl.ca.location': args.ca})
    admin = AdminClient(config)
    timeout = 30

    if args.command == 'create':
        topic_config = dict(item.split('=', 1) for item in args.config)
        new_topics = []
        for spec in args.topics:
            parts = spec.split(':')
            replication = int(parts[2]) if len(parts) > 2 else 1
            new_topics.append(NewTopic(parts[0], int(parts[1]), replication, config=topic_config))
        futures = admin.create_topics(new_topics, validate_only=args.validate,
                                      request_timeout=timeout, operation_timeout=timeout)
        for name, future in futures.items():
            report(name, future)
    elif args.command == 'delete':
        futures = admin.delete_topics(args.topics, request_timeout=timeout,
                                      operation_timeout=timeout)
        for name, future in futures.items():
            report(name, future)
    elif args.command == 'partitions':
        wanted = [NewPartitions(spec.split(':')[0], int(spec.split(':')[1]))
                  for spec in args.topics]
        futures = admin.create_partitions(wanted, validate_only=args.validate,
                                          request_timeout=timeout, operation_timeout=timeout)
        for name, future in futures.items():
            report(name, future)
    elif args.command == 'describe':
        resources = [ConfigResource('topic', name) for name in args.topics]
        for resource, future in admin.describe_configs(resources,
                                                       request_timeout=timeout).items():
            report(resource.name, future, configs_of)
    else:
        resource = ConfigResource('broker', args.broker)
        for resource, future in admin.describe_configs([resource],
                                                       request_timeout=timeout).items():
            report(resource.name, future, configs_of)


if __name__ == '__main__':
    main()
