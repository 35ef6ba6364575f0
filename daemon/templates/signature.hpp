#pragma once
// The carrier signature (【机构名】) that Chinese carriers require on every SMS.

#include <optional>
#include <string>
#include <string_view>

namespace smsgw::templates {

// Prepends `signature` unless it is empty or the text already starts with it.
std::string apply_signature(std::string_view text, std::string_view signature);

// The one place a message's signature is chosen for sending: the signature in force now — the
// carrier's own (`carrier_signature`) if it has one, else [sms] signature (`default_signature`,
// from the live config) — in place of the one the text was accepted with (`accepted`; nullopt
// for messages stored before it was recorded, which are taken to carry `default_signature`).
// A SIGHUP that changes a signature therefore never signs a queued message twice.
std::string signature_for_sending(std::string_view text, const std::optional<std::string>& accepted,
                                  std::string_view carrier_signature,
                                  std::string_view default_signature);

}  // namespace smsgw::templates
