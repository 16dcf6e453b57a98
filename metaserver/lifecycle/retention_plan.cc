#include "metaserver/lifecycle/retention_plan.h"

#include <algorithm>
#include <limits>

namespace mq {
namespace {

constexpr int64_t kMaxValue = std::numeric_limits<int64_t>::max();
// Bound on the segments one run adds to one table (one REORGANIZE statement).
constexpr size_t kMaxNewSegments = 64;

// The cut the size limit asks for.
int64_t bytesCut(int64_t retention_bytes, const PartitionBounds& bounds,
                 const TableLayout& layout) {
  const int64_t start = bounds.start_offset;
  const int64_t end = bounds.end_offset;
  if (retention_bytes <= 0 || end <= start) return start;
  if (!layout.segmented) {
    if (layout.data_bytes <= retention_bytes) return start;
    // Spread the table's size evenly over its messages and keep the newest that fit.
    const double per_message = static_cast<double>(layout.data_bytes) / (end - start);
    const int64_t keep = static_cast<int64_t>(retention_bytes / per_message);
    return std::max(start, end - keep);
  }
  // Segments that can hold live messages, oldest first; drop from the front while what
  // stays is still at least retention_bytes.
  int64_t total = 0;
  for (const auto& segment : layout.segments) {
    if (segment.upper > start && segment.lower < end) total += segment.data_bytes;
  }
  int64_t cut = start;
  for (const auto& segment : layout.segments) {
    if (segment.upper <= start) continue;
    if (segment.lower >= end || segment.upper > end) break;  // the open segment stays
    if (total - segment.data_bytes < retention_bytes) break;
    total -= segment.data_bytes;
    cut = segment.upper;
  }
  return cut;
}

}  // namespace

RetentionPlan planRetention(const RetentionLimits& limits, const PartitionBounds& bounds,
                            const TableLayout& layout, int64_t time_cut, bool rows_below_start,
                            int64_t headroom, int64_t default_segment, int drop_emptied_min,
                            int segments_ahead) {
  RetentionPlan plan;
  const int64_t start = bounds.start_offset;
  const int64_t end = bounds.end_offset;
  plan.new_start = start;

  int64_t expire = start;
  auto consider = [&](int64_t cut, const char* limit) {
    cut = std::min(cut, end);
    if (cut > expire) {
      expire = cut;
      plan.limited_by = limit;
    }
  };
  if (limits.retention_ms > 0) consider(time_cut, "time");
  if (limits.retention_messages > 0) consider(end - limits.retention_messages, "messages");
  if (limits.retention_bytes > 0)
    consider(bytesCut(limits.retention_bytes, bounds, layout), "bytes");
  plan.expire_before = expire;

  if (!layout.segmented) {
    if (expire > start || (rows_below_start && start > 0)) {
      plan.delete_below = expire;
      plan.new_start = expire;
    }
    return plan;
  }

  // Whole segments at or below the cut go (also empty ones left below the start offset).
  // Those wholly below the old start offset are already empty unless rows are left there.
  const TableSegment* first_kept = nullptr;
  std::vector<std::string> expired;
  for (const auto& segment : layout.segments) {
    if (segment.upper != kMaxValue && segment.upper <= expire) {
      expired.push_back(segment.name);
      if (segment.upper > start || rows_below_start) plan.empty_segments.push_back(segment.name);
      plan.new_start = std::max(plan.new_start, segment.upper);
    } else if (!first_kept) {
      first_kept = &segment;
    }
  }
  if (!expired.empty() && expired.size() >= static_cast<size_t>(std::max(1, drop_emptied_min))) {
    plan.drop_segments = std::move(expired);
  }
  // The rest of the cut is inside first_kept: only the open segment loses rows one by one.
  if (first_kept && first_kept->upper > end &&
      (expire > plan.new_start || (rows_below_start && plan.new_start == start && start > 0))) {
    plan.delete_below = std::max(expire, plan.new_start);
    plan.new_start = plan.delete_below;
  }

  // Boundaries ahead of the log end: keep at least one empty segment in front of it.
  // The table's segment width: recorded on pmax, else its narrowest segment's (one that
  // absorbed rows written beyond the last boundary is wider).
  int64_t last_upper = 0;
  int64_t width = layout.segment_messages;
  for (const auto& segment : layout.segments) {
    if (segment.upper == kMaxValue) continue;
    last_upper = segment.upper;
    const int64_t span = segment.upper - segment.lower;
    if (layout.segment_messages <= 0 && span > 0 && (width <= 0 || span < width)) width = span;
  }
  if (width <= 0) width = std::max<int64_t>(1, default_segment);
  plan.segment_messages = width;
  plan.last_upper = last_upper;
  // Added when less than `room` is ready, up to `fill` (at least segments_ahead segments).
  const int64_t room = std::max(width, headroom);
  if (last_upper >= end + room) return plan;
  const int64_t fill = std::max(room, std::max(1, segments_ahead) * width);
  int64_t next = last_upper;
  while (next < end + fill && plan.add_uppers.size() < kMaxNewSegments) {
    // More than a segment already written beyond the last boundary: one larger segment
    // takes it (REORGANIZE copies those rows once) instead of many small ones.
    next = end > next + width ? end + width : next + width;
    plan.add_uppers.push_back(next);
  }
  return plan;
}

}  // namespace mq
