// The admin API's values converted from and to the wire's descriptions (client/admin_wire.h):
// nested lists and optional fields arrive as the client's types.
#include "client/admin_wire.h"

#include <gtest/gtest.h>

namespace mq::client {
namespace {

TEST(AdminWire, NestedListsArriveWithEveryField) {
  rpc::PartitionInfo partition;
  partition.partition = 3;
  partition.datanode_id = 2;
  partition.writable = true;
  partition.table_name = "p_orders_3";
  rpc::TopicInfo wire;
  wire.name = "orders";
  wire.id = 7;
  wire.partitions = {partition};
  wire.retention_ms = 86400000;
  wire.owner_team = "payments";

  const TopicInfo topic = fromWire(wire);
  EXPECT_EQ(topic.name, "orders");
  EXPECT_EQ(topic.id, 7);
  EXPECT_EQ(topic.retention_ms, 86400000);
  EXPECT_EQ(topic.owner_team, "payments");
  ASSERT_EQ(topic.partitions.size(), 1u);
  EXPECT_EQ(topic.partitions[0].partition, 3);
  EXPECT_EQ(topic.partitions[0].datanode_id, 2);
  EXPECT_TRUE(topic.partitions[0].writable);
  EXPECT_EQ(topic.partitions[0].table_name, "p_orders_3");
}

TEST(AdminWire, OptionalFieldsAreSetOnlyWhenTheWireSetThem) {
  rpc::StoredMessage keyed;
  keyed.__set_key("k1");
  keyed.value = "v";
  rpc::StoredMessage keyless;
  keyless.value = "w";
  rpc::DeadLetterPage page;
  page.messages = {keyed, keyless};
  const DeadLetterPage got = fromWire(page);
  ASSERT_EQ(got.messages.size(), 2u);
  EXPECT_EQ(got.messages[0].key, std::optional<std::string>("k1"));
  EXPECT_EQ(got.messages[1].key, std::nullopt);
  EXPECT_EQ(got.messages[1].value, "w");

  rpc::GroupMemberDescription static_member;
  static_member.member_id = "m-1";
  static_member.__set_group_instance_id("host-a");
  rpc::GroupMemberDescription dynamic_member;
  dynamic_member.member_id = "m-2";
  rpc::CommittedOffset checked;
  checked.offset = 10;
  checked.__set_previous_append_time_ms(1234);
  rpc::CommittedOffset unchecked;
  unchecked.offset = -1;
  rpc::GroupDescription group;
  group.members = {static_member, dynamic_member};
  group.offsets = {checked, unchecked};
  const GroupDescription description = fromWire(group);
  EXPECT_EQ(description.members[0].group_instance_id, std::optional<std::string>("host-a"));
  EXPECT_EQ(description.members[1].group_instance_id, std::nullopt);
  EXPECT_EQ(description.offsets[0].previous_append_time_ms, std::optional<int64_t>(1234));
  EXPECT_EQ(description.offsets[1].previous_append_time_ms, std::nullopt);
  EXPECT_EQ(description.offsets[1].offset, -1);
}

TEST(AdminWire, RequestsGoBackToTheWireUnchanged) {
  AclEntry acl;
  acl.resource_type = "topic";
  acl.resource_name = "orders*";
  acl.principal_type = "team";
  acl.principal_name = "payments";
  acl.permission = "produce";
  const AclEntry back = fromWire(toWire(acl));
  EXPECT_EQ(back.resource_type, "topic");
  EXPECT_EQ(back.resource_name, "orders*");
  EXPECT_EQ(back.principal_type, "team");
  EXPECT_EQ(back.principal_name, "payments");
  EXPECT_EQ(back.permission, "produce");

  QuotaEntry quota;
  quota.entity_type = "client";
  quota.entity_name = "*";
  quota.produce_bytes_per_sec = 1 << 20;
  quota.requests_per_sec = 50;
  const rpc::QuotaEntry wire = toWire(quota);
  EXPECT_EQ(wire.entity_type, "client");
  EXPECT_EQ(wire.entity_name, "*");
  EXPECT_EQ(wire.produce_bytes_per_sec, 1 << 20);
  EXPECT_EQ(wire.fetch_bytes_per_sec, 0);
  EXPECT_EQ(wire.requests_per_sec, 50);

  RebuildReplicaRequest rebuild;
  rebuild.datanode = "dn1";
  rebuild.host = "10.0.0.9";
  rebuild.port = 3307;
  rebuild.gtid_position = "0-1-42";
  const rpc::RebuildReplicaRequest request = toWire(rebuild);
  EXPECT_EQ(request.datanode, "dn1");
  EXPECT_EQ(request.host, "10.0.0.9");
  EXPECT_EQ(request.port, 3307);
  EXPECT_EQ(request.gtid_position, "0-1-42");
  EXPECT_EQ(request.timeout_ms, 30000);
}

}  // namespace
}  // namespace mq::client
