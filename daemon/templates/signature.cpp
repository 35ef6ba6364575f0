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

std::string signature_for_sending(std::string_view text, const std::optional<std::string>& accepted,
                                  std::string_view carrier_signature,
                                  std::string_view default_signature) {
  const std::string_view from = accepted ? std::string_view(*accepted) : default_signature;
  const std::string_view to = carrier_signature.empty() ? default_signature : carrier_signature;
  if (from == to) return std::string(text);
  if (!from.empty() && text.starts_with(from)) text.remove_prefix(from.size());
  return apply_signature(text, to);
}

}  // namespace smsgw::templates
