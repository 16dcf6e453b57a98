// The client's ErrorCode (mq/error.h) against the wire's (idl/mq.thrift): error.cc checks at
// compile time that every client code has the wire's number; this checks the other way, that
// every wire code reaches an application under its own name, with its usual retriability.
#include <gtest/gtest.h>

#include "client/error.h"
#include "common/errors.h"

namespace mq::client {
namespace {

TEST(ErrorCode, EveryWireCodeArrivesUnderItsName) {
  ASSERT_FALSE(rpc::_ErrorCode_VALUES_TO_NAMES.empty());
  for (const auto& [number, name] : rpc::_ErrorCode_VALUES_TO_NAMES) {
    const auto wire = static_cast<rpc::ErrorCode::type>(number);
    const ErrorCode code = clientCode(wire);
    EXPECT_EQ(static_cast<int>(code), number) << name;
    EXPECT_EQ(errorCodeName(code), name);
    EXPECT_EQ(wireCode(code), wire) << name;
    rpc::MqError refusal;
    refusal.code = wire;
    refusal.message = "refused";
    const Error error = errorFromWire(refusal);
    EXPECT_EQ(error.code(), code) << name;
    EXPECT_EQ(error.codeName(), name);
    EXPECT_EQ(error.retriable(), mq::isRetriable(wire)) << name;
  }
}

TEST(ErrorCode, AnUnknownNumberKeepsItsNumber) {
  const Error error(static_cast<ErrorCode>(99), "from a newer server");
  EXPECT_EQ(static_cast<int>(error.code()), 99);
  EXPECT_EQ(error.codeName(), "ERROR_99");
  EXPECT_FALSE(error.retriable());
}

TEST(ErrorCode, RetriableDefaultsToWhatTheCodeUsuallyMeans) {
  EXPECT_TRUE(Error(ErrorCode::TIMEOUT, "slow").retriable());
  EXPECT_TRUE(Error(ErrorCode::DATANODE_UNAVAILABLE, "down").retriable());
  EXPECT_FALSE(Error(ErrorCode::UNKNOWN_TOPIC, "unknown topic `x`").retriable());
  EXPECT_TRUE(Error(ErrorCode::UNKNOWN_TOPIC, "not yet", true).retriable());
}

// Errors cross threads (a send()'s outcome, a member's fatal error): copies share no storage,
// so whichever thread drops the last one frees only what it owns.
TEST(ErrorCode, ACopyKeepsEverythingAndSharesNoStorageWithTheOriginal) {
  const Error original(ErrorCode::TIMEOUT, "no answer from 127.0.0.1:9092", false);
  const Error copy(original);
  EXPECT_STREQ(copy.what(), original.what());
  EXPECT_NE(static_cast<const void*>(copy.what()), static_cast<const void*>(original.what()));
  EXPECT_EQ(copy.code(), ErrorCode::TIMEOUT);
  EXPECT_FALSE(copy.retriable());

  Error assigned(ErrorCode::UNKNOWN, "other");
  assigned = original;
  EXPECT_STREQ(assigned.what(), original.what());
  EXPECT_NE(static_cast<const void*>(assigned.what()), static_cast<const void*>(original.what()));
  EXPECT_EQ(assigned.code(), ErrorCode::TIMEOUT);
  EXPECT_FALSE(assigned.retriable());
}

}  // namespace
}  // namespace mq::client
