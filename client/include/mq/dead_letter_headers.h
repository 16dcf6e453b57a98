// Header names that the consumer's retry path and the dead-letter tools put on failed
// messages (docs/dead-letters.md). Shared by the client library, mqctl and the metaserver.
// Values are decimal text (counts, offsets, ms since the epoch) or UTF-8 text.
#pragma once

namespace mq::dead_letter {

// Failed deliveries so far: "1" on the first retry, the number of attempts in a dead letter.
inline constexpr char kAttempt[] = "mq-attempt";
// Where the message was first consumed from.
inline constexpr char kOriginalTopic[] = "mq-original-topic";
inline constexpr char kOriginalPartition[] = "mq-original-partition";
inline constexpr char kOriginalOffset[] = "mq-original-offset";
// The consumer group that failed it.
inline constexpr char kGroup[] = "mq-group";
inline constexpr char kFirstFailureMs[] = "mq-first-failure-ms";
inline constexpr char kLastFailureMs[] = "mq-last-failure-ms";
// The error text of the last failure (at most 1000 bytes).
inline constexpr char kLastError[] = "mq-last-error";
// Every failure, oldest first, one line each: "<attempt> <ms> <error (at most 200 bytes)>";
// the last 10 are kept.
inline constexpr char kErrorHistory[] = "mq-error-history";
// Set on dead letters: when the message was dead-lettered.
inline constexpr char kDeadLetteredMs[] = "mq-dead-lettered-ms";
// Set on replayed messages: "<dead-letter topic>/<offset>".
inline constexpr char kReplayedFrom[] = "mq-replayed-from";

}  // namespace mq::dead_letter
