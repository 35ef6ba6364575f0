#pragma once
// Request handling without sockets: one beast request in, one response out through a callback.
// server.cpp feeds it from sessions; tests call it directly.
//
// Threading: handle() is called on the io_context thread. `respond` is invoked exactly once, on
// the io_context thread: synchronously for requests answered from memory or a read, later (after
// a post from the store's writer thread) for writes (enqueue, cancel, delivery reports).
// Callers must not assume either.

#include <boost/asio/io_context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/auth.hpp"
#include "api/problem.hpp"
#include "api/server.hpp"

namespace smsgw::api {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Respond = std::function<void(Response)>;

// The route template used as the metrics label and in logs: "/v1/messages/{id}", or "other"
// for paths that match no route (keeps label cardinality bounded).
std::string_view route_template(std::string_view target);

// A problem+json response (no version/keep-alive set; the session does that).
Response make_problem(ProblemKind kind, std::string_view detail,
                      const std::vector<FieldError>& errors = {});

// What the router decided from a request's header alone, before its body is read: the route,
// its parameters and the authenticated principal, or the answer that ends the request (404,
// 405, 401, 403, 400 for a bad path). Nothing in it costs more than hashing the token.
struct Admission {
  std::optional<Response> reject;  // set: send it and never read the body
  std::size_t route = 0;           // row of the route table (valid when !reject)
  std::string_view label = "other";
  std::vector<std::string> params;
  std::optional<Principal> principal;
  std::string client;  // the peer's address, set by the session after admit()
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

class Router {
 public:
  Router(boost::asio::io_context& io, const config::Config& config, Dependencies deps);
  ~Router();

  // New tokens and limits for requests that start after the call (io thread).
  void reconfigure(const config::Config& config);

  // Checks the route and credentials from the header (call before reading the body; `header`
  // may have an empty body). Rejections are not counted in the metrics until record() is called.
  Admission admit(const Request& header) const;
  // Handles a request admitted by admit(): the handler runs inside a last-resort catch, and a
  // request that no path answers gets 500 (Responder).
  void handle(Request request, Admission admission, Respond respond);
  // admit() then handle(): for tests and callers without a socket.
  void handle(Request request, Respond respond);

  // For responses the server produces itself (413 while reading, 503 over max_connections):
  // counts them in the metrics like routed responses.
  void record(std::string_view route, unsigned status,
              std::chrono::steady_clock::time_point started);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace smsgw::api
