// Route matching, query decoding and bearer parsing on arbitrary text ("target\nauthorization
// \nrest"): the route label never echoes the request (bounded metric cardinality) and does not
// depend on the query; percent-decoding inverts percent-encoding and never grows the text; the
// decoded query pairs, encoded again, walk back to the same pairs; a bearer token is the token68 tail
// of the header and parses again when written back as "Bearer <token>".

#include <vector>

#include "api/auth.hpp"
#include "api/http_util.hpp"
#include "api/route_match.hpp"
#include "api/router.hpp"
#include "api/router_impl.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;

namespace {

bool label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '{' ||
         c == '}' || c == '_' || c == '-';
}

std::string percent_encode_all(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

void check_route(std::string_view target) {
  const std::string_view label = api::route_template(target);
  FUZZ_CHECK(!label.empty());
  if (label != "other") {
    FUZZ_CHECK(label[0] == '/');
    for (char c : label) FUZZ_CHECK(label_char(c));
  }
  const std::string_view path = api::path_of(target);
  FUZZ_CHECK(api::route_template(path) == label);
  FUZZ_CHECK(api::route_template(std::string(path) + "?x=1&y") == label);
}

std::size_t params_in(std::string_view pattern) {
  std::size_t n = 0;
  for (char c : pattern) n += c == '{';
  return n;
}

// The route table's matcher, for every method: what it says is consistent with the table.
void check_match(std::string_view target) {
  const auto table = api::route_patterns();
  namespace http = boost::beast::http;
  for (const auto verb : {http::verb::get, http::verb::post, http::verb::put, http::verb::patch,
                          http::verb::delete_, http::verb::head, http::verb::unknown}) {
    const api::RouteMatch m = api::match_route(table, verb, target);
    FUZZ_CHECK(m.label == api::route_template(target));
    switch (m.kind) {
      case api::RouteMatch::Kind::found:
        FUZZ_CHECK(m.index < table.size());
        FUZZ_CHECK(table[m.index].method == verb);
        FUZZ_CHECK(table[m.index].pattern == m.label);
        FUZZ_CHECK(m.params.size() == params_in(m.label));
        for (const auto& p : m.params) FUZZ_CHECK(!p.empty());
        break;
      case api::RouteMatch::Kind::method_not_allowed:
        FUZZ_CHECK(!m.allow.empty() && m.label != "other");
        break;
      case api::RouteMatch::Kind::not_found:
        FUZZ_CHECK(m.label == "other");
        break;
      case api::RouteMatch::Kind::bad_path:
        FUZZ_CHECK(m.label != "other" && m.params.empty());
        break;
    }
  }
}

void check_decode(std::string_view s) {
  const std::string encoded = percent_encode_all(s);
  const auto back = api::percent_decode(encoded);
  FUZZ_CHECK(back && *back == s);
  const auto decoded = api::percent_decode(s);
  if (decoded) {
    FUZZ_CHECK(decoded->size() <= s.size());
    if (s.find('%') == std::string_view::npos) FUZZ_CHECK(*decoded == s);
  }
}

void check_query(std::string_view target) {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  const auto walk = [](std::string_view t, Pairs& out) {
    return api::for_each_query_param(
        t, [&](const std::string& k, const std::string& v) { out.emplace_back(k, v); });
  };
  Pairs seen;
  if (!walk(target, seen)) return;
  // The decoded pairs, encoded again, decode to themselves: nothing is lost or split.
  std::string rebuilt = "/x?";
  for (const auto& [k, v] : seen) rebuilt += percent_encode_all(k) + "=" + percent_encode_all(v) + "&";
  Pairs again;
  FUZZ_CHECK(walk(rebuilt, again));
  FUZZ_CHECK(again == seen);
}

void check_bearer(std::string_view header) {
  const auto token = api::parse_bearer(header);
  if (!token) return;
  FUZZ_CHECK(!token->empty());
  FUZZ_CHECK(token->data() >= header.data() &&
             token->data() + token->size() <= header.data() + header.size());
  for (char c : *token) FUZZ_CHECK(c != ' ' && c != '\t' && c != '\r' && c != '\n');
  const std::string again = "Bearer " + std::string(*token);
  const auto reparsed = api::parse_bearer(again);
  FUZZ_CHECK(reparsed && *reparsed == *token);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all = fuzz::as_text(data, size);
  std::string_view input = all;
  const std::string_view target = fuzz::take_line(input);
  const std::string_view authorization = fuzz::take_line(input);
  check_route(target);
  check_match(target);
  check_query(target);
  check_bearer(authorization);
  check_bearer(all);
  check_decode(all);
  (void)api::parse_id(input);
  return 0;
}
