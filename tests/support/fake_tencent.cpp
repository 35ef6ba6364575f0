#include "support/fake_tencent.hpp"

#include "adapters/tencent/tc3_sign.hpp"
#include "common/crypto.hpp"
#include "common/time.hpp"

namespace smsgw::testing {

using json = nlohmann::json;
namespace tencent = smsgw::adapters::tencent;

FakeTencent::FakeTencent() : FakeTencent(Account{}) {}

FakeTencent::FakeTencent(Account account, FakeHttpCarrier::Options http)
    : account_(std::move(account)), http_(http) {
  http_.set_behaviour([this](const FakeHttpCarrier::Received& r) { return answer(r); });
}

std::string FakeTencent::endpoint() const { return "http://127.0.0.1:" + std::to_string(http_.port()); }

void FakeTencent::set_number_code(const std::string& e164, const std::string& code) {
  std::lock_guard lock(mutex_);
  if (code.empty()) {
    number_codes_.erase(e164);
  } else {
    number_codes_[e164] = code;
  }
}

void FakeTencent::push_error(std::string code) {
  std::lock_guard lock(mutex_);
  errors_.push_back(std::move(code));
}

void FakeTencent::set_pull_failure(const std::string& e164, std::string description) {
  std::lock_guard lock(mutex_);
  pull_failures_[e164] = std::move(description);
}

std::size_t FakeTencent::accepted_numbers() const {
  std::lock_guard lock(mutex_);
  return accepted_numbers_;
}

std::size_t FakeTencent::pulls() const {
  std::lock_guard lock(mutex_);
  return pulls_;
}

std::vector<FakeTencent::Send> FakeTencent::sends() const {
  std::lock_guard lock(mutex_);
  return sends_;
}

std::vector<std::string> FakeTencent::refusals() const {
  std::lock_guard lock(mutex_);
  return refusals_;
}

json FakeTencent::reports(const std::vector<std::pair<std::string, std::string>>& failed) const {
  std::lock_guard lock(mutex_);
  json out = json::array();
  for (const auto& s : sends_) {
    std::size_t k = 0;
    for (const auto& n : s.numbers) {
      if (k >= s.serials.size()) break;
      std::string err;
      for (const auto& [number, code] : failed) {
        if (number == n) err = code;
      }
      out.push_back({{"user_receive_time", "2026-12-01 09:00:05"}, {"nationcode", "86"},
                     {"mobile", n.substr(3)}, {"report_status", err.empty() ? "SUCCESS" : "FAIL"},
                     {"errmsg", err.empty() ? "DELIVRD" : err},
                     {"description", err.empty() ? "用户短信送达成功" : "用户短信接收失败"},
                     {"sid", s.serials[k++]}});
    }
  }
  return out;
}

FakeHttpCarrier::Reply FakeTencent::error(const std::string& code, const std::string& message) {
  refusals_.push_back(code);
  json j = {{"Response", {{"Error", {{"Code", code}, {"Message", message}}}, {"RequestId", "fake-req"}}}};
  return FakeHttpCarrier::Reply::of(200, j.dump());
}

FakeHttpCarrier::Reply FakeTencent::answer(const FakeHttpCarrier::Received& r) {
  std::lock_guard lock(mutex_);
  if (r.method != "POST" || r.target != "/") return error("InvalidAction", "only POST / is served");
  // Authorization: TC3-HMAC-SHA256 Credential=<id>/<date>/sms/tc3_request, SignedHeaders=a;b, Signature=<hex>
  const std::string auth = r.header("authorization");
  const std::string prefix = "TC3-HMAC-SHA256 Credential=";
  const auto signed_at = auth.find(", SignedHeaders=");
  const auto sig_at = auth.find(", Signature=");
  if (!auth.starts_with(prefix) || signed_at == std::string::npos || sig_at == std::string::npos) {
    return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.");
  }
  const std::string credential = auth.substr(prefix.size(), signed_at - prefix.size());
  const std::string names = auth.substr(signed_at + 16, sig_at - signed_at - 16);
  if (!credential.starts_with(account_.secret_id + "/")) {
    return error("AuthFailure.SecretIdNotFound", "The SecretId is not found.");
  }
  std::int64_t timestamp = 0;
  try {
    timestamp = std::stoll(r.header("x-tc-timestamp"));
  } catch (...) {
    return error("AuthFailure.SignatureFailure", "X-TC-Timestamp is missing.");
  }
  if (std::llabs(timestamp - now_ms() / 1000) > 300) {
    return error("AuthFailure.SignatureExpire", "Signature expired.");
  }
  tencent::Tc3Request tc3;
  tc3.service = "sms";
  tc3.timestamp = timestamp;
  tc3.payload = r.body;
  for (std::size_t start = 0; start <= names.size();) {
    const auto semi = names.find(';', start);
    const std::string name = names.substr(start, semi - start);
    tc3.headers.emplace_back(name, r.header(name));
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  if (credential != account_.secret_id + "/" + tencent::tc3_date(timestamp) + "/sms/tc3_request" ||
      !constant_time_equal(auth, tencent::tc3_authorization(tc3, account_.secret_id, account_.secret_key))) {
    return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.");
  }
  const std::string action = r.header("x-tc-action");
  if ((action != "SendSms" && action != "PullSmsSendStatus") || r.header("x-tc-version") != "2021-01-11") {
    return error("InvalidAction", "The action or version is not supported.");
  }
  if (r.header("x-tc-region").empty()) return error("MissingParameter", "X-TC-Region is required.");
  const json& body = r.json;  // parsed by the server (null when not JSON)
  if (action == "PullSmsSendStatus") {
    ++pulls_;
    if (!body.is_object() || body.value("SmsSdkAppId", std::string()) != account_.sdk_app_id) {
      return error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId not exist.");
    }
    json set = json::array();
    for (; pulled_ < sends_.size(); ++pulled_) {
      const auto& s = sends_[pulled_];
      for (std::size_t k = 0; k < s.serials.size(); ++k) {
        auto fail = pull_failures_.find(s.numbers[k]);
        set.push_back({{"UserReceiveTime", "2026-12-01 09:00:05"}, {"CountryCode", "86"},
                       {"SubscriberNumber", s.numbers[k].substr(3)}, {"PhoneNumber", s.numbers[k]},
                       {"SerialNo", s.serials[k]},
                       {"ReportStatus", fail == pull_failures_.end() ? "SUCCESS" : "FAIL"},
                       {"Description", fail == pull_failures_.end() ? "用户短信送达成功" : fail->second},
                       {"SessionContext", s.session_context}});
      }
    }
    json j = {{"Response", {{"PullSmsSendStatusSet", set}, {"RequestId", "fake-req"}}}};
    return FakeHttpCarrier::Reply::of(200, j.dump());
  }
  if (!body.is_object() || !body.contains("PhoneNumberSet") || !body["PhoneNumberSet"].is_array()) {
    return error("MissingParameter", "PhoneNumberSet is required.");
  }
  if (body.value("SmsSdkAppId", std::string()) != account_.sdk_app_id) {
    return error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId not exist.");
  }
  if (body["PhoneNumberSet"].size() > 200) {
    return error("LimitExceeded.PhoneNumberCountLimit", "more than 200 numbers");
  }
  if (body.value("SignName", std::string()) != account_.sign_name) {
    return error("FailedOperation.SignatureIncorrectOrUnapproved", "signature not approved");
  }
  Send s;
  s.template_id = body.value("TemplateId", std::string());
  if (account_.templates.count(s.template_id) == 0) {
    return error("FailedOperation.TemplateIncorrectOrUnapproved", "template not approved");
  }
  if (!errors_.empty()) {
    const std::string code = errors_.front();
    errors_.erase(errors_.begin());
    return error(code, "injected");
  }
  s.session_context = body.value("SessionContext", std::string());
  s.extension = body.value("ExtendCode", std::string());
  if (body.contains("TemplateParamSet") && body["TemplateParamSet"].is_array()) {
    for (const auto& p : body["TemplateParamSet"]) s.params.push_back(p.is_string() ? p.get<std::string>() : p.dump());
  }
  json set = json::array();
  for (const auto& n : body["PhoneNumberSet"]) {
    const std::string number = n.is_string() ? n.get<std::string>() : "";
    std::string code = "Ok";
    if (auto it = number_codes_.find(number); it != number_codes_.end()) code = it->second;
    if (number.size() < 9 || number[0] != '+') code = "InvalidParameterValue.IncorrectPhoneNumber";
    std::string serial;
    if (code == "Ok") {
      serial = "2433:" + std::to_string(100000 + ++serial_);
      s.numbers.push_back(number);
      s.serials.push_back(serial);
    }
    set.push_back({{"SerialNo", serial}, {"PhoneNumber", number}, {"Fee", code == "Ok" ? 1 : 0},
                   {"SessionContext", s.session_context}, {"Code", code},
                   {"Message", code == "Ok" ? "send success" : "injected"}, {"IsoCode", "CN"}});
  }
  accepted_numbers_ += s.numbers.size();
  if (!s.numbers.empty()) sends_.push_back(s);
  json j = {{"Response", {{"SendStatusSet", set}, {"RequestId", "fake-req"}}}};
  return FakeHttpCarrier::Reply::of(200, j.dump());
}

}  // namespace smsgw::testing
