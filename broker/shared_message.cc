#include "broker/shared_message.h"

namespace mq {

SharedMessages share(std::vector<rpc::StoredMessage>&& rows) {
  auto owner = std::make_shared<const std::vector<rpc::StoredMessage>>(std::move(rows));
  SharedMessages shared;
  shared.reserve(owner->size());
  for (const auto& row : *owner) shared.emplace_back(owner, &row);
  return shared;
}

std::vector<rpc::StoredMessage> copyOf(const SharedMessages& messages) {
  std::vector<rpc::StoredMessage> copies;
  copies.reserve(messages.size());
  for (const auto& message : messages) copies.push_back(*message);
  return copies;
}

}  // namespace mq
