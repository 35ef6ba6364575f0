#pragma once
// A fake China Mobile 云MAS on loopback, over FakeHttpCarrier: it decodes the Base64-JSON body
// of norsubmit / tmpsubmit, checks the mac exactly as the platform does (MD5 of the fields and
// the account's secret key) and answers {"rspcod", "msgGroup", "success"}. A wrong mac gets
// "IllegalMac", more than 5,000 numbers "TooManyMobiles"; `next_rspcod` injects other answers.

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fake_http_carrier.hpp"

namespace smsgw::testing {

class FakeMas {
 public:
  struct Account {
    std::string ec_name = "某某区纪委";
    std::string ap_id = "apitest";
    std::string secret_key = "pwd123";
    std::string sign = "AbCdEfGhI";
  };
  struct Submit {
    std::string path;      // "/sms/norsubmit" or "/sms/tmpsubmit"
    nlohmann::json body;   // decoded
    bool mac_ok = false;
    std::string msg_group;
  };

  FakeMas();
  // `http`: the server's options (a benchmark keeps no record of requests).
  explicit FakeMas(Account account, FakeHttpCarrier::Options http = {});
  std::string endpoint() const;  // http://127.0.0.1:<port>/sms
  FakeHttpCarrier& http() { return http_; }

  // The rspcod of the next answers (consumed one per request); empty: success.
  void push_rspcod(std::string code);
  std::vector<Submit> submits() const;
  std::size_t accepted_numbers() const { return accepted_numbers_.load(); }  // over all submits

 private:
  FakeHttpCarrier::Reply answer(const FakeHttpCarrier::Received& r);

  Account account_;
  FakeHttpCarrier http_;
  mutable std::mutex mutex_;
  std::vector<std::string> rspcods_;
  std::vector<Submit> submits_;
  std::atomic<int> groups_{0};
  std::atomic<std::size_t> accepted_numbers_{0};
};

}  // namespace smsgw::testing
