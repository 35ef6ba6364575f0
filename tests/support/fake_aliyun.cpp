#include "support/fake_aliyun.hpp"

#include <algorithm>

#include "adapters/aliyun/aliyun_sign.hpp"
#include "common/crypto.hpp"
#include "common/time.hpp"

namespace smsgw::testing {

using json = nlohmann::json;
namespace aliyun = smsgw::adapters::aliyun;

namespace {

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

aliyun::Params parse_form(std::string_view body) {
  aliyun::Params out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    const auto eq = pair.find('=');
    out.emplace_back(percent_decode(pair.substr(0, eq)),
                     eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1)));
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
  }
  return out;
}

std::string get(const aliyun::Params& p, const std::string& name) {
  for (const auto& [k, v] : p) {
    if (k == name) return v;
  }
  return {};
}

bool valid_number(const std::string& n) {
  if (n.size() == 11 && n[0] == '1') return std::all_of(n.begin(), n.end(), ::isdigit);
  return n.size() >= 8 && n.size() <= 15 && std::all_of(n.begin(), n.end(), ::isdigit);
}

}  // namespace

FakeAliyun::FakeAliyun() : FakeAliyun(Account{}) {}

FakeAliyun::FakeAliyun(Account account, FakeHttpCarrier::Options http)
    : account_(std::move(account)), http_(http) {
  http_.set_behaviour([this](const FakeHttpCarrier::Received& r) { return answer(r); });
}

std::string FakeAliyun::endpoint() const { return "http://127.0.0.1:" + std::to_string(http_.port()); }

void FakeAliyun::push_fault(Fault fault) {
  std::lock_guard lock(mutex_);
  faults_.push_back(std::move(fault));
}

void FakeAliyun::set_detail(const std::string& number, int send_status, std::string err_code) {
  std::lock_guard lock(mutex_);
  details_[number] = {send_status, std::move(err_code)};
}

std::vector<FakeAliyun::Send> FakeAliyun::sends() const {
  std::lock_guard lock(mutex_);
  return sends_;
}

std::vector<std::string> FakeAliyun::refusals() const {
  std::lock_guard lock(mutex_);
  return refusals_;
}

std::size_t FakeAliyun::accepted_numbers() const {
  std::lock_guard lock(mutex_);
  return accepted_numbers_;
}

std::size_t FakeAliyun::queries() const {
  std::lock_guard lock(mutex_);
  return queries_;
}

json FakeAliyun::reports(const std::vector<std::pair<std::string, std::string>>& failed) const {
  std::lock_guard lock(mutex_);
  json out = json::array();
  for (const auto& s : sends_) {
    for (const auto& n : s.numbers) {
      std::string err = "DELIVERED";
      for (const auto& [number, code] : failed) {
        if (number == n) err = code;
      }
      out.push_back({{"phone_number", n}, {"send_time", "2026-12-01 09:00:00"},
                     {"report_time", "2026-12-01 09:00:05"}, {"success", err == "DELIVERED"},
                     {"err_code", err}, {"err_msg", err == "DELIVERED" ? "用户接收成功" : "失败"},
                     {"sms_size", "1"}, {"biz_id", s.biz_id}, {"out_id", s.out_id}});
    }
  }
  return out;
}

FakeHttpCarrier::Reply FakeAliyun::refuse(int status, const std::string& code, const std::string& message) {
  refusals_.push_back(code);
  json j = {{"Code", code}, {"Message", message}, {"RequestId", "FAKE-REQ"}};
  return FakeHttpCarrier::Reply::of(status, j.dump());
}

FakeHttpCarrier::Reply FakeAliyun::answer(const FakeHttpCarrier::Received& r) {
  std::lock_guard lock(mutex_);
  if (r.method != "POST" || r.target.substr(0, r.target.find('?')) != "/") {
    return refuse(404, "InvalidAction.NotFound", "only POST / is served");
  }
  aliyun::Params params = parse_form(r.body);
  std::string action, signature_kind, nonce, stamp;
  if (auto auth = r.header("authorization"); !auth.empty()) {
    // V3: recompute over what arrived.
    signature_kind = "v3";
    aliyun::V3Request v3;
    v3.method = r.method;
    v3.path = "/";
    if (auto q = r.target.find('?'); q != std::string::npos) v3.query = parse_form(r.target.substr(q + 1));
    for (const auto& [name, value] : r.headers) v3.headers.emplace_back(name, value);
    v3.payload = r.body;
    if (r.header("x-acs-content-sha256") != sha256_hex(r.body)) {
      return refuse(400, "ContentSHA256NotMatched", "x-acs-content-sha256 is not the body's hash");
    }
    const std::string expected = aliyun::v3_authorization(v3, account_.key_id, account_.secret);
    if (!auth.starts_with("ACS3-HMAC-SHA256 Credential=" + account_.key_id + ",")) {
      return refuse(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    }
    if (!constant_time_equal(auth, expected)) {
      return refuse(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.");
    }
    action = r.header("x-acs-action");
    nonce = r.header("x-acs-signature-nonce");
    stamp = r.header("x-acs-date");
  } else {
    signature_kind = "rpc";
    const std::string got = get(params, "Signature");
    aliyun::Params rest;
    for (const auto& p : params) {
      if (p.first != "Signature") rest.push_back(p);
    }
    if (get(rest, "AccessKeyId") != account_.key_id) {
      return refuse(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    }
    if (got.empty() || got != aliyun::rpc_signature("POST", rest, account_.secret)) {
      return refuse(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.");
    }
    action = get(rest, "Action");
    nonce = get(rest, "SignatureNonce");
    stamp = get(rest, "Timestamp");
    params = rest;
  }
  const auto at = parse_rfc3339(stamp);
  if (!at || std::llabs(*at - now_ms()) > 15 * 60'000) {
    return refuse(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.");
  }
  if (nonce.empty() || !nonces_.insert(nonce).second) {
    return refuse(400, "SignatureNonceUsed", "Specified signature nonce was used already.");
  }

  if (action == "QuerySendDetails") {
    ++queries_;
    const std::string number = get(params, "PhoneNumber");
    json list = json::array();
    for (const auto& s : sends_) {
      if (std::find(s.numbers.begin(), s.numbers.end(), number) != s.numbers.end()) {
        auto detail = details_.count(number) ? details_[number] : std::pair<int, std::string>{3, "DELIVERED"};
        list.push_back({{"PhoneNum", number}, {"SendStatus", detail.first}, {"ErrCode", detail.second},
                        {"TemplateCode", s.template_code}, {"OutId", s.out_id},
                        {"SendDate", "2026-12-01 09:00:00"}, {"ReceiveDate", "2026-12-01 09:00:05"}});
      }
    }
    json j = {{"Code", "OK"}, {"Message", "OK"}, {"RequestId", "FAKE-REQ"},
              {"TotalCount", list.size()}, {"SmsSendDetailDTOs", {{"SmsSendDetailDTO", list}}}};
    return FakeHttpCarrier::Reply::of(200, j.dump());
  }

  Send s;
  s.action = action;
  s.signature = signature_kind;
  s.template_code = get(params, "TemplateCode");
  s.out_id = get(params, "OutId");
  std::vector<std::string> signs;
  if (action == "SendSms") {
    std::string numbers = get(params, "PhoneNumbers");
    for (std::size_t start = 0; start <= numbers.size();) {
      const auto comma = numbers.find(',', start);
      s.numbers.push_back(numbers.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    s.params.assign(s.numbers.size(), get(params, "TemplateParam"));
    signs.push_back(get(params, "SignName"));
    s.extension = get(params, "SmsUpExtendCode");
    if (s.numbers.size() > 1000) return refuse(200, "isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制");
  } else if (action == "SendBatchSms") {
    const json phones = json::parse(get(params, "PhoneNumberJson"), nullptr, false);
    const json sign_list = json::parse(get(params, "SignNameJson"), nullptr, false);
    const json plist = json::parse(get(params, "TemplateParamJson"), nullptr, false);
    if (!phones.is_array() || !sign_list.is_array() || !plist.is_array() ||
        phones.size() != sign_list.size() || phones.size() != plist.size()) {
      return refuse(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法");
    }
    if (phones.size() > 100) return refuse(200, "isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制");
    for (std::size_t i = 0; i < phones.size(); ++i) {
      s.numbers.push_back(phones[i].is_string() ? phones[i].get<std::string>() : "");
      signs.push_back(sign_list[i].is_string() ? sign_list[i].get<std::string>() : "");
      s.params.push_back(plist[i].dump());
    }
  } else {
    return refuse(404, "InvalidAction.NotFound", "Specified api is not found");
  }
  for (const auto& sign : signs) {
    if (sign != account_.sign_name) return refuse(200, "isv.SMS_SIGNATURE_ILLEGAL", "签名不合法");
  }
  if (account_.templates.count(s.template_code) == 0) {
    return refuse(200, "isv.SMS_TEMPLATE_ILLEGAL", "模板不合法");
  }
  for (const auto& n : s.numbers) {
    if (!valid_number(n)) return refuse(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号");
  }
  Fault fault;
  if (!faults_.empty()) {
    fault = faults_.front();
    faults_.erase(faults_.begin());
  }
  if (!fault.code.empty() && fault.code != "OK") return refuse(200, fault.code, fault.message);
  s.biz_id = std::to_string(900000 + ++biz_) + "^0";
  accepted_numbers_ += s.numbers.size();
  sends_.push_back(s);
  json j = {{"Code", "OK"}, {"Message", "OK"}, {"BizId", s.biz_id}, {"RequestId", "FAKE-REQ"}};
  auto reply = FakeHttpCarrier::Reply::of(200, j.dump());
  reply.delay = fault.lose_answer;
  return reply;
}

}  // namespace smsgw::testing
