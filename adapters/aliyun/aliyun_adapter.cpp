#include "adapters/aliyun/aliyun_adapter.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <nlohmann/json.hpp>

#include "adapters/aliyun/aliyun_sign.hpp"
#include "adapters/core/failure.hpp"
#include "adapters/core/http_carrier.hpp"
#include "adapters/core/json_push.hpp"
#include "adapters/core/options.hpp"
#include "common/crypto.hpp"
#include "common/json_limits.hpp"
#include "common/phone.hpp"
#include "common/time.hpp"

namespace smsgw::adapters::aliyun {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::int64_t kMaxSendSms = 1000;     // PhoneNumbers per SendSms
constexpr std::size_t kMaxSendBatchSms = 100;  // PhoneNumberJson entries per SendBatchSms
// The dispatcher clamps pauses to [dispatch] throttle_max; this asks for long ones.
constexpr std::chrono::milliseconds kAccountPause = 10min;
// Receipts usually come within minutes; one that has not after this is asked for.
constexpr std::chrono::milliseconds kDefaultPollAfter = 30min;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Aliyun's number form: 11 digits for the mainland, country code and number otherwise.
std::string aliyun_number(const std::string& e164) {
  if (e164.starts_with("+86")) return e164.substr(3);
  return e164.starts_with("+") ? e164.substr(1) : e164;
}

// "yyyy-MM-ddTHH:mm:ssZ", whole seconds: what both signatures want.
std::string iso_seconds(UnixMs t) { return format_rfc3339(t - t % 1000); }



// What a request sent, for parse_response and complete().
struct Sent {
  std::string action;                 // SendSms or SendBatchSms
  Params api;                         // its API parameters
  std::string out_id;
  std::vector<std::string> numbers;   // Aliyun form, per id
  std::vector<std::string> params;    // TemplateParam JSON, per id
  std::string code;                   // TemplateCode
  std::string extension;
  UnixMs at = 0;                      // when it was signed (real time)
};

struct Answer {
  std::string code, message, biz_id;
  bool parsed = false;
};

Answer read_answer(const std::string& body) {
  Answer a;
  const auto parsed = parse_json(body, JsonLimits{16, 10'000});
  if (!parsed.ok() || !parsed.value.is_object()) return a;
  auto str = [&](const char* key) {
    auto it = parsed.value.find(key);
    return it != parsed.value.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  a.code = str("Code");
  a.message = str("Message");
  a.biz_id = str("BizId");
  a.parsed = !a.code.empty();
  return a;
}

bool may_have_reached(std::error_code transport, const HttpResponse& response, const Answer& a) {
  if (transport) {
    if (transport.category() != curl_category()) return false;
    switch (transport.value()) {
      case CURLE_OPERATION_TIMEDOUT: case CURLE_RECV_ERROR: case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE: case CURLE_SEND_ERROR:
        return true;
      default:
        return false;
    }
  }
  if (a.parsed) return a.code == "isp.SYSTEM_ERROR";
  return response.status >= 500;
}

class AliyunDialect final : public HttpDialect {
 public:
  explicit AliyunDialect(const AdapterContext& context) : timeout_(context.config.timeout) {
    const auto& c = context.config;
    std::vector<std::string> ignored;
    endpoint_ = string_option(c, "endpoint", false, ignored).value_or("https://dysmsapi.aliyuncs.com");
    while (endpoint_.size() > 8 && endpoint_.back() == '/') endpoint_.pop_back();
    host_ = url_host(endpoint_);
    key_id_ = string_option(c, "access_key_id", true, ignored).value_or("");
    secret_ = secret_option(c, "access_key_secret", true, ignored).value_or("");
    sign_name_ = string_option(c, "sign_name", true, ignored).value_or("");
    region_ = string_option(c, "region", false, ignored).value_or("cn-hangzhou");
    rpc_ = string_option(c, "signature_version", false, ignored).value_or("v3") == "rpc";
    batch_ = static_cast<std::size_t>(int_option(c, "batch", kMaxSendSms, 1, kMaxSendSms, ignored));
    poll_after_ = duration_option(c, "report_poll_after", kDefaultPollAfter, 1min, ignored);
  }

  std::chrono::milliseconds report_poll_after() const override { return poll_after_; }

  // QuerySendDetails per number and day; the entry with our OutId says what became of it
  // (SendStatus 1 waiting, 2 failed, 3 delivered).
  void poll_reports(std::vector<ReportQuery> queries, CurlMulti& curl, PollHandler done) override {
    struct Pending {
      std::vector<Report> reports;
      std::size_t left = 0;
      PollHandler done;
    };
    auto pending = std::make_shared<Pending>();
    pending->left = queries.size();
    pending->done = std::move(done);
    for (auto& q : queries) {
      Params query = {{"PhoneNumber", aliyun_number(q.number)}, {"SendDate", china_date(q.sent_at)},
                      {"PageSize", "50"}, {"CurrentPage", "1"}};
      curl.perform(signed_request("QuerySendDetails", query, now_ms()),
                   [pending, q = std::move(q)](std::error_code ec, HttpResponse answer) {
                     if (!ec && answer.status >= 200 && answer.status < 300) {
                       if (auto r = report_from_details(answer.body, q)) pending->reports.push_back(std::move(*r));
                     }
                     if (--pending->left == 0) pending->done(std::move(pending->reports));
                   });
    }
  }

  std::size_t max_batch() const override { return batch_; }
  bool sends_text() const override { return false; }
  bool sends_templates() const override { return true; }

  std::vector<DialectRequest> build(std::vector<Submission>& batch,
                                    std::vector<SubmitResult>& rejected) override {
    // Same template, same params (and extension): SendSms to many numbers. Different params of
    // one template: SendBatchSms, 100 at a time.
    std::map<std::tuple<std::string, std::string, std::string>, std::vector<const Submission*>> same;
    std::vector<std::pair<const Submission*, std::string>> rendered;
    for (const auto& s : batch) {
      if (!s.template_call) {
        rejected.push_back({s.id, carrier_errc::rejected, {}, {},
                            "aliyun sends only approved templates; this message has no mapping"});
        continue;
      }
      json params = json::object();
      for (const auto& [name, value] : s.template_call->params) params[name] = value;
      std::string p = s.template_call->params.empty() ? std::string() : dump(params);
      same[{s.template_call->code, p, s.extension}].push_back(&s);
    }
    std::vector<DialectRequest> out;
    // Singles keep the batch's order (the queue's), grouped by template and extension.
    std::map<std::pair<std::string, std::string>, std::vector<std::pair<const Submission*, std::string>>> singles;
    std::unordered_map<const Submission*, const std::string*> alone;  // -> its params
    for (const auto& [key, members] : same) {
      if (members.size() == 1) alone.emplace(members.front(), &std::get<1>(key));
    }
    for (const auto& s : batch) {
      auto it = alone.find(&s);
      if (it == alone.end()) continue;
      singles[{s.template_call->code, s.extension}].emplace_back(&s, *it->second);
    }
    for (auto& [key, members] : same) {
      const auto& [code, params, extension] = key;
      if (members.size() == 1) continue;
      for (std::size_t i = 0; i < members.size(); i += batch_) {
        std::vector<std::pair<const Submission*, std::string>> chunk;
        for (std::size_t j = i; j < std::min(members.size(), i + batch_); ++j) chunk.emplace_back(members[j], params);
        out.push_back(send_sms(code, extension, chunk));
      }
    }
    for (auto& [key, members] : singles) {
      const auto& [code, extension] = key;
      for (std::size_t i = 0; i < members.size(); i += kMaxSendBatchSms) {
        std::vector<std::pair<const Submission*, std::string>> chunk(
            members.begin() + static_cast<std::ptrdiff_t>(i),
            members.begin() + static_cast<std::ptrdiff_t>(std::min(members.size(), i + kMaxSendBatchSms)));
        out.push_back(chunk.size() == 1 || batch_ == 1 ? send_sms(code, extension, chunk)
                                                      : send_batch_sms(code, extension, chunk));
      }
    }
    return out;
  }

  std::vector<SubmitResult> parse_response(const DialectRequest& request, std::error_code transport,
                                           const HttpResponse& response) override {
    const auto& sent = *std::static_pointer_cast<const Sent>(request.context);
    if (transport) return same_result(request, transport_failure(0, transport, timeout_));
    const Answer a = read_answer(response.body);
    if (!a.parsed) {
      if (response.status >= 200 && response.status < 300) {
        return same_result(request, {0, carrier_errc::bad_response, {}, {}, "an answer without Code"});
      }
      return same_result(request, status_failure(0, response));
    }
    const auto c = classify(a.code, a.message, now_ms());
    if (!c.error) {
      SubmitResult ok;
      ok.carrier_batch_id = sent.out_id;
      ok.detail = "BizId " + bounded_report_error(a.biz_id).substr(0, 64);
      return same_result(request, ok);
    }
    SubmitResult failed{0, c.error, {}, {}, describe(a), c.retry_after};
    return same_result(request, failed);
  }

  void complete(const DialectRequest& request, std::error_code transport, HttpResponse response,
                CurlMulti& curl, Finish finish) override {
    const auto sent = std::static_pointer_cast<const Sent>(request.context);
    const Answer a = transport ? Answer{} : read_answer(response.body);
    if (may_have_reached(transport, response, a) && !sent->numbers.empty()) {
      query_then_finish(request, sent, transport, std::move(response), curl, std::move(finish));
      return;
    }
    if (a.code == "isv.MOBILE_NUMBER_ILLEGAL" && request.ids.size() > 1) {
      // One bad number refuses the whole request: send each on its own so the others go.
      split_then_finish(request, sent, curl, std::move(finish));
      return;
    }
    finish(parse_response(request, transport, response));
  }

  // SmsReport: [{phone_number, send_time, report_time, success, err_code, err_msg, sms_size,
  // biz_id, out_id}]; SmsUp: [{phone_number, send_time, content, sign_name, dest_code,
  // sequence_id}]. Answer {"code":0,"msg":"成功"}; Aliyun pushes again on anything else.
  CallbackParse parse_callback(const CallbackRequest& request) const override {
    CallbackParse out;
    out.answer.body = R"({"code":0,"msg":"成功"})";
    out.retry_answer.status = 500;
    out.retry_answer.body = R"({"code":-1,"msg":"commit failed, push again"})";
    auto refuse = [&](std::string why) {
      out.error = std::move(why);
      out.reports.clear();
      out.inbound.clear();
      out.answer.status = 400;
      out.answer.body = dump(json{{"code", -1}, {"msg", out.error}});
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
      const auto phone = normalize_phone(str(j, "phone_number"));
      if (!phone.ok()) return refuse(where + "\"phone_number\" is not a mobile number");
      if (j.contains("content")) {
        Inbound in;
        in.carrier_id = str(j, "sequence_id");
        if (!in.carrier_id.empty() && !valid_carrier_message_id(in.carrier_id)) {
          return refuse(where + "\"sequence_id\" is not usable");
        }
        in.from = phone.e164;
        in.to = str(j, "dest_code");
        in.text = str(j, "content");
        in.received_at = china_local_time(str(j, "send_time"));
        out.inbound.push_back(std::move(in));
        continue;
      }
      auto success = j.find("success");
      if (success == j.end() || !success->is_boolean()) return refuse(where + "\"success\" must be true or false");
      Report r;
      r.carrier_batch_id = str(j, "out_id");
      // A report of a message smsgw did not send (from Aliyun's console, another system on the
      // account) has no OutId of ours: nothing to update, but the push is still well-formed.
      if (r.carrier_batch_id.empty()) continue;
      if (!valid_carrier_message_id(r.carrier_batch_id)) return refuse(where + "\"out_id\" is not usable");
      r.number = phone.e164;
      const std::string code = str(j, "err_code");
      if (success->get<bool>()) {
        r.state = Report::State::delivered;
      } else {
        r.state = code.find("EXPIRED") != std::string::npos ? Report::State::expired
                                                            : Report::State::failed;
        const std::string msg = str(j, "err_msg");
        r.error = bounded_report_error(msg.empty() || msg == code ? code : code + " " + msg);
      }
      r.at = china_local_time(str(j, "report_time"));
      out.reports.push_back(std::move(r));
    }
    return out;
  }

 private:
  static std::string describe(const Answer& a) {
    std::string d = bounded_report_error(a.code).substr(0, 64);
    if (!a.message.empty()) d += ": " + bounded_report_error(a.message).substr(0, 120);
    return d;
  }

  DialectRequest send_sms(const std::string& code, const std::string& extension,
                          const std::vector<std::pair<const Submission*, std::string>>& members) {
    auto sent = std::make_shared<Sent>();
    sent->action = "SendSms";
    sent->code = code;
    sent->extension = extension;
    sent->out_id = std::to_string(members.front().first->id);
    std::string numbers;
    DialectRequest r;
    for (const auto& [s, params] : members) {
      sent->numbers.push_back(aliyun_number(s->to));
      sent->params.push_back(params);
      if (!numbers.empty()) numbers += ',';
      numbers += sent->numbers.back();
      r.ids.push_back(s->id);
    }
    sent->api = {{"PhoneNumbers", numbers}, {"SignName", sign_name_}, {"TemplateCode", code},
                 {"OutId", sent->out_id}};
    if (!members.front().second.empty()) sent->api.emplace_back("TemplateParam", members.front().second);
    if (!extension.empty()) sent->api.emplace_back("SmsUpExtendCode", extension);
    sent->at = now_ms();
    r.http = signed_request("SendSms", sent->api, sent->at);
    r.context = std::move(sent);
    return r;
  }

  DialectRequest send_batch_sms(const std::string& code, const std::string& extension,
                                const std::vector<std::pair<const Submission*, std::string>>& members) {
    auto sent = std::make_shared<Sent>();
    sent->action = "SendBatchSms";
    sent->code = code;
    sent->extension = extension;
    sent->out_id = std::to_string(members.front().first->id);
    json phones = json::array(), signs = json::array(), params = json::array(), ext = json::array();
    DialectRequest r;
    for (const auto& [s, p] : members) {
      sent->numbers.push_back(aliyun_number(s->to));
      sent->params.push_back(p);
      phones.push_back(sent->numbers.back());
      signs.push_back(sign_name_);
      params.push_back(p.empty() ? json::object() : json::parse(p));
      ext.push_back(extension);
      r.ids.push_back(s->id);
    }
    sent->api = {{"PhoneNumberJson", dump(phones)}, {"SignNameJson", dump(signs)},
                 {"TemplateCode", code},            {"TemplateParamJson", dump(params)},
                 {"OutId", sent->out_id}};
    if (!extension.empty()) sent->api.emplace_back("SmsUpExtendCodeJson", dump(ext));
    sent->at = now_ms();
    r.http = signed_request("SendBatchSms", sent->api, sent->at);
    r.context = std::move(sent);
    return r;
  }

  // A POST of `api` as a form body, signed; real time, since Aliyun checks it against its own.
  HttpRequest signed_request(const std::string& action, const Params& api, UnixMs at) const {
    HttpRequest http;
    http.method = "POST";
    http.url = endpoint_ + "/";
    http.timeout = timeout_;
    http.connect_timeout = std::min(timeout_, std::chrono::milliseconds{5'000});
    const std::string nonce = random_hex(16);
    const std::string content_type = "application/x-www-form-urlencoded";
    if (rpc_) {
      Params all = api;
      all.insert(all.end(), {{"AccessKeyId", key_id_},
                             {"Action", action},
                             {"Format", "JSON"},
                             {"RegionId", region_},
                             {"SignatureMethod", "HMAC-SHA1"},
                             {"SignatureNonce", nonce},
                             {"SignatureVersion", "1.0"},
                             {"Timestamp", iso_seconds(at)},
                             {"Version", "2017-05-25"}});
      const std::string signature = rpc_signature("POST", all, secret_);
      http.body = canonical_query(all) + "&Signature=" + percent_encode(signature);
      http.headers = {"Content-Type: " + content_type, "Accept: application/json"};
      return http;
    }
    http.body = canonical_query(api);
    V3Request v3;
    v3.method = "POST";
    v3.path = "/";
    v3.payload = http.body;
    v3.headers = {{"host", host_},
                  {"content-type", content_type},
                  {"x-acs-action", action},
                  {"x-acs-version", "2017-05-25"},
                  {"x-acs-date", iso_seconds(at)},
                  {"x-acs-signature-nonce", nonce},
                  {"x-acs-content-sha256", sha256_hex(http.body)}};
    for (const auto& [name, value] : v3.headers) {
      if (name != "host") http.headers.push_back(name + ": " + value);
    }
    http.headers.push_back("Accept: application/json");
    http.headers.push_back("Authorization: " + v3_authorization(v3, key_id_, secret_));
    return http;
  }

  // Did Aliyun take it after all? QuerySendDetails for the request's first number lists that
  // day's sends to it with their OutId; one request is one send, so one number answers for all.
  void query_then_finish(const DialectRequest& request, std::shared_ptr<const Sent> sent,
                         std::error_code transport, HttpResponse response, CurlMulti& curl,
                         Finish finish) {
    Params query = {{"PhoneNumber", sent->numbers.front()}, {"SendDate", china_date(sent->at)},
                    {"PageSize", "50"}, {"CurrentPage", "1"}};
    auto original = std::make_shared<std::vector<SubmitResult>>(parse_response(request, transport, response));
    curl.perform(signed_request("QuerySendDetails", query, now_ms()),
                 [sent, original, finish = std::move(finish), ids = request.ids](
                     std::error_code ec, HttpResponse answer) {
                   bool found = false, checked = false;
                   if (!ec && answer.status >= 200 && answer.status < 300) {
                     const auto parsed = parse_json(answer.body, JsonLimits{16, 10'000});
                     if (parsed.ok() && parsed.value.is_object() &&
                         parsed.value.value("Code", std::string()) == "OK") {
                       checked = true;
                       const json* list = nullptr;
                       if (auto dtos = parsed.value.find("SmsSendDetailDTOs");
                           dtos != parsed.value.end() && dtos->is_object()) {
                         if (auto l = dtos->find("SmsSendDetailDTO"); l != dtos->end() && l->is_array()) list = &*l;
                       }
                       if (list != nullptr) {
                         for (const auto& d : *list) {
                           if (d.is_object() && d.value("OutId", std::string()) == sent->out_id) found = true;
                         }
                       }
                     }
                   }
                   std::vector<SubmitResult> out;
                   for (auto id : ids) {
                     SubmitResult r;
                     r.id = id;
                     if (found) {
                       r.carrier_batch_id = sent->out_id;
                       r.detail = "accepted: QuerySendDetails found it after the answer was lost";
                     } else {
                       for (const auto& o : *original) {
                         if (o.id == id) r = o;
                       }
                       r.detail += checked ? "; QuerySendDetails: not sent, safe to retry"
                                           : "; QuerySendDetails failed too: a retry may duplicate";
                     }
                     out.push_back(std::move(r));
                   }
                   finish(std::move(out));
                 });
  }

  void split_then_finish(const DialectRequest& request, std::shared_ptr<const Sent> sent,
                         CurlMulti& curl, Finish finish) {
    struct Pending {
      std::vector<SubmitResult> results;
      std::size_t left = 0;
      Finish finish;
    };
    auto pending = std::make_shared<Pending>();
    pending->left = request.ids.size();
    pending->finish = std::move(finish);
    for (std::size_t i = 0; i < request.ids.size(); ++i) {
      const auto id = request.ids[i];
      Params api = {{"PhoneNumbers", sent->numbers[i]}, {"SignName", sign_name_},
                    {"TemplateCode", sent->code}, {"OutId", std::to_string(id)}};
      if (!sent->params[i].empty()) api.emplace_back("TemplateParam", sent->params[i]);
      if (!sent->extension.empty()) api.emplace_back("SmsUpExtendCode", sent->extension);
      curl.perform(signed_request("SendSms", api, now_ms()),
                   [pending, id, timeout = timeout_](std::error_code ec, HttpResponse answer) {
                     SubmitResult r;
                     if (ec) {
                       r = transport_failure(id, ec, timeout);
                     } else if (const Answer a = read_answer(answer.body); !a.parsed) {
                       r = answer.status >= 200 && answer.status < 300
                               ? SubmitResult{id, carrier_errc::bad_response, {}, {}, "an answer without Code"}
                               : status_failure(id, answer);
                     } else if (const auto c = classify(a.code, a.message, now_ms()); c.error) {
                       r = SubmitResult{id, c.error, {}, {}, describe(a), c.retry_after};
                     } else {
                       r.carrier_batch_id = std::to_string(id);
                       r.detail = "BizId " + bounded_report_error(a.biz_id).substr(0, 64);
                     }
                     r.id = id;
                     pending->results.push_back(std::move(r));
                     if (--pending->left == 0) pending->finish(std::move(pending->results));
                   });
    }
  }

  static std::optional<Report> report_from_details(const std::string& body, const ReportQuery& q) {
    const auto parsed = parse_json(body, JsonLimits{16, 10'000});
    if (!parsed.ok() || !parsed.value.is_object() || parsed.value.value("Code", std::string()) != "OK") {
      return std::nullopt;
    }
    auto dtos = parsed.value.find("SmsSendDetailDTOs");
    if (dtos == parsed.value.end() || !dtos->is_object()) return std::nullopt;
    auto list = dtos->find("SmsSendDetailDTO");
    if (list == dtos->end() || !list->is_array()) return std::nullopt;
    for (const auto& d : *list) {
      if (!d.is_object() || d.value("OutId", std::string()) != q.carrier_batch_id) continue;
      const auto status = d.find("SendStatus");
      if (status == d.end() || !status->is_number_integer()) continue;
      const auto st = status->get<std::int64_t>();
      if (st != 2 && st != 3) return std::nullopt;  // still waiting
      Report r;
      r.carrier_batch_id = q.carrier_batch_id;
      r.number = q.number;
      r.state = st == 3 ? Report::State::delivered : Report::State::failed;
      if (st == 2) r.error = bounded_report_error(d.value("ErrCode", std::string("UNDELIVERED")));
      r.at = china_local_time(d.value("ReceiveDate", std::string()));
      return r;
    }
    return std::nullopt;
  }

  std::string endpoint_, host_, key_id_, secret_, sign_name_, region_;
  std::chrono::milliseconds poll_after_{0};
  bool rpc_ = false;
  std::size_t batch_ = kMaxSendSms;
  std::chrono::milliseconds timeout_;
};

bool one_of(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

}  // namespace

Classified classify(std::string_view code, std::string_view message, UnixMs now) {
  if (code == "OK") return {};
  // Flow control: Message names the window ("触发分钟级流控Permits:1", "触发天级流控").
  if (code == "isv.BUSINESS_LIMIT_CONTROL") {
    std::chrono::milliseconds wait = 1min;
    if (message.find("小时") != std::string_view::npos) wait = 1h;
    if (message.find("天") != std::string_view::npos) wait = 24h;
    return {carrier_errc::throttled, wait};
  }
  if (code == "isv.DAY_LIMIT_CONTROL") {
    // The console's daily quota: until midnight in China.
    return {carrier_errc::throttled, until_china_hour(now, 0)};
  }
  if (one_of(code, {"Throttling", "Throttling.User", "Throttling.Api", "ServiceUnavailable"})) {
    return {carrier_errc::throttled, 1s};
  }
  // The account cannot send (balance, quota, credentials, permissions): pause this carrier so
  // others take over, and keep the messages' attempts; ops must fix it (docs/carriers.md).
  if (one_of(code, {"isv.MONTH_LIMIT_CONTROL", "isv.OUT_OF_SERVICE", "isv.AMOUNT_NOT_ENOUGH",
                    "isp.RAM_PERMISSION_DENY", "isv.PRODUCT_UN_SUBSCRIPT", "isv.PRODUCT_UNSUBSCRIBE",
                    "isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL", "isv.DENY_IP_RANGE",
                    "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive",
                    "SignatureDoesNotMatch", "IncompleteSignature", "Forbidden.RAM"})) {
    return {carrier_errc::throttled, kAccountPause};
  }
  if (one_of(code, {"isv.MOBILE_NUMBER_ILLEGAL"})) return {carrier_errc::invalid_number, {}};
  if (one_of(code, {"isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.SMS_SIGN_ILLEGAL",
                    "isv.SMS_SIGNATURE_SCENE_ILLEGAL", "isv.INVALID_PARAMETERS",
                    "isv.INVALID_JSON_PARAM", "isv.TEMPLATE_MISSING_PARAMETERS",
                    "isv.PARAM_LENGTH_LIMIT", "isv.PARAM_NOT_SUPPORT_URL",
                    "isv.BLACK_KEY_CONTROL_LIMIT", "isv.SMS_CONTENT_ILLEGAL",
                    "isv.EXTEND_CODE_ERROR", "isv.DOMESTIC_NUMBER_NOT_SUPPORTED"})) {
    return {carrier_errc::rejected, {}};
  }
  // isp.SYSTEM_ERROR, a stale timestamp or a reused nonce (a new one goes with the retry), and
  // every code nobody has documented: retried, so nothing is lost.
  return {carrier_errc::server_error, {}};
}

std::vector<std::string> validate(const config::CarrierConfig& carrier) {
  std::vector<std::string> problems;
  check_known_keys(carrier, "aliyun",
                   {"endpoint", "access_key_id", "sign_name", "region", "signature_version", "batch",
                    "max_requests", "report_poll_after"},
                   {"access_key_secret"}, problems);
  if (auto endpoint = string_option(carrier, "endpoint", false, problems); endpoint && !is_http_url(*endpoint)) {
    problems.push_back(config::describe(carrier, carrier.options.get("endpoint"), "endpoint",
                                        "must start with http:// or https:// (default "
                                        "https://dysmsapi.aliyuncs.com)"));
  }
  for (const char* key : {"access_key_id", "sign_name"}) {
    if (auto v = string_option(carrier, key, true, problems); v && v->empty()) {
      problems.push_back(config::describe(carrier, carrier.options.get(key), key, "must not be empty"));
    }
  }
  secret_option(carrier, "access_key_secret", true, problems);
  string_option(carrier, "region", false, problems);
  if (auto v = string_option(carrier, "signature_version", false, problems); v && *v != "v3" && *v != "rpc") {
    problems.push_back(config::describe(carrier, carrier.options.get("signature_version"),
                                        "signature_version", "must be \"v3\" (ACS3-HMAC-SHA256) or \"rpc\" (HMAC-SHA1)"));
  }
  int_option(carrier, "batch", kMaxSendSms, 1, kMaxSendSms, problems);
  int_option(carrier, "max_requests", 16, 1, 10'000, problems);
  duration_option(carrier, "report_poll_after", kDefaultPollAfter, 1min, problems);
  check_template_carrier(carrier, "aliyun", true, "SMS_...", problems);
  return problems;
}

std::unique_ptr<Adapter> create(const AdapterContext& context) {
  return make_http_carrier(context, std::make_unique<AliyunDialect>(context),
                           http_carrier_options(context.config, 16));
}

Registry::Factory factory() { return {&validate, &create}; }

}  // namespace smsgw::adapters::aliyun
