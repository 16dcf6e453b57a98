#include "common/framed_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <thrift/TConfiguration.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TFDTransport.h>
#include <thrift/transport/TTransportException.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <thread>

namespace mq {
namespace {

using apache::thrift::TConfiguration;
using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TFDTransport;
using apache::thrift::transport::TTransportException;

constexpr int kStringBytes = 1024;

// A frame of `strings` binary-protocol strings of kStringBytes each, as a protocol reads them
// (each one borrowed from the frame and consumed, which is what counts against the limit).
std::string frameOfStrings(int strings) {
  std::string body;
  for (int i = 0; i < strings; ++i) {
    const uint32_t length = htonl(kStringBytes);
    body.append(reinterpret_cast<const char*>(&length), 4);
    body.append(kStringBytes, static_cast<char>('a' + i % 26));
  }
  const uint32_t size = htonl(static_cast<uint32_t>(body.size()));
  return std::string(reinterpret_cast<const char*>(&size), 4) + body;
}

// Writes `frame` `times` times into one end of a socket pair from a thread of its own; the
// reader gets the other end. Closes both when done.
class FrameWriter {
 public:
  FrameWriter(std::string frame, int times) {
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0);
    writer_ = std::thread([this, frame = std::move(frame), times] {
      for (int i = 0; i < times; ++i) {
        for (size_t at = 0; at < frame.size();) {
          const ssize_t n = send(fds_[1], frame.data() + at, frame.size() - at, MSG_NOSIGNAL);
          if (n <= 0) return;  // the reader gave up
          at += static_cast<size_t>(n);
        }
      }
    });
  }
  ~FrameWriter() {
    close(fds_[0]);  // unblocks a writer whose reader stopped early
    writer_.join();
    close(fds_[1]);
  }
  int readEnd() const { return fds_[0]; }

 private:
  int fds_[2] = {-1, -1};
  std::thread writer_;
};

// Reads `frames` frames of `strings` strings each; returns how many frames were read whole.
int readFrames(const std::shared_ptr<FramedTransport>& transport, int frames, int strings) {
  TBinaryProtocol protocol(transport);
  std::string value;
  for (int frame = 0; frame < frames; ++frame) {
    for (int i = 0; i < strings; ++i) {
      protocol.readBinary(value);
      if (value.size() != kStringBytes) return frame;
    }
    transport->readEnd();
  }
  return frames;
}

// Thrift's own TFramedTransport fails here after 100 frames: it counts the bytes of every
// frame a connection ever carried against the 100 MiB message limit.
TEST(FramedTransportTest, AConnectionCarriesMoreThanTheMessageLimitInFramesBelowIt) {
  const int strings = 1024;  // frames of ~1 MiB
  const int frames = 130;    // ~130 MiB through one connection
  FrameWriter writer(frameOfStrings(strings), frames);
  auto config = std::make_shared<TConfiguration>();  // 100 MiB messages, 16 MB frames
  auto transport =
      std::make_shared<FramedTransport>(std::make_shared<TFDTransport>(writer.readEnd()), config);
  EXPECT_EQ(readFrames(transport, frames, strings), frames);
}

TEST(FramedTransportTest, OneMessageStillMayNotExceedTheLimit) {
  const int strings = 64;  // a frame of ~64 KiB
  FrameWriter writer(frameOfStrings(strings), 1);
  // Messages of at most 32 KiB; frames may be larger, so the message limit decides.
  auto config = std::make_shared<TConfiguration>(32 * 1024, 1024 * 1024);
  auto transport =
      std::make_shared<FramedTransport>(std::make_shared<TFDTransport>(writer.readEnd()), config);
  EXPECT_THROW(readFrames(transport, 1, strings), TTransportException);
}

}  // namespace
}  // namespace mq
