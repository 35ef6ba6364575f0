#include "adapters/tencent/tencent_adapter.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "adapters/core/failure.hpp"
#include "adapters/core/http_carrier.hpp"
#include "adapters/core/json_push.hpp"
#include "adapters/core/options.hpp"
#include "adapters/tencent/tc3_sign.hpp"
#include "common/json_limits.hpp"
#include "common/phone.hpp"
#include "common/time.hpp"

namespace smsgw::adapters::tencent {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::int64_t kMaxNumbers = 200;  // PhoneNumberSet per SendSms
constexpr std::chrono::milliseconds kAccountPause = 10min;
constexpr std::chrono::milliseconds kDefaultPollAfter = 30min;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }



bool one_of(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

struct Sent {
  std::vector<std::string> numbers;  // E.164, per id
};

class TencentDialect final : public HttpDialect {
 public:
  explicit TencentDialect(const AdapterContext& context) : timeout_(context.config.timeout) {
    const auto& c = context.config;
    std::vector<std::string> ignored;
    endpoint_ = string_option(c, "endpoint", false, ignored).value_or("https://sms.tencentcloudapi.com");
    while (endpoint_.size() > 8 && endpoint_.back() == '/') endpoint_.pop_back();
    host_ = url_host(endpoint_);
    region_ = string_option(c, "region", false, ignored).value_or("ap-guangzhou");
    secret_id_ = string_option(c, "secret_id", true, ignored).value_or("");
    secret_key_ = secret_option(c, "secret_key", true, ignored).value_or("");
    sdk_app_id_ = string_option(c, "sdk_app_id", true, ignored).value_or("");
    sign_name_ = string_option(c, "sign_name", true, ignored).value_or("");
    batch_ = static_cast<std::size_t>(int_option(c, "batch", kMaxNumbers, 1, kMaxNumbers, ignored));
    poll_after_ = duration_option(c, "report_poll_after", kDefaultPollAfter, 1min, ignored);
  }

  std::chrono::milliseconds report_poll_after() const override { return poll_after_; }

  // PullSmsSendStatus hands out the account's status reports not yet pulled, whichever messages
  // they are for (Tencent: pulling and the status callback exclude each other).
  void poll_reports(std::vector<ReportQuery> /*queries*/, CurlMulti& curl, PollHandler done) override {
    const json body = {{"Limit", static_cast<int>(kMaxReportQueries)}, {"SmsSdkAppId", sdk_app_id_}};
    curl.perform(signed_request("PullSmsSendStatus", dump(body)),
                 [done = std::move(done)](std::error_code ec, HttpResponse answer) {
                   std::vector<Report> out;
                   if (!ec && answer.status >= 200 && answer.status < 300) out = pulled(answer.body);
                   done(std::move(out));
                 });
  }

  std::size_t max_batch() const override { return batch_; }
  bool sends_text() const override { return false; }
  bool sends_templates() const override { return true; }

  std::vector<DialectRequest> build(std::vector<Submission>& batch,
                                    std::vector<SubmitResult>& rejected) override {
    // One request: one template, one parameter list, one extension, mainland or not.
    using Key = std::tuple<std::string, std::string, std::string, bool>;
    std::map<Key, std::vector<const Submission*>> groups;
    for (const auto& s : batch) {
      if (!s.template_call) {
        rejected.push_back({s.id, carrier_errc::rejected, {}, {},
                            "tencent sends only approved templates; this message has no mapping"});
        continue;
      }
      json params = json::array();
      for (const auto& [name, value] : s.template_call->params) params.push_back(value);
      groups[{s.template_call->code, dump(params), s.extension, s.to.starts_with("+86")}].push_back(&s);
    }
    std::vector<DialectRequest> out;
    for (const auto& [key, members] : groups) {
      const auto& [code, params, extension, mainland] = key;
      for (std::size_t i = 0; i < members.size(); i += batch_) {
        auto sent = std::make_shared<Sent>();
        DialectRequest r;
        json numbers = json::array();
        for (std::size_t j = i; j < std::min(members.size(), i + batch_); ++j) {
          numbers.push_back(members[j]->to);
          sent->numbers.push_back(members[j]->to);
          r.ids.push_back(members[j]->id);
        }
        json body = {{"PhoneNumberSet", numbers},
                     {"SmsSdkAppId", sdk_app_id_},
                     {"SignName", sign_name_},
                     {"TemplateId", code},
                     {"TemplateParamSet", json::parse(params)},
                     {"SessionContext", std::to_string(r.ids.front())}};
        if (!extension.empty()) body["ExtendCode"] = extension;
        r.http = signed_request("SendSms", dump(body));
        r.context = std::move(sent);
        out.push_back(std::move(r));
      }
    }
    return out;
  }

  std::vector<SubmitResult> parse_response(const DialectRequest& request, std::error_code transport,
                                           const HttpResponse& response) override {
    const auto& sent = *std::static_pointer_cast<const Sent>(request.context);
    auto all = [&](const SubmitResult& proto) { return same_result(request, proto); };
    if (transport) return all(transport_failure(0, transport, timeout_));
    const auto parsed = parse_json(response.body, JsonLimits{16, 20'000});
    const json* rsp = nullptr;
    if (parsed.ok() && parsed.value.is_object()) {
      if (auto it = parsed.value.find("Response"); it != parsed.value.end() && it->is_object()) rsp = &*it;
    }
    if (rsp == nullptr) {
      if (response.status >= 200 && response.status < 300) {
        return all({0, carrier_errc::bad_response, {}, {}, "an answer without Response"});
      }
      return all(status_failure(0, response));
    }
    const UnixMs now = now_ms();
    if (auto err = rsp->find("Error"); err != rsp->end() && err->is_object()) {
      const std::string code = err->value("Code", std::string());
      const auto c = classify(code, now);
      return all({0, c.error ? c.error : make_error_code(carrier_errc::bad_response), {}, {},
                  describe(code, err->value("Message", std::string())), c.retry_after});
    }
    auto set = rsp->find("SendStatusSet");
    if (set == rsp->end() || !set->is_array()) {
      return all({0, carrier_errc::bad_response, {}, {}, "an answer without SendStatusSet"});
    }
    // Each number's own outcome; a number the answer leaves out gets bad_response from the
    // engine (we cannot know whether it went).
    std::multimap<std::string, const json*> by_number;
    for (const auto& st : *set) {
      if (st.is_object()) by_number.emplace(st.value("PhoneNumber", std::string()), &st);
    }
    std::vector<SubmitResult> out;
    for (std::size_t i = 0; i < request.ids.size(); ++i) {
      auto it = by_number.find(sent.numbers[i]);
      if (it == by_number.end()) continue;
      const json& st = *it->second;
      by_number.erase(it);
      SubmitResult r;
      r.id = request.ids[i];
      const std::string code = st.value("Code", std::string());
      const auto c = classify(code, now);
      if (!c.error) {
        const std::string serial = st.value("SerialNo", std::string());
        if (valid_carrier_message_id(serial)) {
          r.carrier_ids.push_back(serial);
        } else {
          r.detail = "accepted; the SerialNo was not usable and is not stored";
        }
      } else {
        r.error = c.error;
        r.retry_after = c.retry_after;
        r.detail = describe(code, st.value("Message", std::string()));
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  // Status: [{user_receive_time, nationcode, mobile, report_status, errmsg, description, sid}];
  // replies: [{extend, mobile, nationcode, sign, text, time}]. Answer {"result":0,"errmsg":"OK"}.
  CallbackParse parse_callback(const CallbackRequest& request) const override {
    CallbackParse out;
    out.answer.body = R"({"result":0,"errmsg":"OK"})";
    out.retry_answer.status = 500;
    out.retry_answer.body = R"({"result":1,"errmsg":"commit failed, push again"})";
    auto refuse = [&](std::string why) {
      out.error = std::move(why);
      out.reports.clear();
      out.inbound.clear();
      out.answer.status = 400;
      out.answer.body = dump(json{{"result", 1}, {"errmsg", out.error}});
      return out;
    };
    json doc;
    std::vector<const json*> items;
    if (auto why = parse_push(request.body, doc, items); !why.empty()) return refuse(why);
    const auto str = push_text;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const json& j = *items[i];
      const std::string where = push_where(items.size(), i);
      if (!j.is_object()) return refuse(where + "must be a JSON object");
      std::string nation = str(j, "nationcode");
      if (nation.empty()) nation = "86";
      const auto phone = normalize_phone("+" + nation + str(j, "mobile"));
      if (!phone.ok()) return refuse(where + "\"mobile\" is not a mobile number");
      if (j.contains("text")) {
        Inbound in;
        in.from = phone.e164;
        in.to = str(j, "extend");
        in.text = str(j, "text");
        // Seconds; a value whose milliseconds would overflow (hostile or garbled) is ignored.
        if (auto t = j.find("time"); t != j.end() && t->is_number_integer()) {
          const std::int64_t seconds = t->get<std::int64_t>();
          if (seconds > 0 && seconds < std::int64_t{1} << 40) in.received_at = seconds * 1000;
        }
        out.inbound.push_back(std::move(in));
        continue;
      }
      Report r;
      r.carrier_id = str(j, "sid");
      if (!valid_carrier_message_id(r.carrier_id)) return refuse(where + "\"sid\" is missing or not usable");
      const std::string status = str(j, "report_status");
      if (status != "SUCCESS" && status != "FAIL") return refuse(where + "\"report_status\" must be SUCCESS or FAIL");
      r.number = phone.e164;
      r.state = status == "SUCCESS" ? Report::State::delivered : Report::State::failed;
      if (r.state == Report::State::failed) {
        const std::string code = str(j, "errmsg");
        const std::string text = str(j, "description");
        r.error = bounded_report_error(text.empty() || text == code ? code : code + " " + text);
      }
      r.at = china_local_time(str(j, "user_receive_time"));
      out.reports.push_back(std::move(r));
    }
    return out;
  }

 private:
  static std::string describe(const std::string& code, const std::string& message) {
    std::string d = bounded_report_error(code).substr(0, 80);
    if (!message.empty()) d += ": " + bounded_report_error(message).substr(0, 120);
    return d;
  }

  HttpRequest signed_request(const std::string& action, std::string body) const {
    HttpRequest http;
    http.method = "POST";
    http.url = endpoint_ + "/";
    const std::int64_t timestamp = now_ms() / 1000;  // real time: Tencent checks it (5 minutes)
    Tc3Request tc3;
    tc3.service = "sms";
    tc3.timestamp = timestamp;
    tc3.headers = {{"content-type", "application/json; charset=utf-8"}, {"host", host_}};
    tc3.payload = body;
    http.headers = {"Content-Type: application/json; charset=utf-8",
                    "X-TC-Action: " + action,
                    "X-TC-Version: 2021-01-11",
                    "X-TC-Region: " + region_,
                    "X-TC-Timestamp: " + std::to_string(timestamp),
                    "Authorization: " + tc3_authorization(tc3, secret_id_, secret_key_)};
    http.body = std::move(body);
    return http;
  }

  static std::vector<Report> pulled(const std::string& body) {
    std::vector<Report> out;
    const auto parsed = parse_json(body, JsonLimits{16, 20'000});
    if (!parsed.ok() || !parsed.value.is_object()) return out;
    auto rsp = parsed.value.find("Response");
    if (rsp == parsed.value.end() || !rsp->is_object()) return out;
    auto set = rsp->find("PullSmsSendStatusSet");
    if (set == rsp->end() || !set->is_array()) return out;
    for (const auto& st : *set) {
      if (!st.is_object()) continue;
      Report r;
      r.carrier_id = st.value("SerialNo", std::string());
      const std::string status = st.value("ReportStatus", std::string());
      if (!valid_carrier_message_id(r.carrier_id) || (status != "SUCCESS" && status != "FAIL")) continue;
      const auto phone = normalize_phone(st.value("PhoneNumber", std::string()));
      if (phone.ok()) r.number = phone.e164;
      r.state = status == "SUCCESS" ? Report::State::delivered : Report::State::failed;
      if (r.state == Report::State::failed) {
        r.error = bounded_report_error(st.value("Description", std::string("FAIL")));
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  std::string endpoint_, host_, region_, secret_id_, secret_key_, sdk_app_id_, sign_name_;
  std::chrono::milliseconds poll_after_{0};
  std::size_t batch_ = kMaxNumbers;
  std::chrono::milliseconds timeout_;
};

}  // namespace

Classified classify(std::string_view code, UnixMs now) {
  if (code == "Ok" || code == "OK") return {};
  // Limits on one number: that message waits, the carrier goes on with the others.
  if (code == "LimitExceeded.PhoneNumberThirtySecondLimit") return {carrier_errc::server_error, 30s};
  if (code == "LimitExceeded.PhoneNumberOneHourLimit" || code == "LimitExceeded.DeliveryFrequencyLimit") {
    return {carrier_errc::server_error, 1h};
  }
  if (code == "LimitExceeded.PhoneNumberDailyLimit" ||
      code == "LimitExceeded.PhoneNumberSameContentDailyLimit") {
    return {carrier_errc::server_error, until_china_hour(now, 0)};
  }
  // Limits on the account or the API: the carrier rests, others take over.
  if (code.starts_with("RequestLimitExceeded")) return {carrier_errc::throttled, 1s};
  if (code == "LimitExceeded.AppDailyLimit" || code == "LimitExceeded.DailyLimit") {
    return {carrier_errc::throttled, until_china_hour(now, 0)};
  }
  if (code == "FailedOperation.MarketingSendTimeConstraint") {
    return {carrier_errc::throttled, until_china_hour(now, 8)};
  }
  if (one_of(code, {"FailedOperation.InsufficientBalanceInSmsPackage",
                    "UnauthorizedOperation.SerivceSuspendDueToArrears",
                    "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
                    "UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny",
                    "AuthFailure.SecretIdNotFound", "AuthFailure.SignatureFailure",
                    "AuthFailure.InvalidSecretId", "AuthFailure.UnauthorizedOperation",
                    "FailedOperation.MissingSignature"})) {
    return {carrier_errc::throttled, kAccountPause};
  }
  if (one_of(code, {"InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumberInBlacklist",
                    "FailedOperation.PhoneNumberParseFail", "InvalidParameterValue.InvalidNumber"})) {
    return {carrier_errc::invalid_number, {}};
  }
  if (one_of(code, {"FailedOperation.SignatureIncorrectOrUnapproved",
                    "FailedOperation.TemplateIncorrectOrUnapproved",
                    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                    "FailedOperation.ContainSensitiveWord", "InvalidParameter.DirtyWordFound",
                    "InvalidParameterValue.ContentLengthLimit",
                    "InvalidParameterValue.TemplateParameterLengthLimit",
                    "InvalidParameterValue.TemplateParameterFormatError",
                    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
                    "InvalidParameterValue.SdkAppIdNotExist",
                    "UnsupportedOperation.UnsupportedRegion"})) {
    return {carrier_errc::rejected, {}};
  }
  // InternalError.* (Tencent: "retry"), AuthFailure.SignatureExpire (clock), unknown codes.
  return {carrier_errc::server_error, {}};
}

std::vector<std::string> validate(const config::CarrierConfig& carrier) {
  std::vector<std::string> problems;
  check_known_keys(carrier, "tencent",
                   {"endpoint", "region", "secret_id", "sdk_app_id", "sign_name", "batch", "max_requests",
                    "report_poll_after"},
                   {"secret_key"}, problems);
  if (auto endpoint = string_option(carrier, "endpoint", false, problems); endpoint && !is_http_url(*endpoint)) {
    problems.push_back(config::describe(carrier, carrier.options.get("endpoint"), "endpoint",
                                        "must start with http:// or https:// (default "
                                        "https://sms.tencentcloudapi.com)"));
  }
  for (const char* key : {"secret_id", "sdk_app_id", "sign_name"}) {
    if (auto v = string_option(carrier, key, true, problems); v && v->empty()) {
      problems.push_back(config::describe(carrier, carrier.options.get(key), key, "must not be empty"));
    }
  }
  secret_option(carrier, "secret_key", true, problems);
  string_option(carrier, "region", false, problems);
  int_option(carrier, "batch", kMaxNumbers, 1, kMaxNumbers, problems);
  int_option(carrier, "max_requests", 16, 1, 10'000, problems);
  duration_option(carrier, "report_poll_after", kDefaultPollAfter, 1min, problems);
  check_template_carrier(carrier, "tencent", false, "<TemplateId>", problems);
  return problems;
}

std::unique_ptr<Adapter> create(const AdapterContext& context) {
  return make_http_carrier(context, std::make_unique<TencentDialect>(context),
                           http_carrier_options(context.config, 16));
}

Registry::Factory factory() { return {&validate, &create}; }

}  // namespace smsgw::adapters::tencent
