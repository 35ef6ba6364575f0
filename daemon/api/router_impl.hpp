#pragma once
// The router's state and handlers, shared by the route files: router.cpp (dispatch, messages,
// batches, callbacks), routes_directory.cpp (recipients, groups, templates, tokens) and
// routes_schedules.cpp (calendar, schedules).
// Internal to smsgw_api.

#include <boost/asio/post.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/auth.hpp"
#include "api/router.hpp"
#include "common/timezone.hpp"

namespace smsgw::api {

// One request in progress: what the response needs to be counted and logged.
struct Call {
  std::chrono::steady_clock::time_point started;
  std::string_view route;  // points into a static string
  boost::beast::http::verb method;
  Respond respond;
};

struct Router::Impl : std::enable_shared_from_this<Router::Impl> {
  using json = nlohmann::json;
  using Clock = std::chrono::steady_clock;

  boost::asio::io_context& io;
  Dependencies deps;
  Authenticator auth;
  config::LimitsConfig limits;
  config::SmsConfig sms;
  std::map<std::string, std::string> carrier_signatures;  // carriers with a signature of their own
  TimeZone tz;

  Impl(boost::asio::io_context& io_, const config::Config& config, Dependencies deps_);

  UnixMs now() const;

  // Runs `fn` on the io thread; store completions arrive on the writer thread.
  template <class Fn>
  void on_io(Fn&& fn) {
    boost::asio::post(io, std::forward<Fn>(fn));
  }

  void record(std::string_view route, unsigned status, Clock::time_point started);
  void finish(Call& call, Response res);
  void problem(Call& call, ProblemKind kind, std::string_view detail,
               const std::vector<FieldError>& errors = {});
  void handle(Request req, Respond respond);

  // router.cpp
  void readyz(Call& call);
  void metrics(Call& call);
  void get_message(Call& call, std::string_view param);
  json message_with_history(const store::MessageRow& m);
  void list(Call& call, std::string_view target);
  void get_batch(Call& call, std::string_view param);
  void send(Call& call, const Principal& who, Request& req);
  void on_enqueued(Call& call, std::error_code ec, store::EnqueueResult& result,
                   std::string response_body, std::int64_t n, UnixMs send_at);
  void cancel(Call& call, const Principal& who, std::string_view param);
  void on_cancelled(Call& call, std::int64_t id, std::error_code ec, store::CancelResult r);
  void callback(Call& call, std::string carrier, Request& req);

  // routes_directory.cpp
  void load_store_tokens();
  void list_recipients(Call& call, std::string_view target);
  void create_recipient(Call& call, Request& req);
  void get_recipient(Call& call, std::string_view param);
  void patch_recipient(Call& call, std::string_view param, Request& req);
  void delete_recipient(Call& call, std::string_view param);
  void import_recipients(Call& call, Request& req);
  void list_groups(Call& call);
  void create_group(Call& call, Request& req);
  void get_group(Call& call, std::string_view param);
  void delete_group(Call& call, std::string_view param);
  void list_templates(Call& call);
  void create_template(Call& call, Request& req);
  void put_template(Call& call, std::string_view param, Request& req);
  void get_template(Call& call, std::string_view param);
  void delete_template(Call& call, std::string_view param);
  void preview_template(Call& call, std::string_view param, Request& req);
  void list_tokens(Call& call);
  void create_token(Call& call, Request& req);
  void delete_token(Call& call, std::string_view param);

  // routes_schedules.cpp
  void calendar_year(Call& call, std::string_view param);
  void calendar_day(Call& call, std::string_view param);
  void list_schedules(Call& call);
  void create_schedule(Call& call, const Principal& who, Request& req);
  void get_schedule(Call& call, std::string_view param);
  void put_schedule(Call& call, std::string_view param, Request& req);
  void patch_schedule(Call& call, std::string_view param, Request& req);
  void delete_schedule(Call& call, std::string_view param);
  void schedule_next(Call& call, std::string_view param, std::string_view target);
  void schedule_history(Call& call, std::string_view param, std::string_view target);
  // deps.calendar() or, when there is none, a built-in all-estimated calendar.
  std::shared_ptr<const calendar::Calendar> current_calendar() const;
  // Both on the io thread after a successful schedule write.
  void schedules_changed();

  // Parses a JSON object body: nullopt after answering 415/400/422.
  std::optional<json> json_body(Call& call, Request& req);
  // Answers a failed directory write (error code or not_found/conflict).
  void write_failed(Call& call, std::error_code ec, store::WriteResult r,
                    std::string_view not_found, std::string_view conflict);
};

}  // namespace smsgw::api
