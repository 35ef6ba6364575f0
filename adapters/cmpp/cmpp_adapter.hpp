#pragma once
// `cmpp`: an SP client of China Mobile's ISMG over CMPP 3.0 or 2.0 (reference notes §1;
// docs/carriers.md). `sessions` long connections (port 7890) through the shared session engine,
// each logged in with CMPP_CONNECT (AuthenticatorSource = MD5(SP_Id + 9 NULs + secret +
// MMDDHHMMSS), the ISMG's AuthenticatorISMG checked) and a window of `window` SUBMITs; an
// unanswered SUBMIT or ACTIVE_TEST is sent again after T and given up after N sends (60 s, 3).
// Text goes as UCS-2 (Msg_Fmt 8), GBK (15) or ASCII (0); a long text as Pk_total parts with
// TP_udhi = 1 and a UDH, each with its own Msg_Id and status report. Msg_Ids are opaque 64-bit
// values, written in decimal. Status reports and MO messages go to the report sink;
// CMPP_DELIVER_RESP is sent only once they are committed.

#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "adapters/core/contract.hpp"
#include "adapters/core/registry.hpp"

namespace smsgw::adapters::cmpp {

// SUBMIT_RESP Result values as error codes, named (e.g. "8 流量控制错 (flow control)") and each
// equivalent to one failure condition.
const std::error_category& result_category() noexcept;
std::error_code make_result_error(std::uint32_t result) noexcept;
// CONNECT_RESP Status, for people.
std::string connect_status_name(std::uint32_t status);

std::vector<std::string> validate(const config::CarrierConfig& carrier);
std::unique_ptr<adapters::Adapter> create(const adapters::AdapterContext& context);
adapters::Registry::Factory factory();

}  // namespace smsgw::adapters::cmpp
