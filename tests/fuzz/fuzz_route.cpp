// Route matching, query decoding and bearer parsing on arbitrary text ("target\nauthorization
// \nrest"): the route label never echoes the request (bounded metric cardinality) and does not
// depend on the query; percent-decoding inverts percent-encoding and never grows the text; the
// decoded query pairs, encoded again, walk back to the same pairs; a bearer token is the token68 tail
// of the header and parses again when written back as "Bearer <token>".

#include <vector>

#include "api/auth.hpp"
#include "api/http_util.hpp"
#include "api/router.hpp"
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
  check_query(target);
  check_bearer(authorization);
  check_bearer(all);
  check_decode(all);
  (void)api::parse_id(input);
  return 0;
}
