#include "support/fake_mas.hpp"

#include <algorithm>

#include "common/crypto.hpp"

namespace smsgw::testing {

using json = nlohmann::json;

FakeMas::FakeMas() : FakeMas(Account{}) {}

FakeMas::FakeMas(Account account, FakeHttpCarrier::Options http)
    : account_(std::move(account)), http_(http) {
  http_.set_behaviour([this](const FakeHttpCarrier::Received& r) { return answer(r); });
}

std::string FakeMas::endpoint() const { return "http://127.0.0.1:" + std::to_string(http_.port()) + "/sms"; }

void FakeMas::push_rspcod(std::string code) {
  std::lock_guard lock(mutex_);
  rspcods_.push_back(std::move(code));
}

std::vector<FakeMas::Submit> FakeMas::submits() const {
  std::lock_guard lock(mutex_);
  return submits_;
}

FakeHttpCarrier::Reply FakeMas::answer(const FakeHttpCarrier::Received& r) {
  auto reply = [](const std::string& code, const std::string& group) {
    json j = {{"rspcod", code}, {"msgGroup", group}, {"success", code == "success"}};
    return FakeHttpCarrier::Reply::of(200, j.dump());
  };
  Submit s;
  s.path = r.target;
  const auto decoded = base64_decode(r.body);
  if (!decoded) return reply("InvalidMessage", "");
  s.body = json::parse(*decoded, nullptr, false);
  if (!s.body.is_object()) return reply("InvalidMessage", "");
  auto f = [&](const char* k) { return s.body.value(k, std::string()); };
  std::string expected;
  if (r.target == "/sms/norsubmit") {
    expected = md5_hex(f("ecName") + f("apId") + account_.secret_key + f("mobiles") + f("content") +
                       f("sign") + f("addSerial"));
  } else if (r.target == "/sms/tmpsubmit") {
    expected = md5_hex(f("ecName") + f("apId") + account_.secret_key + f("templateId") +
                       f("mobiles") + f("params") + f("sign") + f("addSerial"));
  } else {
    return FakeHttpCarrier::Reply::of(404, "");
  }
  s.mac_ok = f("mac") == expected && f("ecName") == account_.ec_name && f("apId") == account_.ap_id;
  std::string code = "success";
  {
    std::lock_guard lock(mutex_);
    if (!s.mac_ok) {
      code = "IllegalMac";
    } else if (f("sign") != account_.sign) {
      code = "IllegalSignId";
    } else if (const std::string mobiles = f("mobiles");
               std::count(mobiles.begin(), mobiles.end(), ',') >= 5000) {
      code = "TooManyMobiles";
    } else if (!rspcods_.empty()) {
      code = rspcods_.front();
      rspcods_.erase(rspcods_.begin());
    }
    if (code == "success") {
      s.msg_group = "G" + std::to_string(++groups_);
      const std::string mobiles = f("mobiles");
      accepted_numbers_ += 1 + static_cast<std::size_t>(std::count(mobiles.begin(), mobiles.end(), ','));
    }
    submits_.push_back(s);
  }
  return reply(code, s.msg_group);
}

}  // namespace smsgw::testing
