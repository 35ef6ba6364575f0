#pragma once
// The carrier signature (【机构名】) that Chinese carriers require on every SMS.

#include <string>
#include <string_view>

namespace smsgw::templates {

// Prepends `signature` unless it is empty or the text already starts with it.
std::string apply_signature(std::string_view text, std::string_view signature);

// Swaps signature `from` at the start of `text` for `to` (a carrier's own signature); when the
// text does not start with `from`, applies `to` as apply_signature does. Empty `to`: unchanged.
std::string resign(std::string_view text, std::string_view from, std::string_view to);

}  // namespace smsgw::templates
