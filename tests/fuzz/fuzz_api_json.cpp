// The JSON validators that live inside route handlers (recipients, groups, templates and
// their preview, tokens, schedules, callbacks, messages), through Router::handle with the
// right token and Content-Type. The first byte picks the route, the rest is the body. Beyond
// check_response: a JSON object is never answered 400 or 415 (it is accepted or gets field
// errors), except by the callback route whose reports are 400 when malformed.

#include "router_fixture.hpp"

namespace {

struct Route {
  const char* method;
  const char* target;
  const char* token;
};

// Ids 1 exist in the prepared database (router_fixture.hpp).
constexpr Route kRoutes[] = {
    {"POST", "/v1/recipients", "admin-secret"},
    {"PATCH", "/v1/recipients/1", "admin-secret"},
    {"POST", "/v1/groups", "admin-secret"},
    {"POST", "/v1/templates", "admin-secret"},
    {"PUT", "/v1/templates/meeting", "admin-secret"},
    {"PUT", "/v1/templates/new-one", "admin-secret"},
    {"POST", "/v1/templates/meeting/preview", "read-secret"},
    {"POST", "/v1/tokens", "admin-secret"},
    {"POST", "/v1/schedules", "admin-secret"},
    {"PUT", "/v1/schedules/1", "admin-secret"},
    {"PATCH", "/v1/schedules/1", "admin-secret"},
    {"POST", "/v1/callbacks/generic", "callback-secret"},
    {"POST", "/v1/messages", "send-secret"},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace smsgw::fuzz;
  static RouterFixture fixture;
  if (size == 0) return 0;
  const std::size_t which = data[0] % std::size(kRoutes);
  const Route& r = kRoutes[which];
  const std::string_view body = as_text(data + 1, size - 1);
  smsgw::api::Request req{http::string_to_verb(r.method), r.target, 11};
  req.set(http::field::authorization, std::string("Bearer ") + r.token);
  req.set(http::field::content_type, "application/json");
  req.body() = std::string(body);
  req.prepare_payload();

  const auto doc = nlohmann::json::parse(body, nullptr, false);
  const bool object = !doc.is_discarded() && doc.is_object();
  const bool callback = std::string_view(r.target).starts_with("/v1/callbacks/");
  fixture.run({req}, [&](const smsgw::api::Request&, const smsgw::api::Response& res) {
    const unsigned status = res.result_int();
    if (object && !callback && (status == 400 || status == 415))
      FUZZ_FAIL("a JSON object got " + std::to_string(status) + " from " + r.method + " " +
                r.target + ": " + res.body());
  });
  return 0;
}
