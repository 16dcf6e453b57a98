// The mq client library: Producer, Consumer and AdminClient for the mq message queue.
//
// This is the one header an application includes (plus mq/partitioner.h if it wants the key
// hash on its own); it includes one header per concept: mq/error.h, mq/config.h,
// mq/records.h, mq/producer.h, mq/consumer.h and mq/admin.h. Every call says what it promises and
// what it throws. All failures are reported as mq::client::Error (a std::runtime_error) carrying a
// wire ErrorCode and whether trying again can succeed.
//
// Transport: brokers and the metaserver speak Thrift (framed transport, binary protocol);
// brokers are stateless, so any broker serves any partition. The client discovers live
// brokers from the metaserver (MetaService.listBrokers) and falls back to a static
// bootstrap list.
//
// Delivery semantics: at-least-once. A produce request whose reply is lost (timeout,
// broken connection) is sent again; if the first attempt had committed, the message is
// stored twice, unless ProducerConfig.enable_idempotence is set (then it is stored once).
// The order of messages within one partition is kept, also across retries.
// See docs/client.md for the full tour and the configuration table.
#pragma once

#include "mq/admin.h"
#include "mq/config.h"
#include "mq/consumer.h"
#include "mq/error.h"
#include "mq/producer.h"
#include "mq/records.h"
