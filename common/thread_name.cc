#include "common/thread_name.h"

#include <pthread.h>

namespace mq {

void nameThisThread(const std::string& name) {
  constexpr size_t kMaxLength = 15;  // TASK_COMM_LEN less its terminating zero
  pthread_setname_np(pthread_self(), name.substr(0, kMaxLength).c_str());
}

}  // namespace mq
