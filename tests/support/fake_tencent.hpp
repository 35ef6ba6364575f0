#pragma once
// A fake Tencent Cloud SMS (2021-01-11) on loopback, over FakeHttpCarrier. It checks every
// request as Tencent does: the TC3-HMAC-SHA256 Authorization over the signed headers it names,
// the SecretId, X-TC-Timestamp within 5 minutes (AuthFailure.SignatureExpire), the credential
// date, then SendSms' parameters (SdkAppId, approved sign and templates, <= 200 numbers), and
// answers {"Response": {"SendStatusSet": [...], "RequestId"}} with one Code per number, or
// {"Response": {"Error": {...}}}. Faults: per-number Codes and whole-call errors.

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fake_http_carrier.hpp"

namespace smsgw::testing {

class FakeTencent {
 public:
  struct Account {
    std::string secret_id = "AKIDtestSecretId";
    std::string secret_key = "testSecretKey";
    std::string sdk_app_id = "1400006666";
    std::string sign_name = "某某区纪委";
    std::set<std::string> templates = {"100001", "100002"};
  };
  struct Send {
    std::vector<std::string> numbers;
    std::vector<std::string> serials;  // for the numbers that were accepted, in order
    std::vector<std::string> params;
    std::string template_id, session_context, extension;
  };

  FakeTencent();
  // `http`: the server's options (a benchmark keeps no record of requests).
  explicit FakeTencent(Account account, FakeHttpCarrier::Options http = {});
  std::string endpoint() const;
  FakeHttpCarrier& http() { return http_; }

  // The Code this number gets in every later SendStatusSet ("" removes it).
  void set_number_code(const std::string& e164, const std::string& code);
  // The next SendSms calls fail as a whole with this Error.Code (consumed one per call).
  void push_error(std::string code);
  std::vector<Send> sends() const;
  // PullSmsSendStatus hands out a status for every accepted number once: SUCCESS, or FAIL for
  // a number given here.
  void set_pull_failure(const std::string& e164, std::string description);
  std::size_t pulls() const;
  std::size_t accepted_numbers() const;  // over all sends
  std::vector<std::string> refusals() const;

  // A status callback body for the accepted numbers: SUCCESS unless listed in `failed`.
  nlohmann::json reports(const std::vector<std::pair<std::string, std::string>>& failed = {}) const;

 private:
  FakeHttpCarrier::Reply answer(const FakeHttpCarrier::Received& r);
  FakeHttpCarrier::Reply error(const std::string& code, const std::string& message);

  Account account_;
  FakeHttpCarrier http_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> number_codes_;
  std::vector<std::string> errors_;
  std::vector<Send> sends_;
  std::vector<std::string> refusals_;
  int serial_ = 0;
  std::size_t pulled_ = 0;   // sends_ entries already handed out by PullSmsSendStatus
  std::size_t pulls_ = 0;
  std::size_t accepted_numbers_ = 0;
  std::map<std::string, std::string> pull_failures_;
};

}  // namespace smsgw::testing
