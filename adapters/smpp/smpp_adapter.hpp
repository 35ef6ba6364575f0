#pragma once
// `smpp`: an SMPP 3.4 ESME (reference notes §5; docs/carriers.md). `sessions` binds
// (bind_transceiver) through the shared session engine (adapters/core/pdu_session.hpp), each
// with a window of `window` outstanding submit_sm. Text goes as UCS-2 (data_coding 0x08), or
// GSM 7-bit (0x00, unpacked or packed) when every character has a GSM-7 form and
// `data_coding = "auto"`; long texts as parts with a UDH (esm_class 0x40) or sar_* TLVs.
// Every part gets its own message id and receipt: the message is delivered when all parts
// are. Receipts (deliver_sm, esm_class 0x04) and messages from phones go to the report sink;
// deliver_sm_resp is sent only once they are committed.

#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "adapters/core/contract.hpp"
#include "adapters/core/registry.hpp"

namespace smsgw::adapters::smpp {

// command_status values as error codes: message() names them (ESME_RTHROTTLED (0x58)), and
// each is equivalent to one failure condition (docs/carriers.md has the table).
const std::error_category& status_category() noexcept;
std::error_code make_status_error(std::uint32_t status) noexcept;
std::string status_name(std::uint32_t status);

std::vector<std::string> validate(const config::CarrierConfig& carrier);
std::unique_ptr<adapters::Adapter> create(const adapters::AdapterContext& context);
adapters::Registry::Factory factory();

}  // namespace smsgw::adapters::smpp
