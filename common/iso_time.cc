#include "common/iso_time.h"

#include <cctype>
#include <ctime>

namespace mq {
namespace {

int digits(const std::string& text, size_t at, size_t count, bool* ok) {
  if (at + count > text.size()) {
    *ok = false;
    return 0;
  }
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) *ok = false;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

bool parseIsoTime(const std::string& text, int64_t* ms_since_epoch) {
  // YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM|-HH:MM|+HHMM]; no zone means UTC.
  bool ok = true;
  std::tm tm{};
  tm.tm_year = digits(text, 0, 4, &ok) - 1900;
  ok = ok && text.size() >= 10 && text[4] == '-' && text[7] == '-';
  tm.tm_mon = digits(text, 5, 2, &ok) - 1;
  tm.tm_mday = digits(text, 8, 2, &ok);
  size_t at = 10;
  int64_t millis = 0;
  if (ok && at < text.size() && (text[at] == 'T' || text[at] == ' ')) {
    tm.tm_hour = digits(text, at + 1, 2, &ok);
    ok = ok && at + 3 < text.size() && text[at + 3] == ':';
    tm.tm_min = digits(text, at + 4, 2, &ok);
    at += 6;
    if (ok && at < text.size() && text[at] == ':') {
      tm.tm_sec = digits(text, at + 1, 2, &ok);
      at += 3;
      if (ok && at < text.size() && (text[at] == '.' || text[at] == ',')) {
        size_t end = at + 1;
        int64_t scale = 100;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) {
          millis += (text[end] - '0') * scale;
          scale /= 10;
          ++end;
        }
        ok = ok && end > at + 1;
        at = end;
      }
    }
  }
  int64_t offset_minutes = 0;
  if (ok && at < text.size()) {
    if (text[at] == 'Z' && at + 1 == text.size()) {
      at += 1;
    } else if (text[at] == '+' || text[at] == '-') {
      int sign = text[at] == '+' ? 1 : -1;
      int hours = digits(text, at + 1, 2, &ok);
      size_t minutes_at = at + 3;
      if (minutes_at < text.size() && text[minutes_at] == ':') ++minutes_at;
      int minutes = digits(text, minutes_at, 2, &ok);
      offset_minutes = sign * (hours * 60 + minutes);
      at = minutes_at + 2;
    } else {
      ok = false;
    }
  }
  ok = ok && at == text.size() && tm.tm_mon >= 0 && tm.tm_mon < 12 && tm.tm_mday >= 1 &&
       tm.tm_mday <= 31 && tm.tm_hour < 24 && tm.tm_min < 60 && tm.tm_sec < 61;
  if (!ok) return false;
  const int64_t seconds = static_cast<int64_t>(timegm(&tm)) - offset_minutes * 60;
  *ms_since_epoch = seconds * 1000 + millis;
  return true;
}

}  // namespace mq
