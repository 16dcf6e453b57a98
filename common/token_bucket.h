// A token bucket that may go into debt, the rate limiter behind quotas
// (docs/security.md#quotas). Pure logic: the caller passes the time.
//
// The bucket holds up to `burst` tokens and refills at `rate` tokens per second. take()
// never refuses: it takes what the request used (after it was served, as Kafka does) even
// when that is more than the bucket holds, leaving it in debt, and returns how long the
// caller must wait until the debt is paid back. So a tenant that keeps sending is held to
// `rate` on average (its requests are spaced by their own cost), a burst of up to `burst`
// passes at once, and nothing is ever dropped.
#pragma once

#include <cstdint>

namespace mq {

class TokenBucket {
 public:
  // REQUIRES: rate > 0, burst >= 0. Starts full at `now_us` (microseconds, any monotonic
  // origin).
  TokenBucket(double rate, double burst, int64_t now_us);

  // Takes `amount` tokens at `now_us` and returns the wait in microseconds until the bucket
  // is out of debt again (0 when it still holds tokens). Times before the last call count as
  // that call's time.
  int64_t take(double amount, int64_t now_us);

  // The same without taking: how long until the bucket is out of debt.
  int64_t debtWait(int64_t now_us);

  // Changes rate and burst (a quota was changed); keeps the debt, caps saved tokens.
  void reconfigure(double rate, double burst, int64_t now_us);

  // Tokens held at `now_us` (negative: debt).
  double tokens(int64_t now_us);
  double rate() const { return rate_; }
  // True when the bucket is full at `now_us`: forgetting it changes nothing.
  bool full(int64_t now_us) { return tokens(now_us) >= burst_; }

 private:
  void refill(int64_t now_us);

  double rate_;   // tokens per second
  double burst_;  // most tokens saved
  double tokens_;
  int64_t last_us_;
};

}  // namespace mq
