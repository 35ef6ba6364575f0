#include "api/route_match.hpp"

#include "api/http_util.hpp"

namespace smsgw::api {
namespace {

namespace http = boost::beast::http;

bool is_param(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// Splits off the next segment of a path that starts with '/'; `rest` keeps its leading '/'.
std::string_view next_segment(std::string_view& rest) {
  rest.remove_prefix(1);  // the '/'
  const auto slash = rest.find('/');
  std::string_view segment = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  return segment;
}

// Does `path` have the shape of `pattern`? Collects the raw parameter segments.
bool shape_matches(std::string_view pattern, std::string_view path,
                   std::vector<std::string_view>& raw) {
  raw.clear();
  if (path.empty() || path.front() != '/') return false;
  while (!pattern.empty() && !path.empty()) {
    const std::string_view want = next_segment(pattern);
    const std::string_view got = next_segment(path);
    if (is_param(want)) {
      if (got.empty()) return false;
      raw.push_back(got);
    } else if (want != got) {
      return false;
    }
  }
  return pattern.empty() && path.empty();
}

std::string_view path_only(std::string_view target) {
  const auto end = target.find_first_of("?#");
  return target.substr(0, end);
}

}  // namespace

RouteMatch match_route(std::span<const RoutePattern> table, http::verb method,
                       std::string_view target) noexcept {
  RouteMatch out;
  try {
    const std::string_view path = path_only(target);
    std::vector<std::string_view> raw;
    std::size_t resource = table.size();
    for (std::size_t i = 0; i < table.size(); ++i) {
      if (shape_matches(table[i].pattern, path, raw)) {
        resource = i;
        break;
      }
    }
    if (resource == table.size()) return out;
    out.label = table[resource].pattern;
    for (std::size_t i = resource; i < table.size(); ++i) {
      if (table[i].pattern != out.label) continue;
      if (table[i].method == method) {
        out.kind = RouteMatch::Kind::found;
        out.index = i;
        break;
      }
      if (!out.allow.empty()) out.allow += ", ";
      out.allow += verb_name(table[i].method);
    }
    if (out.kind != RouteMatch::Kind::found) {
      out.kind = RouteMatch::Kind::method_not_allowed;
      return out;
    }
    out.allow.clear();
    out.params.reserve(raw.size());
    for (std::string_view r : raw) {
      auto decoded = percent_decode(r);
      if (!decoded) {
        out.kind = RouteMatch::Kind::bad_path;
        out.params.clear();
        return out;
      }
      out.params.push_back(std::move(*decoded));
    }
    return out;
  } catch (...) {
    // Only allocation can fail here; an unmatched route is the safe answer.
    return RouteMatch{};
  }
}

std::string_view route_label(std::span<const RoutePattern> table, std::string_view target) noexcept {
  const std::string_view path = path_only(target);
  std::vector<std::string_view> raw;
  try {
    for (const auto& row : table) {
      if (shape_matches(row.pattern, path, raw)) return row.pattern;
    }
  } catch (...) {
  }
  return "other";
}

}  // namespace smsgw::api
