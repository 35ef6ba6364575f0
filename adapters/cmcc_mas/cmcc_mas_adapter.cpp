#include "adapters/cmcc_mas/cmcc_mas_adapter.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "adapters/core/failure.hpp"
#include "adapters/core/http_carrier.hpp"
#include "adapters/core/json_push.hpp"
#include "adapters/core/options.hpp"
#include "common/crypto.hpp"
#include "common/json_limits.hpp"
#include "common/phone.hpp"

namespace smsgw::adapters::cmcc_mas {
namespace {

using json = nlohmann::json;

constexpr std::int64_t kMaxNumbers = 5000;  // 云MAS: at most 5,000 mobiles per request

// rspcod values other clients quote (reference notes §11); all refuse the request for good.
const std::vector<std::string> kDefaultPermanent = {"IllegalMac",      "IllegalSignId",
                                                    "InvalidMessage",  "InvalidUsrOrPwd",
                                                    "NoSignId",        "TooManyMobiles"};

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The content of a request: messages with equal content share one.
struct Content {
  bool is_template = false;
  std::string text_or_code;
  std::string params;  // tmpsubmit: the JSON array string
  std::string extension;
  bool operator<(const Content& o) const {
    return std::tie(is_template, text_or_code, params, extension) <
           std::tie(o.is_template, o.text_or_code, o.params, o.extension);
  }
};

class MasDialect final : public adapters::HttpDialect {
 public:
  explicit MasDialect(const config::CarrierConfig& c) : timeout_(c.timeout) {
    std::vector<std::string> ignored;
    endpoint_ = string_option(c, "endpoint", true, ignored).value_or("");
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
    ec_name_ = string_option(c, "ec_name", true, ignored).value_or("");
    ap_id_ = string_option(c, "ap_id", true, ignored).value_or("");
    secret_key_ = secret_option(c, "secret_key", true, ignored).value_or("");
    sign_ = string_option(c, "sign", true, ignored).value_or("");
    add_serial_ = string_option(c, "add_serial", false, ignored).value_or("");
    batch_ = static_cast<std::size_t>(int_option(c, "batch", 1000, 1, kMaxNumbers, ignored));
    success_ = string_option(c, "success_code", false, ignored).value_or("success");
    permanent_ = c.options.get("permanent_codes") ? strings_option(c, "permanent_codes", ignored)
                                                  : kDefaultPermanent;
    throttled_ = strings_option(c, "throttle_codes", ignored);
  }

  std::size_t max_batch() const override { return batch_; }
  bool sends_text() const override { return true; }
  bool sends_templates() const override { return true; }
  bool signs_itself() const override { return true; }

  std::vector<adapters::DialectRequest> build(std::vector<adapters::Submission>& batch,
                                              std::vector<adapters::SubmitResult>& rejected) override {
    std::map<Content, std::vector<const adapters::Submission*>> groups;
    for (const auto& s : batch) {
      if (!s.to.starts_with("+86") || s.to.size() != 14) {
        rejected.push_back({s.id, carrier_errc::invalid_number, {}, {},
                            "云MAS sends only to Chinese mobile numbers"});
        continue;
      }
      Content c;
      c.extension = s.extension;
      if (s.template_call) {
        c.is_template = true;
        c.text_or_code = s.template_call->code;
        json params = json::array();
        for (const auto& [name, value] : s.template_call->params) params.push_back(value);
        if (params.empty()) params.push_back("");  // the notes: [""] for a template without variables
        c.params = dump(params);
      } else {
        c.text_or_code = s.unsigned_text.empty() ? s.text : s.unsigned_text;
      }
      groups[c].push_back(&s);
    }
    std::vector<adapters::DialectRequest> out;
    for (const auto& [content, members] : groups) {
      for (std::size_t i = 0; i < members.size(); i += batch_) {
        std::string mobiles;
        adapters::DialectRequest r;
        for (std::size_t j = i; j < std::min(members.size(), i + batch_); ++j) {
          if (!mobiles.empty()) mobiles += ',';
          mobiles += members[j]->to.substr(3);  // 11 digits, no +86
          r.ids.push_back(members[j]->id);
        }
        const std::string serial = add_serial_ + content.extension;
        json body = {{"ecName", ec_name_}, {"apId", ap_id_}, {"mobiles", mobiles},
                     {"sign", sign_},      {"addSerial", serial}};
        if (content.is_template) {
          body["templateId"] = content.text_or_code;
          body["params"] = content.params;
          body["mac"] = mac({ec_name_, ap_id_, secret_key_, content.text_or_code, mobiles,
                             content.params, sign_, serial});
          r.http.url = endpoint_ + "/tmpsubmit";
        } else {
          body["content"] = content.text_or_code;
          body["mac"] = mac({ec_name_, ap_id_, secret_key_, mobiles, content.text_or_code, sign_,
                             serial});
          r.http.url = endpoint_ + "/norsubmit";
        }
        r.http.headers = {"Content-Type: text/plain; charset=utf-8", "Accept: application/json"};
        r.http.body = base64_encode(dump(body));
        out.push_back(std::move(r));
      }
    }
    return out;
  }

  std::vector<adapters::SubmitResult> parse_response(const adapters::DialectRequest& request,
                                                     std::error_code transport,
                                                     const adapters::HttpResponse& response) override {
    auto all = [&](const adapters::SubmitResult& proto) { return adapters::same_result(request, proto); };
    if (transport) return all(adapters::transport_failure(0, transport, timeout_));
    if (response.status < 200 || response.status >= 300) return all(adapters::status_failure(0, response));
    const auto parsed = parse_json(response.body, JsonLimits{8, 1000});
    const json* rsp = parsed.ok() && parsed.value.is_object() ? &parsed.value : nullptr;
    std::string code;
    if (rsp != nullptr) {
      auto it = rsp->find("rspcod");
      if (it != rsp->end() && it->is_string()) code = it->get<std::string>();
    }
    if (code.empty()) {
      return all({0, carrier_errc::bad_response, {}, {}, "an answer without rspcod"});
    }
    if (code == success_) {
      std::string group;
      auto it = rsp->find("msgGroup");
      if (it != rsp->end() && it->is_string()) group = it->get<std::string>();
      adapters::SubmitResult ok;
      if (adapters::valid_carrier_message_id(group)) {
        ok.carrier_batch_id = group;
      } else {
        ok.detail = "accepted; the msgGroup was not usable and is not stored";
      }
      return all(ok);
    }
    const std::string detail = "rspcod " + adapters::bounded_report_error(code).substr(0, 64);
    if (std::find(throttled_.begin(), throttled_.end(), code) != throttled_.end()) {
      return all({0, carrier_errc::throttled, {}, {}, detail});
    }
    if (std::find(permanent_.begin(), permanent_.end(), code) != permanent_.end()) {
      return all({0, code == "InvalidUsrOrPwd" || code == "IllegalMac" ? carrier_errc::unauthorized
                                                                      : carrier_errc::rejected,
                  {}, {}, detail});
    }
    // An rspcod nobody has documented: retried, so nothing is lost (unverified codes are
    // configurable: permanent_codes, throttle_codes).
    return all({0, carrier_errc::server_error, {}, {}, detail});
  }

  // Status reports: one object or an array of {reportStatus, mobile, errorCode, msgGroup (or
  // mgsGroup), submitDate, receiveDate}; delivered when reportStatus is "CM:0000" or "DELIVRD"
  // (or errorCode is "DELIVRD"). Up-link messages: {mobile, smsContent, sendTime, addSerial}.
  adapters::CallbackParse parse_callback(const adapters::CallbackRequest& request) const override {
    adapters::CallbackParse out;
    std::string body = request.body;
    // Some platforms push Base64 like they are sent to; accept both.
    if (!body.empty() && body.front() != '{' && body.front() != '[') {
      if (auto decoded = base64_decode(body)) body = std::move(*decoded);
    }
    json doc;
    std::vector<const json*> items;
    if (auto why = parse_push(body, doc, items); !why.empty()) {
      out.error = std::move(why);
      return out;
    }
    const auto str = push_text;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const json& j = *items[i];
      const std::string where = push_where(items.size(), i);
      if (!j.is_object()) {
        out.error = where + "must be a JSON object";
        break;
      }
      const auto phone = normalize_phone(str(j, "mobile"));
      if (!phone.ok()) {
        out.error = where + "\"mobile\" is not a mobile number";
        break;
      }
      if (j.contains("smsContent")) {
        adapters::Inbound in;
        in.from = phone.e164;
        in.to = add_serial_ + str(j, "addSerial");
        in.text = str(j, "smsContent");
        out.inbound.push_back(std::move(in));
        continue;
      }
      adapters::Report r;
      r.carrier_batch_id = str(j, "msgGroup");
      if (r.carrier_batch_id.empty()) r.carrier_batch_id = str(j, "mgsGroup");
      if (!adapters::valid_carrier_message_id(r.carrier_batch_id)) {
        out.error = where + "\"msgGroup\" is missing or not usable";
        break;
      }
      r.number = phone.e164;
      const std::string status = str(j, "reportStatus");
      const std::string error = str(j, "errorCode");
      const bool delivered = status == "CM:0000" || status == "DELIVRD" || error == "DELIVRD";
      r.state = delivered ? adapters::Report::State::delivered : adapters::Report::State::failed;
      if (!delivered) r.error = adapters::bounded_report_error(error.empty() ? status : error);
      out.reports.push_back(std::move(r));
    }
    if (!out.error.empty()) {
      out.reports.clear();
      out.inbound.clear();
    }
    return out;
  }

 private:
  std::string endpoint_, ec_name_, ap_id_, secret_key_, sign_, add_serial_, success_;
  std::vector<std::string> permanent_, throttled_;
  std::size_t batch_ = 1000;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::string mac(const std::vector<std::string>& parts) {
  std::string all;
  for (const auto& p : parts) all += p;
  return md5_hex(all);
}

std::vector<std::string> validate(const config::CarrierConfig& carrier) {
  std::vector<std::string> problems;
  check_known_keys(carrier, "cmcc-mas",
                   {"endpoint", "ec_name", "ap_id", "sign", "add_serial", "batch", "max_requests",
                    "success_code", "permanent_codes", "throttle_codes"},
                   {"secret_key"}, problems);
  if (auto endpoint = string_option(carrier, "endpoint", true, problems); endpoint && !is_http_url(*endpoint)) {
    problems.push_back(config::describe(carrier, carrier.options.get("endpoint"), "endpoint",
                                        "must start with http:// or https:// (e.g. "
                                        "http://<MAS host>:1992/sms)"));
  }
  for (const char* key : {"ec_name", "ap_id", "sign"}) {
    if (auto v = string_option(carrier, key, true, problems); v && v->empty()) {
      problems.push_back(config::describe(carrier, carrier.options.get(key), key, "must not be empty"));
    }
  }
  secret_option(carrier, "secret_key", true, problems);
  if (auto serial = string_option(carrier, "add_serial", false, problems)) {
    if (serial->size() > 20 || !std::all_of(serial->begin(), serial->end(),
                                            [](char c) { return c >= '0' && c <= '9'; })) {
      problems.push_back(config::describe(carrier, carrier.options.get("add_serial"), "add_serial",
                                          "must be up to 20 digits (\"\" = none)"));
    }
  }
  int_option(carrier, "batch", 1000, 1, kMaxNumbers, problems);
  int_option(carrier, "max_requests", 16, 1, 10'000, problems);
  string_option(carrier, "success_code", false, problems);
  strings_option(carrier, "permanent_codes", problems);
  strings_option(carrier, "throttle_codes", problems);
  return problems;
}

std::unique_ptr<adapters::Adapter> create(const adapters::AdapterContext& context) {
  return adapters::make_http_carrier(context, std::make_unique<MasDialect>(context.config),
                                     adapters::http_carrier_options(context.config, 16));
}

adapters::Registry::Factory factory() { return {&validate, &create}; }

}  // namespace smsgw::adapters::cmcc_mas
