// The fake SMSC against a plain blocking client: what the SMPP session tests will rely on.

#include "support/fake_smsc.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "adapters/smpp/pdu.hpp"
#include "adapters/smpp/receipt.hpp"

namespace smsgw::testing {
namespace {

namespace asio = boost::asio;
namespace smpp = smsgw::adapters::smpp;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class Client {
 public:
  explicit Client(unsigned short port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void send(const std::string& pdu) { asio::write(socket_, asio::buffer(pdu)); }
  smpp::Pdu read() {
    std::string header(4, '\0');
    asio::read(socket_, asio::buffer(header));
    const auto f = smpp::frame(header);
    std::string rest(*f.length - 4, '\0');
    asio::read(socket_, asio::buffer(rest));
    auto d = smpp::decode(header + rest);
    EXPECT_FALSE(d.error) << d.error->what;
    return *d.pdu;
  }
  std::uint32_t bind(const std::string& password) {
    smpp::BindTransceiver b;
    b.system_id = "smsgw";
    b.password = password;
    send(smpp::encode(smpp::Command::bind_transceiver, 0, 1, b));
    const auto resp = read();
    EXPECT_EQ(resp.command(), smpp::Command::bind_transceiver_resp);
    return resp.header.status;
  }
  void submit(std::uint32_t seq, std::uint8_t registered_delivery = 1) {
    smpp::ShortMessage m;
    m.source_addr = "10690001";
    m.dest_addr = "8613800138000";
    m.data_coding = 0x08;
    m.registered_delivery = registered_delivery;
    m.short_message = std::string("\x4f\x60", 2);
    send(smpp::encode(smpp::Command::submit_sm, 0, seq, m));
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
};

TEST(FakeSmsc, BindSubmitAndAReceiptWhoseIdMatchesAcrossBases) {
  FakeSmsc smsc;
  Client c(smsc.port());
  ASSERT_EQ(c.bind("secret"), smpp::status::ok);
  c.submit(2);
  const auto resp = c.read();
  ASSERT_EQ(resp.command(), smpp::Command::submit_sm_resp);
  ASSERT_EQ(resp.header.status, smpp::status::ok);
  const std::string id = std::get<smpp::SubmitSmResp>(resp.body).message_id;
  const auto dlr = c.read();
  ASSERT_EQ(dlr.command(), smpp::Command::deliver_sm);
  const auto& m = std::get<smpp::ShortMessage>(dlr.body);
  ASSERT_TRUE(smpp::is_receipt(m));
  const auto receipt = smpp::parse_receipt(m);
  ASSERT_TRUE(receipt);
  EXPECT_EQ(receipt->outcome, smpp::Receipt::Outcome::delivered);
  EXPECT_NE(receipt->id, id);  // hex in the answer, decimal in the receipt
  bool shared = false;
  for (const auto& a : smpp::message_id_forms(id)) {
    for (const auto& b : smpp::message_id_forms(receipt->id)) shared = shared || a == b;
  }
  EXPECT_TRUE(shared) << id << " vs " << receipt->id;
  c.send(smpp::encode(smpp::Command::deliver_sm_resp, 0, dlr.header.sequence));
  c.send(smpp::encode(smpp::Command::enquire_link, 0, 3));
  EXPECT_EQ(c.read().command(), smpp::Command::enquire_link_resp);
  EXPECT_EQ(smsc.receipts_acked(), 1u);
  ASSERT_EQ(smsc.submits().size(), 1u);
  EXPECT_EQ(smsc.submits()[0].dest_addr, "8613800138000");
}

TEST(FakeSmsc, WrongPasswordThrottlingAndUnknownCommands) {
  FakeSmsc smsc;
  {
    Client c(smsc.port());
    EXPECT_EQ(c.bind("wrong"), smpp::status::invalid_password);
    c.submit(2);
    EXPECT_EQ(c.read().header.status, smpp::status::incorrect_bind_status);
  }
  Client c(smsc.port());
  ASSERT_EQ(c.bind("secret"), smpp::status::ok);
  smsc.push_status(smpp::status::throttled);
  c.submit(2, 0);
  EXPECT_EQ(c.read().header.status, smpp::status::throttled);
  std::string unknown = smpp::encode(smpp::Command::enquire_link, 0, 9);
  unknown[7] = 0x66;
  c.send(unknown);
  const auto nack = c.read();
  EXPECT_EQ(nack.command(), smpp::Command::generic_nack);
  EXPECT_EQ(nack.header.status, smpp::status::invalid_command_id);
  EXPECT_EQ(nack.header.sequence, 9u);
}

TEST(FakeSmsc, ReportsMoreOutstandingSubmitsThanTheWindow) {
  FakeSmsc::Options o;
  o.window = 2;
  o.receipts = false;
  FakeSmsc smsc(o);
  smsc.set_response_delay(200ms);
  Client c(smsc.port());
  ASSERT_EQ(c.bind("secret"), smpp::status::ok);
  for (std::uint32_t i = 0; i < 3; ++i) c.submit(10 + i, 0);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.read().command(), smpp::Command::submit_sm_resp);
  EXPECT_EQ(smsc.max_outstanding(), 3u);
  EXPECT_TRUE(smsc.window_violated());
}

}  // namespace
}  // namespace smsgw::testing
