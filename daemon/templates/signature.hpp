#pragma once
// The carrier signature (【机构名】) that Chinese carriers require on every SMS.

#include <string>
#include <string_view>

namespace smsgw::templates {

// Prepends `signature` unless it is empty or the text already starts with it.
std::string apply_signature(std::string_view text, std::string_view signature);

}  // namespace smsgw::templates
