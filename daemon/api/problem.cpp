#include "api/problem.hpp"

#include <nlohmann/json.hpp>

#include "store/store.hpp"

namespace smsgw::api {

unsigned status_of(ProblemKind kind) noexcept {
  switch (kind) {
    case ProblemKind::malformed_request: return 400;
    case ProblemKind::unauthorized: return 401;
    case ProblemKind::forbidden: return 403;
    case ProblemKind::not_found: return 404;
    case ProblemKind::method_not_allowed: return 405;
    case ProblemKind::conflict: return 409;
    case ProblemKind::body_too_large: return 413;
    case ProblemKind::unsupported_media: return 415;
    case ProblemKind::validation: return 422;
    case ProblemKind::too_many_requests: return 429;
    case ProblemKind::header_too_large: return 431;
    case ProblemKind::internal: return 500;
    case ProblemKind::unavailable: return 503;
  }
  return 500;
}

std::string_view title_of(ProblemKind kind) noexcept {
  switch (kind) {
    case ProblemKind::malformed_request: return "Bad Request";
    case ProblemKind::unauthorized: return "Unauthorized";
    case ProblemKind::forbidden: return "Forbidden";
    case ProblemKind::not_found: return "Not Found";
    case ProblemKind::method_not_allowed: return "Method Not Allowed";
    case ProblemKind::conflict: return "Conflict";
    case ProblemKind::body_too_large: return "Content Too Large";
    case ProblemKind::unsupported_media: return "Unsupported Media Type";
    case ProblemKind::validation: return "Validation failed";
    case ProblemKind::too_many_requests: return "Too Many Requests";
    case ProblemKind::header_too_large: return "Request Header Fields Too Large";
    case ProblemKind::internal: return "Internal Server Error";
    case ProblemKind::unavailable: return "Service Unavailable";
  }
  return "Internal Server Error";
}

std::string_view type_of(ProblemKind kind) noexcept {
  switch (kind) {
    case ProblemKind::validation: return "urn:smsgw:problem:validation";
    case ProblemKind::conflict: return "urn:smsgw:problem:conflict";
    case ProblemKind::malformed_request: return "urn:smsgw:problem:malformed-request";
    case ProblemKind::unavailable: return "urn:smsgw:problem:unavailable";
    case ProblemKind::too_many_requests: return "urn:smsgw:problem:locked-out";
    default: return "about:blank";
  }
}

std::string problem_body(ProblemKind kind, std::string_view detail,
                         const std::vector<FieldError>& errors) {
  return problem_body(kind, detail, errors, nlohmann::json());
}

std::string problem_body(ProblemKind kind, std::string_view detail,
                         const std::vector<FieldError>& errors, const nlohmann::json& extra) {
  nlohmann::json doc = {
      {"type", type_of(kind)},
      {"title", title_of(kind)},
      {"status", status_of(kind)},
      {"detail", detail},
  };
  if (!errors.empty()) {
    auto& list = doc["errors"] = nlohmann::json::array();
    for (const auto& e : errors) list.push_back({{"field", e.field}, {"message", e.message}});
  }
  if (extra.is_object()) {
    for (const auto& [k, v] : extra.items()) {
      if (!doc.contains(k)) doc[k] = v;
    }
  }
  // Replace invalid UTF-8 (e.g. echoed from a bad header) instead of throwing.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ProblemKind kind_for_store_error(const std::error_code& ec) noexcept {
  return store::is_storage_unavailable(ec) || store::is_overloaded(ec) ? ProblemKind::unavailable
                                                                      : ProblemKind::internal;
}

std::string store_error_detail(const std::error_code& ec, std::string_view otherwise) {
  if (store::is_overloaded(ec)) return "the server is busy (too many writes waiting); retry later";
  if (store::is_storage_unavailable(ec)) return "storage is unavailable; retry later";
  return std::string(otherwise);
}

}  // namespace smsgw::api
