// One partition's records waiting in the RecordAccumulator, oldest first: a ring buffer that
// grows by doubling and keeps its slots while it is in use.
//
// std::deque allocated a 512-byte node for every two records (a PendingRecord is ~200
// bytes), on the thread that sent them, and freed it on the sender thread that took them:
// allocator traffic across threads on every other message (docs/perf.md). Here a slot is
// reused once its record is taken; the storage goes back only when the queue empties with
// more than kRetainedSlots slots, so a burst does not keep its peak for good.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace mq::client {

template <typename Record>
class RecordQueue {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // The i-th oldest record (0 = front).
  const Record& operator[](size_t i) const { return slots_[slot(i)]; }
  Record& front() { return slots_[head_]; }
  const Record& front() const { return slots_[head_]; }

  void push_back(Record record) {
    makeRoom();
    slots_[slot(size_)] = std::move(record);
    ++size_;
  }

  // Puts a record back in front of the others (a batch returned for a retry).
  void push_front(Record record) {
    makeRoom();
    head_ = (head_ + slots_.size() - 1) & (slots_.size() - 1);
    slots_[head_] = std::move(record);
    ++size_;
  }

  // Removes the oldest record and returns it.
  Record take_front() {
    Record record = std::move(slots_[head_]);
    head_ = (head_ + 1) & (slots_.size() - 1);
    if (--size_ == 0 && slots_.size() > kRetainedSlots) {
      slots_ = std::vector<Record>();
      head_ = 0;
    }
    return record;
  }

 private:
  static constexpr size_t kInitialSlots = 16;     // a power of two, like every capacity
  static constexpr size_t kRetainedSlots = 1024;  // kept when the queue empties

  size_t slot(size_t i) const { return (head_ + i) & (slots_.size() - 1); }

  void makeRoom() {
    if (size_ < slots_.size()) return;
    std::vector<Record> grown(slots_.empty() ? kInitialSlots : 2 * slots_.size());
    for (size_t i = 0; i < size_; ++i) grown[i] = std::move(slots_[slot(i)]);
    slots_ = std::move(grown);
    head_ = 0;
  }

  std::vector<Record> slots_;  // empty, or a power-of-two number of slots
  size_t head_ = 0;            // the slot of the oldest record
  size_t size_ = 0;
};

}  // namespace mq::client
