#include "templates/signature.hpp"

namespace smsgw::templates {

std::string apply_signature(std::string_view text, std::string_view signature) {
  // An author who already typed the signature must not get it twice on the phone.
  if (signature.empty() || text.starts_with(signature)) return std::string(text);
  std::string out;
  out.reserve(signature.size() + text.size());
  out.append(signature);
  out.append(text);
  return out;
}

std::string resign(std::string_view text, std::string_view from, std::string_view to) {
  if (to.empty()) return std::string(text);
  if (!from.empty() && text.starts_with(from)) text.remove_prefix(from.size());
  return apply_signature(text, to);
}

}  // namespace smsgw::templates
