#include "api/auth.hpp"

#include <cctype>

#include "common/crypto.hpp"

namespace smsgw::api {
namespace {

bool is_token68_char(char c) noexcept {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '+' || c == '/';
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

bool Principal::allows(config::Scope required) const noexcept {
  return scopes.count(config::Scope::admin) != 0 || scopes.count(required) != 0;
}

bool Principal::allows_callback(std::string_view carrier) const {
  if (scopes.count(config::Scope::admin) != 0) return true;
  return callback_carriers.count(std::string(carrier)) != 0;
}

std::optional<std::string_view> parse_bearer(std::string_view value) {
  constexpr std::string_view scheme = "bearer";
  if (value.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != scheme[i]) return std::nullopt;
  }
  std::size_t pos = scheme.size();
  if (value[pos] != ' ') return std::nullopt;
  while (pos < value.size() && value[pos] == ' ') ++pos;
  std::size_t end = value.size();
  while (end > pos && (value[end - 1] == ' ' || value[end - 1] == '\t')) --end;
  std::string_view token = value.substr(pos, end - pos);
  if (token.empty()) return std::nullopt;
  // token68: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
  std::size_t i = 0;
  while (i < token.size() && is_token68_char(token[i])) ++i;
  if (i == 0) return std::nullopt;
  while (i < token.size() && token[i] == '=') ++i;
  if (i != token.size()) return std::nullopt;
  return token;
}

Authenticator::Authenticator(const std::vector<config::TokenConfig>& tokens) { replace(tokens); }

void Authenticator::replace(const std::vector<config::TokenConfig>& tokens) {
  tokens_ = tokens;
  // The loader normalises to lower case already; doing it again keeps a hand-built config (tests,
  // smsgwctl) from silently never matching.
  for (auto& t : tokens_) t.sha256 = lower(std::move(t.sha256));
}

void Authenticator::set_store_tokens(const std::vector<config::TokenConfig>& tokens) {
  store_tokens_ = tokens;
  for (auto& t : store_tokens_) t.sha256 = lower(std::move(t.sha256));
}

void Authenticator::add_store_token(config::TokenConfig token) {
  remove_store_token(token.name);
  token.sha256 = lower(std::move(token.sha256));
  store_tokens_.push_back(std::move(token));
}

void Authenticator::remove_store_token(const std::string& name) {
  std::erase_if(store_tokens_, [&](const config::TokenConfig& t) { return t.name == name; });
}

bool Authenticator::is_config_token(const std::string& name) const {
  for (const auto& t : tokens_) {
    if (t.name == name) return true;
  }
  return false;
}

AuthResult Authenticator::authenticate(std::string_view header) const {
  AuthResult result;
  auto token = parse_bearer(header);
  if (!token) return result;  // missing
  const std::string digest = sha256_hex(*token);
  // Compare against every digest, without stopping at the first match, so the time taken does
  // not reveal the position of a matching token. Config tokens win over store tokens.
  const config::TokenConfig* match = nullptr;
  for (const auto* list : {&tokens_, &store_tokens_}) {
    for (const auto& t : *list) {
      const bool eq = constant_time_equal(digest, t.sha256);
      match = (eq && match == nullptr) ? &t : match;
    }
  }
  if (match == nullptr) {
    result.status = AuthStatus::invalid;
    return result;
  }
  result.status = AuthStatus::ok;
  result.principal = Principal{match->name, match->scopes, match->callback_carriers};
  return result;
}

}  // namespace smsgw::api
