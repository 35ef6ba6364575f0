#include "common/json_limits.hpp"

namespace smsgw {
namespace {

using json = nlohmann::json;
using DomParser = nlohmann::detail::json_sax_dom_parser<json>;

// Forwards every event to nlohmann's own DOM builder after counting it; returning false stops
// the parser at once (it does not read the rest of the input).
class LimitedSax {
 public:
  LimitedSax(json& out, const JsonLimits& limits) : dom_(out, /*allow_exceptions=*/false), limits_(limits) {}

  bool null() { return value() && dom_.null(); }
  bool boolean(bool v) { return value() && dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return value() && dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return value() && dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const json::string_t& s) {
    return value() && dom_.number_float(v, s);
  }
  bool string(json::string_t& v) { return value() && dom_.string(v); }
  bool binary(json::binary_t& v) { return value() && dom_.binary(v); }
  bool start_object(std::size_t n) { return open() && dom_.start_object(n); }
  bool key(json::string_t& k) { return dom_.key(k); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return open() && dom_.start_array(n); }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    failure_ = JsonFailure::syntax;
    return false;
  }

  JsonFailure failure() const noexcept { return failure_; }
  std::size_t limit() const noexcept { return limit_; }

 private:
  bool value() {
    if (++elements_ <= limits_.max_elements) return true;
    failure_ = JsonFailure::too_many;
    limit_ = limits_.max_elements;
    return false;
  }
  bool open() {
    if (!value()) return false;
    if (++depth_ <= limits_.max_depth) return true;
    failure_ = JsonFailure::too_deep;
    limit_ = limits_.max_depth;
    return false;
  }

  DomParser dom_;
  const JsonLimits& limits_;
  std::size_t depth_ = 0;
  std::size_t elements_ = 0;
  JsonFailure failure_ = JsonFailure::none;
  std::size_t limit_ = 0;
};

}  // namespace

std::string JsonParse::describe(std::string_view what) const {
  std::string out(what);
  switch (failure) {
    case JsonFailure::none: return out + " is valid JSON";
    case JsonFailure::syntax: return out + " is not valid JSON (UTF-8)";
    case JsonFailure::too_deep:
      return out + " nests objects and arrays deeper than " + std::to_string(limit) + " levels";
    case JsonFailure::too_many:
      return out + " has more than " + std::to_string(limit) + " values";
  }
  return out + " is not valid JSON";
}

JsonParse parse_json(std::string_view text, const JsonLimits& limits) {
  JsonParse out;
  try {
    LimitedSax sax(out.value, limits);
    const bool ok = json::sax_parse(text.begin(), text.end(), &sax, json::input_format_t::json,
                                    /*strict=*/true);
    if (!ok || sax.failure() != JsonFailure::none) {
      out.failure = sax.failure() == JsonFailure::none ? JsonFailure::syntax : sax.failure();
      out.limit = sax.limit();
      out.value = json();  // a partial document is never handed out
    }
  } catch (const std::exception&) {
    // nlohmann reports errors through parse_error; this guards the allocation failures.
    out.failure = JsonFailure::syntax;
    out.value = json();
  }
  return out;
}

}  // namespace smsgw
