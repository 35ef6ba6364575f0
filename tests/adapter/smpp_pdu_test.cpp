#include "adapters/smpp/pdu.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adapters/smpp/receipt.hpp"

namespace smsgw::adapters::smpp {
namespace {

using ::testing::ElementsAre;

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  }
  return out;
}

// The bytes of SMPP 3.4 §4.1.5: header, then the C-strings and octets in order.
TEST(SmppPdu, BindTransceiverEncodesFieldByField) {
  BindTransceiver b;
  b.system_id = "smsgw";
  b.password = "secret";
  b.system_type = "OA";
  const std::string pdu = encode(Command::bind_transceiver, 0, 1, b);
  EXPECT_EQ(hex(pdu),
            "00000024" "00000009" "00000000" "00000001"
            "736d73677700" "73656372657400" "4f4100" "34" "00" "00" "00");
  const auto d = decode(pdu);
  ASSERT_FALSE(d.error) << d.error->what;
  const auto& back = std::get<BindTransceiver>(d.pdu->body);
  EXPECT_EQ(back.system_id, "smsgw");
  EXPECT_EQ(back.password, "secret");
  EXPECT_EQ(back.interface_version, 0x34);
}

TEST(SmppPdu, SubmitSmRoundTripsWithTlvs) {
  ShortMessage m;
  m.source_addr = "10690001";
  m.dest_ton = 1;
  m.dest_npi = 1;
  m.dest_addr = "8613800138000";
  m.esm_class = 0x40;
  m.registered_delivery = 1;
  m.data_coding = 0x08;
  m.short_message = std::string("\x05\x00\x03\x2a\x02\x01\x4f\x60", 8);
  m.tlvs.push_back({tag::sar_msg_ref_num, std::string("\x00\x2a", 2)});
  const auto d = decode(encode(Command::submit_sm, 0, 7, m));
  ASSERT_FALSE(d.error) << d.error->what;
  EXPECT_EQ(d.pdu->command(), Command::submit_sm);
  EXPECT_EQ(d.pdu->header.sequence, 7u);
  const auto& back = std::get<ShortMessage>(d.pdu->body);
  EXPECT_EQ(back.dest_addr, "8613800138000");
  EXPECT_EQ(back.esm_class, 0x40);
  EXPECT_EQ(back.data_coding, 0x08);
  EXPECT_EQ(back.short_message, m.short_message);
  ASSERT_NE(back.find(tag::sar_msg_ref_num), nullptr);
  EXPECT_EQ(back.find(tag::sar_msg_ref_num)->value, std::string("\x00\x2a", 2));
}

TEST(SmppPdu, ResponsesAndHeaderOnlyPdus) {
  auto d = decode(encode(Command::submit_sm_resp, 0, 9, SubmitSmResp{"0A1B2C"}));
  ASSERT_FALSE(d.error);
  EXPECT_EQ(std::get<SubmitSmResp>(d.pdu->body).message_id, "0A1B2C");
  // A failed submit_sm_resp has no body at all.
  d = decode(encode(Command::submit_sm_resp, status::throttled, 10, Empty{}));
  ASSERT_FALSE(d.error);
  EXPECT_EQ(d.pdu->header.status, status::throttled);
  EXPECT_EQ(encode(Command::enquire_link, 0, 3).size(), kHeaderSize);
  EXPECT_EQ(hex(encode(Command::generic_nack, status::invalid_command_id, 0)),
            "00000010" "80000000" "00000003" "00000000");
  EXPECT_EQ(encode(Command::deliver_sm_resp, 0, 4).size(), kHeaderSize + 1);  // NULL message_id
}

TEST(SmppPdu, FramingRejectsImpossibleLengths) {
  EXPECT_FALSE(frame("\x00\x00").length);
  EXPECT_FALSE(frame("\x00\x00").error);
  EXPECT_EQ(frame(std::string("\x00\x00\x00\x10", 4)).length, 16u);
  EXPECT_EQ(frame(std::string("\x00\x00\x00\x0f", 4)).error->nack_status, status::invalid_command_length);
  EXPECT_TRUE(frame(std::string("\x7f\xff\xff\xff", 4)).error);
}

TEST(SmppPdu, MalformedBodiesAreErrorsNeverReadsPastTheEnd) {
  ShortMessage m;
  m.dest_addr = "8613800138000";
  m.short_message = "hello";
  const std::string good = encode(Command::deliver_sm, 0, 1, m);
  // Every truncation of the body, with a matching command_length: an error, never a crash.
  for (std::size_t n = kHeaderSize; n < good.size(); ++n) {
    std::string cut = good.substr(0, n);
    cut[0] = static_cast<char>(n >> 24);
    cut[1] = static_cast<char>(n >> 16);
    cut[2] = static_cast<char>(n >> 8);
    cut[3] = static_cast<char>(n);
    EXPECT_TRUE(decode(cut).error) << n;
  }
  // sm_length claiming more than is there.
  std::string lying = good;
  lying[good.size() - 6] = static_cast<char>(200);
  EXPECT_TRUE(decode(lying).error);
  // A C-string longer than its field (source_addr is at most 20 + NUL).
  m.source_addr = std::string(30, '1');
  std::string long_field = encode(Command::deliver_sm, 0, 1, m);
  EXPECT_FALSE(decode(long_field).error) << "encode cuts to the field";
  EXPECT_EQ(std::get<ShortMessage>(decode(long_field).pdu->body).source_addr.size(), 20u);
  // command_length disagreeing with the bytes, and unknown commands.
  EXPECT_EQ(decode(good.substr(0, good.size() - 1)).error->nack_status, status::invalid_command_length);
  std::string unknown = encode(Command::enquire_link, 0, 5);
  unknown[7] = 0x77;
  const auto d = decode(unknown);
  EXPECT_EQ(d.error->nack_status, status::invalid_command_id);
  EXPECT_EQ(d.header.sequence, 5u);
}

TEST(SmppReceipt, TheAppendixBTextAndItsVariants) {
  auto r = parse_receipt_text(
      "id:0123456789 sub:001 dlvrd:001 submit date:2612010900 done date:2612010901 stat:DELIVRD err:000 text:hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "0123456789");
  EXPECT_EQ(r->stat, "DELIVRD");
  EXPECT_EQ(r->err, "");
  EXPECT_EQ(r->outcome, Receipt::Outcome::delivered);
  r = parse_receipt_text("ID:1A2B3C SUB:001 DLVRD:000 SUBMIT DATE:261201090000 DONE DATE:261201090100 STAT:UNDELIV ERR:034 Text:x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "1A2B3C");
  EXPECT_EQ(r->outcome, Receipt::Outcome::failed);
  EXPECT_EQ(r->err, "034");
  EXPECT_EQ(parse_receipt_text("id:9 stat:EXPIRED")->outcome, Receipt::Outcome::expired);
  EXPECT_EQ(parse_receipt_text("id:9 stat:ACCEPTD")->outcome, Receipt::Outcome::pending);
  EXPECT_FALSE(parse_receipt_text("no receipt here"));
  EXPECT_FALSE(parse_receipt_text(""));
}

TEST(SmppReceipt, TlvsWinOverTheText) {
  ShortMessage m;
  m.esm_class = 0x04;
  m.short_message = "id:111 stat:DELIVRD err:000";
  m.tlvs.push_back({tag::receipted_message_id, std::string("6F\0", 3)});
  m.tlvs.push_back({tag::message_state, std::string("\x05", 1)});
  m.tlvs.push_back({tag::network_error_code, std::string("\x03\x00\x22", 3)});
  ASSERT_TRUE(is_receipt(m));
  const auto r = parse_receipt(m);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "6F");
  EXPECT_EQ(r->stat, "UNDELIV");
  EXPECT_EQ(r->outcome, Receipt::Outcome::failed);
  EXPECT_EQ(r->err, "3:34");
  m.esm_class = 0x00;
  EXPECT_FALSE(is_receipt(m));
}

TEST(SmppReceipt, MessageIdFormsMatchAcrossBasesAndZeros) {
  EXPECT_THAT(message_id_forms("0A1B"), ElementsAre("a1b", "2587"));
  EXPECT_THAT(message_id_forms("000123"), ElementsAre("123", "7b", "291"));
  EXPECT_THAT(message_id_forms("msg-77"), ElementsAre("msg-77"));
  EXPECT_TRUE(message_id_forms("  ").empty());
  // An SMSC that answers submit_sm in hex and writes receipts in decimal (or the reverse).
  auto shares = [](std::string a, std::string b) {
    for (const auto& x : message_id_forms(a)) {
      for (const auto& y : message_id_forms(b)) {
        if (x == y) return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(shares("3039", "12345"));
  EXPECT_TRUE(shares("12345", "0000003039"));
  EXPECT_TRUE(shares("ABCDEF", "11259375"));
  EXPECT_FALSE(shares("12345", "12346"));
}

}  // namespace
}  // namespace smsgw::adapters::smpp
