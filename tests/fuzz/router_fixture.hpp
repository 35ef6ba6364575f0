#pragma once
// A real Router over a real Store for the whole-request harnesses (fuzz_router, fuzz_api_json),
// the way tests/unit/router_test.cpp builds one. Each input starts from the same database
// (a copy of one prepared at start-up with a group, a recipient, a template, a schedule, a
// message and a store token), so a crash replays from its input alone.
//
// Requests are written as text, so seeds read like the tests and mutate well:
//   METHOD TARGET
//   Header: value
//   <blank line>
//   body
// and several requests in one input are separated by a line "%%".
//
// Files live under $TMPDIR (scripts/fuzz.sh points it at a scratch folder, in /dev/shm when
// there is one, so commits cost no real fsync).

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <spdlog/spdlog.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "api/router.hpp"
#include "api/server.hpp"
#include "calendar/calendar.hpp"
#include "adapters/core/contract.hpp"
#include "common/crypto.hpp"
#include "common/metrics.hpp"
#include "common/time.hpp"
#include "fuzz_check.hpp"
#include "store/store.hpp"

namespace smsgw::fuzz {

namespace http = boost::beast::http;

// The generic JSON delivery report, as the http adapter parses it; sends are never made.
class CallbackOnlyAdapter : public adapters::Adapter {
 public:
  void submit(std::vector<adapters::Submission>, adapters::ResultHandler) override { std::abort(); }
  void async_stop(std::function<void()> done) override { done(); }
};

inline bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// What Beast's parser lets through to the router: a token method, a target of visible
// characters (obs-text included), header values without control characters but HTAB.
inline bool beast_target(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F) return false;
  }
  return true;
}
inline bool beast_value(std::string_view v) {
  for (char c : v) {
    const auto b = static_cast<unsigned char>(c);
    if ((b < 0x20 && b != '\t') || b == 0x7F) return false;
  }
  return true;
}

// Requests in `text`; those Beast would refuse to parse are left out.
inline std::vector<api::Request> parse_requests(std::string_view text, std::size_t max) {
  std::vector<api::Request> out;
  while (!text.empty() && out.size() < max) {
    std::string_view chunk = text;
    const std::size_t sep = text.find("\n%%\n");
    if (sep != std::string_view::npos) {
      chunk = text.substr(0, sep);
      text = text.substr(sep + 4);
    } else {
      text = {};
    }
    std::string_view line = take_line(chunk);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    const std::string_view method = line.substr(0, space);
    const std::string_view target = line.substr(space + 1);
    bool ok = !method.empty() && beast_target(target);
    for (char c : method) ok = ok && token_char(c);
    if (!ok) continue;
    api::Request req;
    req.version(11);
    req.method_string(method);
    req.target(target);
    while (!chunk.empty()) {
      std::string_view h = take_line(chunk);
      if (!h.empty() && h.back() == '\r') h.remove_suffix(1);
      if (h.empty()) break;
      const std::size_t colon = h.find(':');
      if (colon == 0 || colon == std::string_view::npos) {
        ok = false;
        break;
      }
      const std::string_view name = h.substr(0, colon);
      std::string_view value = h.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      for (char c : name) ok = ok && token_char(c);
      ok = ok && beast_value(value);
      if (!ok) break;
      req.insert(name, value);
    }
    if (!ok) continue;
    req.body() = std::string(chunk);
    req.prepare_payload();
    out.push_back(std::move(req));
  }
  return out;
}

// What every answer must look like, whatever the request: a known status, never 500 (a
// handler threw or a store write failed on a healthy disk); problem+json for errors, with the
// members RFC 9457 asks for; JSON bodies that parse (so valid UTF-8); Allow on a 405 and
// WWW-Authenticate on a 401.
inline void check_response(const api::Request& req, const api::Response& res) {
  const unsigned status = res.result_int();
  static constexpr unsigned kKnown[] = {200, 201, 202, 204, 301, 303, 304, 400, 401, 403, 404,
                                        405, 409, 413, 415, 422, 429, 431, 503};
  bool known = false;
  for (unsigned s : kKnown) known = known || s == status;
  if (!known || status == 500) {
    FUZZ_FAIL("status " + std::to_string(status) + " for " + std::string(req.method_string()) +
              " " + std::string(req.target()) + ": " + res.body());
  }
  // The console's answers: a sign-in form is redirected back into the console only, and a
  // session cookie is never set without HttpOnly and SameSite=Strict.
  if (status == 303) FUZZ_CHECK(res[http::field::location].starts_with("/console/"));
  if (const std::string_view cookie = res[http::field::set_cookie]; !cookie.empty()) {
    FUZZ_CHECK(cookie.find("; HttpOnly") != std::string_view::npos);
    FUZZ_CHECK(cookie.find("; SameSite=Strict") != std::string_view::npos);
  }
  const std::string_view ct = res[http::field::content_type];
  if (status >= 400) {
    FUZZ_CHECK(ct == "application/problem+json");
    const auto doc = nlohmann::json::parse(res.body(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) FUZZ_FAIL("problem is not a JSON object: " + res.body());
    FUZZ_CHECK(doc.contains("status") && doc["status"] == status);
    FUZZ_CHECK(doc.contains("title") && doc["title"].is_string());
    FUZZ_CHECK(doc.contains("type") && doc["type"].is_string());
    if (doc.contains("errors")) {
      FUZZ_CHECK(doc["errors"].is_array());
      for (const auto& e : doc["errors"]) {
        FUZZ_CHECK(e.is_object() && e.contains("message") && e["message"].is_string());
        FUZZ_CHECK((e.contains("field") && e["field"].is_string()) ||
                   (e.contains("line") && e["line"].is_number_integer()));
      }
    }
    if (status == 422) FUZZ_CHECK(doc.contains("errors") && !doc["errors"].empty());
    if (status == 405) FUZZ_CHECK(!res[http::field::allow].empty());
    if (status == 401) FUZZ_CHECK(!res[http::field::www_authenticate].empty());
    if (status == 429) FUZZ_CHECK(!res[http::field::retry_after].empty());
    return;
  }
  if (ct == "application/json") {
    const auto doc = nlohmann::json::parse(res.body(), nullptr, false);
    if (doc.is_discarded()) FUZZ_FAIL("2xx body is not JSON: " + res.body());
  }
}

class RouterFixture {
 public:
  // 2026-11-26 09:30 in Asia/Shanghai: outside the default quiet hours.
  static UnixMs now() { return *parse_rfc3339("2026-11-26T09:30:00+08:00"); }

  RouterFixture() {
    // Every store open logs at info; only errors are worth reading next to libFuzzer's output.
    spdlog::set_level(spdlog::level::err);
    dir_ = std::filesystem::temp_directory_path() /
           ("smsgw-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    config_.daemon.timezone = "Asia/Shanghai";
    config_.api.tokens = {
        {"oa", sha256_hex("send-secret"), {config::Scope::send}},
        {"viewer", sha256_hex("read-secret"), {config::Scope::read}},
        {"ops", sha256_hex("admin-secret"), {config::Scope::admin}},
        {"carrier", sha256_hex("callback-secret"), {}, {"generic"}},
    };
    config_.limits.max_recipients_per_request = 20;
    config_.console.assets_dir = SMSGW_SOURCE_DIR "/console";
    config::CarrierConfig carrier;
    carrier.name = "generic";
    carrier.signature = "【区纪委】";
    // The path form of callbacks: /v1/callbacks/generic/<this>.
    carrier.callback_secret = "fuzz-callback-secret-0123";
    config_.carriers = {carrier};
    calendar_ = std::make_shared<const calendar::Calendar>();
    prepare();
  }

  ~RouterFixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  using Check = std::function<void(const api::Request&, const api::Response&)>;

  // One input: a fresh copy of the prepared database, the requests in order, and the check
  // of every answer (check_response, then `extra`).
  void run(const std::vector<api::Request>& requests, const Check& extra = nullptr) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(work_db() + suffix, ec);
    // libFuzzer's -timeout alarm (SIGALRM, no SA_RESTART) can interrupt the sendfile inside
    // copy_file, and libstdc++ reports EINTR instead of retrying.
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::filesystem::remove(work_db(), ec);
      std::filesystem::copy_file(pristine_db(), work_db(), ec);
      if (ec != std::errc::interrupted) break;
    }
    if (ec) FUZZ_FAIL("cannot copy the prepared database: " + ec.message());
    open(work_db());
    for (const api::Request& req : requests) {
      const api::Response res = call(req);
      check_response(req, res);
      if (extra) extra(req, res);
    }
    close();
  }

 private:
  std::string pristine_db() const { return (dir_ / "pristine.db").string(); }
  std::string work_db() const { return (dir_ / "work.db").string(); }

  void open(const std::string& path) {
    store_ = store::Store::open({path});
    api::Dependencies deps{
        *store_,
        metrics_,
        [](UnixMs) {},
        [this](const std::string& name) -> const adapters::Adapter* {
          return name == "generic" ? &adapter_ : nullptr;
        },
        [] {
          return std::vector<dispatch::CarrierStatus>{{"generic", 1, true, "closed", 0}};
        },
        Clock{.wall = [] { return now(); }},
        [this] { return calendar_; },
        [] {}};
    router_ = std::make_unique<api::Router>(io_, config_, std::move(deps));
  }

  void close() {
    router_.reset();
    store_.reset();  // drains and stops the writer: every commit is done
    io_.restart();
    io_.poll();  // an answer posted after the first one would run here
    io_.restart();
    for (const auto& a : answers_) FUZZ_CHECK(a->count == 1);
    answers_.clear();
  }

  struct Answer {
    std::optional<api::Response> response;
    int count = 0;
  };

  // Runs the io_context until the router answers, synchronously or after a commit.
  api::Response call(const api::Request& req) {
    auto answer = std::make_shared<Answer>();
    answers_.push_back(answer);
    router_->handle(req, [this, answer](api::Response r) {
      if (++answer->count == 1) answer->response = std::move(r);
      io_.stop();
    });
    if (!answer->response) {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run_for(std::chrono::seconds(30));
    }
    io_.restart();
    if (!answer->response)
      FUZZ_FAIL("no answer to " + std::string(req.method_string()) + " " + std::string(req.target()));
    return *answer->response;
  }

  // The database every input starts from.
  void prepare() {
    open(pristine_db());
    const std::string requests =
        "POST /v1/groups\nAuthorization: Bearer admin-secret\nContent-Type: application/json\n\n"
        R"({"name":"staff","description":"all staff"})"
        "\n%%\n"
        "POST /v1/recipients\nAuthorization: Bearer admin-secret\nContent-Type: application/json\n\n"
        R"({"name":"张三","phone":"13800138000","unit":"办公室","title":"主任","groups":["staff"]})"
        "\n%%\n"
        "POST /v1/templates\nAuthorization: Bearer admin-secret\nContent-Type: application/json\n\n"
        R"({"name":"meeting","body":"{{name}}同志：{{meeting}}于{{time}}召开。","params":["meeting","time"]})"
        "\n%%\n"
        "POST /v1/schedules\nAuthorization: Bearer admin-secret\nContent-Type: application/json\n\n"
        R"({"name":"holiday-notice","when":"1 workday before every holiday at 09:00","groups":["staff"],"template":"meeting","params":{"meeting":"节前会","time":"9点"}})"
        "\n%%\n"
        "POST /v1/messages\nAuthorization: Bearer send-secret\nContent-Type: application/json\n\n"
        R"({"to":["13900139000"],"text":"会议通知"})"
        "\n%%\n"
        "POST /v1/tokens\nAuthorization: Bearer admin-secret\nContent-Type: application/json\n\n"
        R"({"name":"reports","scopes":["read"]})"
        "\n%%\n"
        "POST /v1/users\nAuthorization: Bearer admin-secret\nContent-Type: application/json\n\n"
        R"({"name":"li.admin","role":"admin","password":"fuzz-password-0123"})";
    for (const api::Request& req : parse_requests(requests, 100)) {
      const api::Response res = call(req);
      if (res.result_int() >= 300)
        FUZZ_FAIL("preparing: " + std::string(req.target()) + " answered " + res.body());
    }
    // A console session the seeds use ("Cookie: smsgw_session=fuzz-session-cookie").
    store::SessionRow session{sha256_hex("fuzz-session-cookie"), "li.admin", "fuzz-csrf-token", now(), now(),
                              "127.0.0.1", "fuzz"};
    bool stored = false;
    store_->async_create_session(session, 3'600'000, 3'600'000,
                                 [&stored](std::error_code ec, store::WriteResult r) {
                                   stored = !ec && r == store::WriteResult::ok;
                                 });
    store_->flush();
    if (!stored) FUZZ_FAIL("preparing: the console session was not stored");
    close();
  }

  std::filesystem::path dir_;
  boost::asio::io_context io_;
  config::Config config_;
  Metrics metrics_;
  CallbackOnlyAdapter adapter_;
  std::shared_ptr<const calendar::Calendar> calendar_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<api::Router> router_;
  std::vector<std::shared_ptr<Answer>> answers_;
};

}  // namespace smsgw::fuzz
