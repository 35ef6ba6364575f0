#include "adapters/cmpp/pdu.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto.hpp"

namespace smsgw::adapters::cmpp {
namespace {

using ::testing::ElementsAre;

// The notes' computed example (reference §1.3): SP 901234, secret abc123, 07-08 12:34:56.
TEST(CmppAuth, AuthenticatorsOfTheNotesExample) {
  const std::uint32_t ts = timestamp(7, 8, 12, 34, 56);
  EXPECT_EQ(ts, 708123456u);
  EXPECT_EQ(ts, 0x2A351B40u);
  const std::string source = authenticator_source("901234", "abc123", ts);
  EXPECT_EQ(hex_encode(source), "2777b0bf0cecf0e5402a38e324cc05e5");
  EXPECT_EQ(hex_encode(authenticator_ismg(Version::v30, 0, source, "abc123")), "162beff6436ada9283a948da2eb38964");
  EXPECT_EQ(hex_encode(authenticator_ismg(Version::v20, 0, source, "abc123")), "cb4ccb43be833ef7a1fd804c77c6e3dc");
}

TEST(CmppPdu, ConnectIs39BytesAndRespIs33Or30) {
  Connect c{"901234", authenticator_source("901234", "abc123", 708123456), 0x30, 708123456};
  const std::string pdu = encode(Version::v30, Command::connect, 1, c);
  EXPECT_EQ(pdu.size(), 39u);
  const auto d = decode(Version::v30, pdu);
  ASSERT_FALSE(d.error) << *d.error;
  EXPECT_EQ(std::get<Connect>(d.pdu->body).timestamp, 708123456u);
  EXPECT_EQ(std::get<Connect>(d.pdu->body).source_addr, "901234");
  ConnectResp r{0, std::string(16, 'a'), 0x30};
  EXPECT_EQ(encode(Version::v30, Command::connect_resp, 1, r).size(), 33u);
  EXPECT_EQ(encode(Version::v20, Command::connect_resp, 1, r).size(), 30u);
  const auto back = decode(Version::v20, encode(Version::v20, Command::connect_resp, 1, ConnectResp{3, std::string(16, '\0'), 0x20}));
  ASSERT_FALSE(back.error);
  EXPECT_EQ(std::get<ConnectResp>(back.pdu->body).status, 3u);
}

Submit sample_submit() {
  Submit s;
  s.service_id = "MJS0019901";
  s.msg_src = "901234";
  s.src_id = "1065712345601";
  s.dest_terminal_ids = {"8613800138000", "8613800138001"};
  s.msg_fmt = 8;
  s.msg_content = std::string("\x4f\x60\x59\x7d", 4);  // 你好 in UCS-2
  return s;
}

TEST(CmppPdu, SubmitBodyLengthsOfBothVersions) {
  const Submit s = sample_submit();
  // 3.0: 12 + 129 + 32 N + 1 + 1 + L + 20; 2.0: 12 + 117 + 21 N + 1 + L + 8 (the notes, §1.4).
  EXPECT_EQ(encode(Version::v30, Command::submit, 5, s).size(), 12u + 129 + 64 + 1 + 1 + 4 + 20);
  EXPECT_EQ(encode(Version::v20, Command::submit, 5, s).size(), 12u + 117 + 42 + 1 + 4 + 8);
  for (auto v : {Version::v20, Version::v30}) {
    const auto d = decode(v, encode(v, Command::submit, 5, s));
    ASSERT_FALSE(d.error) << *d.error;
    const auto& back = std::get<Submit>(d.pdu->body);
    EXPECT_THAT(back.dest_terminal_ids, ElementsAre("8613800138000", "8613800138001"));
    EXPECT_EQ(back.src_id, "1065712345601");
    EXPECT_EQ(back.msg_content, s.msg_content);
    EXPECT_EQ(back.service_id, "MJS0019901");
  }
  EXPECT_EQ(encode(Version::v30, Command::submit_resp, 5, SubmitResp{0x74322E01E2400001ULL, 0}).size(), 24u);
  EXPECT_EQ(encode(Version::v20, Command::submit_resp, 5, SubmitResp{1, 0}).size(), 21u);
  const auto resp = decode(Version::v30, encode(Version::v30, Command::submit_resp, 5, SubmitResp{0x74322E01E2400001ULL, 8}));
  EXPECT_EQ(std::get<SubmitResp>(resp.pdu->body).msg_id, 0x74322E01E2400001ULL);
  EXPECT_EQ(std::get<SubmitResp>(resp.pdu->body).result, result::flow_control);
}

TEST(CmppPdu, StatusReportsByTheirLengthNotTheVersion) {
  StatusReport report{0x74322E01E2400001ULL, "DELIVRD", "2612010900", "2612010901", "8613800138000", 7};
  for (auto v : {Version::v20, Version::v30}) {
    Deliver d;
    d.src_terminal_id = "8613800138000";
    d.registered_delivery = 1;
    d.report = report;
    const auto back = decode(v, encode(v, Command::deliver, 9, d));
    ASSERT_FALSE(back.error) << *back.error;
    const auto& got = std::get<Deliver>(back.pdu->body);
    ASSERT_TRUE(got.report);
    EXPECT_EQ(got.report->msg_id, report.msg_id);
    EXPECT_EQ(got.report->stat, "DELIVRD");
    EXPECT_EQ(got.report->dest_terminal_id, "8613800138000");
    EXPECT_EQ(got.msg_content.size(), v == Version::v30 ? 71u : 60u);
  }
  // A 3.0 link carrying the 2.0 layout (60 bytes), as some gateways send it.
  Deliver d;
  d.registered_delivery = 1;
  d.msg_content = encode_report(Version::v20, report);
  const auto mixed = decode(Version::v30, encode(Version::v30, Command::deliver, 9, d));
  ASSERT_FALSE(mixed.error);
  EXPECT_EQ(std::get<Deliver>(mixed.pdu->body).report->stat, "DELIVRD");
  // A report of another length is an error, not a guess.
  d.msg_content = "DELIVRD";
  EXPECT_TRUE(decode(Version::v30, encode(Version::v30, Command::deliver, 9, d)).error);
  // MO: a message from a phone, to the service code with an extension.
  Deliver mo;
  mo.dest_id = "106571234560107";
  mo.src_terminal_id = "8613800138000";
  mo.msg_fmt = 15;
  mo.msg_content = "1";
  const auto got = decode(Version::v30, encode(Version::v30, Command::deliver, 10, mo));
  ASSERT_FALSE(got.error);
  EXPECT_FALSE(std::get<Deliver>(got.pdu->body).report);
  EXPECT_EQ(std::get<Deliver>(got.pdu->body).dest_id, "106571234560107");
}

TEST(CmppPdu, HeaderOnlyAndMalformedPdus) {
  EXPECT_EQ(encode(Version::v30, Command::active_test, 1).size(), 12u);
  EXPECT_EQ(encode(Version::v30, Command::active_test_resp, 1).size(), 13u);
  EXPECT_EQ(encode(Version::v20, Command::terminate, 1).size(), 12u);
  const std::string good = encode(Version::v30, Command::submit, 5, sample_submit());
  for (std::size_t n = kHeaderSize; n < good.size(); ++n) {
    std::string cut = good.substr(0, n);
    cut[0] = static_cast<char>(n >> 24);
    cut[1] = static_cast<char>(n >> 16);
    cut[2] = static_cast<char>(n >> 8);
    cut[3] = static_cast<char>(n);
    EXPECT_TRUE(decode(Version::v30, cut).error) << n;
  }
  EXPECT_TRUE(decode(Version::v30, good.substr(0, good.size() - 1)).error);
  EXPECT_TRUE(frame(std::string("\x00\x00\x00\x0b", 4)).error);
  EXPECT_TRUE(frame(std::string("\x00\x01\x00\x00", 4)).error);
  EXPECT_EQ(frame(std::string("\x00\x00\x00\x0c", 4)).length, 12u);
  std::string unknown = encode(Version::v30, Command::active_test, 3);
  unknown[7] = 0x42;
  EXPECT_TRUE(decode(Version::v30, unknown).error);
}

}  // namespace
}  // namespace smsgw::adapters::cmpp
