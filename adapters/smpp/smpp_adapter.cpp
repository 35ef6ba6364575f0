#include "adapters/smpp/smpp_adapter.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <ctime>

#include "adapters/core/failure.hpp"
#include "adapters/core/gsm7.hpp"
#include "adapters/core/options.hpp"
#include "adapters/core/pdu_session.hpp"
#include "adapters/core/session_carrier.hpp"
#include "adapters/core/ucs2_parts.hpp"
#include "adapters/smpp/pdu.hpp"
#include "adapters/smpp/receipt.hpp"

namespace smsgw::adapters::smpp {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// ---- command_status as error codes ----

struct StatusInfo {
  std::uint32_t code;
  const char* name;
  const char* meaning;
  failure condition;
};

// Table 5-2, the codes an SMSC answers submit_sm with. Permanent: the message as built cannot
// be accepted (address, length, parameters); throttled: the SMSC asks us to slow down;
// everything else, named or not, is transient (the core retries, then fails over).
constexpr StatusInfo kStatuses[] = {
    {0x01, "ESME_RINVMSGLEN", "message length is invalid", failure::permanent},
    {0x02, "ESME_RINVCMDLEN", "command length is invalid", failure::transient},
    {0x03, "ESME_RINVCMDID", "invalid command id", failure::transient},
    {0x04, "ESME_RINVBNDSTS", "incorrect bind status", failure::transient},
    {0x05, "ESME_RALYBND", "already bound", failure::transient},
    {0x08, "ESME_RSYSERR", "system error", failure::transient},
    {0x0A, "ESME_RINVSRCADR", "invalid source address", failure::permanent},
    {0x0B, "ESME_RINVDSTADR", "invalid destination address", failure::permanent},
    {0x0C, "ESME_RINVMSGID", "message id is invalid", failure::permanent},
    {0x0D, "ESME_RBINDFAIL", "bind failed", failure::transient},
    {0x0E, "ESME_RINVPASWD", "invalid password", failure::transient},
    {0x0F, "ESME_RINVSYSID", "invalid system_id", failure::transient},
    {0x14, "ESME_RMSGQFUL", "message queue full", failure::throttled},
    {0x15, "ESME_RINVSERTYP", "invalid service type", failure::permanent},
    {0x33, "ESME_RINVNUMDESTS", "invalid number of destinations", failure::permanent},
    {0x45, "ESME_RSUBMITFAIL", "submit_sm failed", failure::transient},
    {0x48, "ESME_RINVSRCTON", "invalid source address TON", failure::permanent},
    {0x49, "ESME_RINVSRCNPI", "invalid source address NPI", failure::permanent},
    {0x50, "ESME_RINVDSTTON", "invalid destination address TON", failure::permanent},
    {0x51, "ESME_RINVDSTNPI", "invalid destination address NPI", failure::permanent},
    {0x53, "ESME_RINVSYSTYP", "invalid system_type", failure::transient},
    {0x58, "ESME_RTHROTTLED", "throttling error (exceeded allowed message limits)", failure::throttled},
    {0x61, "ESME_RINVSCHED", "invalid scheduled delivery time", failure::permanent},
    {0x62, "ESME_RINVEXPIRY", "invalid validity period", failure::permanent},
    {0x64, "ESME_RX_T_APPN", "temporary error at the receiver", failure::transient},
    {0x65, "ESME_RX_P_APPN", "permanent error at the receiver", failure::permanent},
    {0x66, "ESME_RX_R_APPN", "the receiver rejected the message", failure::permanent},
    {0xC0, "ESME_RINVTLVSTREAM", "error in the optional part of the PDU", failure::permanent},
    {0xC1, "ESME_RTLVNOTALLWD", "optional parameter not allowed", failure::permanent},
    {0xC2, "ESME_RINVTLVLEN", "invalid parameter length", failure::permanent},
    {0xC3, "ESME_RMISSINGTLV", "expected optional parameter missing", failure::permanent},
    {0xC4, "ESME_RINVTLVVAL", "invalid optional parameter value", failure::permanent},
    {0xFE, "ESME_RDELIVERYFAILURE", "delivery failure", failure::transient},
    {0xFF, "ESME_RUNKNOWNERR", "unknown error", failure::transient},
};

const StatusInfo* find_status(std::uint32_t code) {
  for (const auto& s : kStatuses) {
    if (s.code == code) return &s;
  }
  return nullptr;
}

class StatusCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "smpp"; }
  std::string message(int value) const override {
    const auto code = static_cast<std::uint32_t>(value);
    const StatusInfo* s = find_status(code);
    return status_name(code) + (s != nullptr ? std::string(": ") + s->meaning : std::string());
  }
  std::error_condition default_error_condition(int value) const noexcept override {
    const StatusInfo* s = find_status(static_cast<std::uint32_t>(value));
    return make_error_condition(s != nullptr ? s->condition : failure::transient);
  }
};

// ---- settings ----

struct Settings {
  SessionOptions session;
  int sessions = 1;
  BindTransceiver bind;
  std::string service_type;
  std::string source_addr;
  std::uint8_t source_ton = 0, source_npi = 1, dest_ton = 1, dest_npi = 1;
  bool auto_coding = true;      // GSM-7 when it fits, else UCS-2
  bool gsm7_packed = false;
  bool sar = false;             // sar_* TLVs instead of a UDH
  bool registered_delivery = true;
  milliseconds throttle_pause{1'000};
};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Settings read_settings(const config::CarrierConfig& c, std::vector<std::string>& problems) {
  Settings s;
  s.session.host = string_option(c, "host", true, problems).value_or("");
  s.session.port = static_cast<unsigned short>(int_option(c, "port", 2775, 1, 65535, problems));
  s.session.window = static_cast<std::size_t>(int_option(c, "window", 10, 1, 1000, problems));
  s.session.response_timeout = c.timeout;
  s.session.connect_timeout = duration_option(c, "connect_timeout", milliseconds{10'000}, milliseconds{1}, problems);
  s.session.heartbeat = duration_option(c, "enquire_link", milliseconds{30'000}, milliseconds{0}, problems);
  s.session.heartbeat_misses = static_cast<int>(int_option(c, "enquire_link_misses", 3, 1, 100, problems));
  s.session.reconnect_min = duration_option(c, "reconnect_min", milliseconds{1'000}, milliseconds{1}, problems);
  s.session.reconnect_max = duration_option(c, "reconnect_max", milliseconds{60'000}, milliseconds{1}, problems);
  s.session.reconnect_max = std::max(s.session.reconnect_max, s.session.reconnect_min);
  s.sessions = static_cast<int>(int_option(c, "sessions", 1, 1, 64, problems));
  s.bind.system_id = string_option(c, "system_id", true, problems).value_or("");
  s.bind.password = secret_option(c, "password", true, problems).value_or("");
  s.bind.system_type = string_option(c, "system_type", false, problems).value_or("");
  s.bind.address_range = string_option(c, "address_range", false, problems).value_or("");
  s.service_type = string_option(c, "service_type", false, problems).value_or("");
  s.source_addr = string_option(c, "source_addr", true, problems).value_or("");
  // Kannel's autodetection: "+..." is international, letters are alphanumeric, digits unknown.
  std::string addr = s.source_addr;
  if (!addr.empty() && addr[0] == '+') {
    s.source_ton = 1;
    s.source_addr = addr.substr(1);
  } else if (!all_digits(addr) && !addr.empty()) {
    s.source_ton = 5;
    s.source_npi = 0;
  }
  s.source_ton = static_cast<std::uint8_t>(int_option(c, "source_ton", s.source_ton, 0, 6, problems));
  s.source_npi = static_cast<std::uint8_t>(int_option(c, "source_npi", s.source_npi, 0, 18, problems));
  s.dest_ton = static_cast<std::uint8_t>(int_option(c, "dest_ton", 1, 0, 6, problems));
  s.dest_npi = static_cast<std::uint8_t>(int_option(c, "dest_npi", 1, 0, 18, problems));
  if (auto coding = string_option(c, "data_coding", false, problems)) {
    if (*coding == "ucs2") {
      s.auto_coding = false;
    } else if (*coding != "auto") {
      problems.push_back(config::describe(c, c.options.get("data_coding"), "data_coding",
                                          "must be \"auto\" (GSM 7-bit when it fits) or \"ucs2\""));
    }
  }
  if (auto packed = c.options["gsm7_packed"]; packed) {
    if (auto b = packed.value<bool>()) {
      s.gsm7_packed = *b;
    } else {
      problems.push_back(config::describe(c, c.options.get("gsm7_packed"), "gsm7_packed", "must be true or false"));
    }
  }
  if (auto dr = c.options["registered_delivery"]; dr) {
    if (auto b = dr.value<bool>()) {
      s.registered_delivery = *b;
    } else {
      problems.push_back(config::describe(c, c.options.get("registered_delivery"), "registered_delivery",
                                          "must be true or false"));
    }
  }
  if (auto mode = string_option(c, "long_messages", false, problems)) {
    if (*mode == "sar") {
      s.sar = true;
    } else if (*mode != "udh") {
      problems.push_back(config::describe(c, c.options.get("long_messages"), "long_messages",
                                          "must be \"udh\" (a concatenation header, esm_class 0x40) or "
                                          "\"sar\" (sar_* optional parameters)"));
    }
  }
  s.throttle_pause = duration_option(c, "throttle_pause", milliseconds{1'000}, milliseconds{1}, problems);
  s.session.name = c.name;
  return s;
}

// ---- the protocol, for the session engine ----

std::uint32_t be32(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 24 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3]));
}

class Protocol final : public SessionProtocol {
 public:
  explicit Protocol(BindTransceiver bind) : bind_(std::move(bind)) {}
  std::optional<std::size_t> frame(std::string_view buffer, std::string& error) const override {
    const Frame f = smpp::frame(buffer);
    if (f.error) error = f.error->what;
    return f.length;
  }
  PduHead head(std::string_view pdu) const override { return {be32(pdu, 4), be32(pdu, 12)}; }
  std::string login_request(std::uint32_t sequence) override {
    return encode(Command::bind_transceiver, 0, sequence, bind_);
  }
  std::string login_refused(std::string_view response) override {
    const std::uint32_t command = be32(response, 4), status = be32(response, 8);
    if (command == static_cast<std::uint32_t>(Command::bind_transceiver_resp) && status == status::ok) return {};
    if (command == static_cast<std::uint32_t>(Command::generic_nack)) return "generic_nack " + status_name(status);
    return status_name(status);
  }
  std::string heartbeat_request(std::uint32_t sequence) const override {
    return encode(Command::enquire_link, 0, sequence);
  }
  std::string logout_request(std::uint32_t sequence) const override { return encode(Command::unbind, 0, sequence); }
  bool is_heartbeat(std::uint32_t command_id) const override {
    return command_id == static_cast<std::uint32_t>(Command::enquire_link);
  }
  bool is_logout(std::uint32_t command_id) const override {
    return command_id == static_cast<std::uint32_t>(Command::unbind);
  }
  std::string simple_response(const PduHead& request) const override {
    return encode(request.command_id | kResponseBit, 0, request.sequence, Empty{});
  }

 private:
  BindTransceiver bind_;
};

// ---- text ----

// YYMMDDhhmmss000+: an absolute time in UTC (tenths 0, offset 0 quarter hours).
std::string smpp_time(UnixMs at) {
  const std::time_t t = static_cast<std::time_t>(at / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d%02d000+", tm.tm_year % 100, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// The number a phone message came from, as E.164 where it can tell.
std::string e164_from(const ShortMessage& m) {
  const std::string& a = m.source_addr;
  if (!a.empty() && a[0] == '+') return a;
  if (m.source_ton == 1 && all_digits(a)) return "+" + a;
  if (a.size() == 11 && a[0] == '1' && all_digits(a)) return "+86" + a;  // a mainland mobile
  return a;
}

class SmppAdapter final : public SessionCarrier {
 public:
  SmppAdapter(const AdapterContext& context, Settings settings)
      : SessionCarrier(context, "SMPP"), settings_(std::move(settings)) {
    for (int i = 0; i < settings_.sessions; ++i) {
      SessionOptions o = settings_.session;
      if (settings_.sessions > 1) {
        o.name += '#';  // not "#" + to_string(): GCC 12 -O3 warns (-Wrestrict, a false positive)
        o.name += std::to_string(i + 1);
      }
      add_session(std::move(o), std::make_unique<Protocol>(settings_.bind));
    }
  }

  void on_request(PduSession& session, std::uint64_t connection, std::string_view bytes) override {
    const Decoded d = decode(bytes);
    auto weak = std::weak_ptr<PduSession>(session.shared_from_this());
    const std::uint32_t sequence = d.header.sequence;
    if (d.error) {
      spdlog::warn("carrier {}: unreadable PDU from the SMSC ({}), answered with an error", carrier(),
                   d.error->what);
      const bool deliver = d.header.command_id == static_cast<std::uint32_t>(Command::deliver_sm);
      session.respond(connection, deliver ? encode(Command::deliver_sm_resp, d.error->nack_status, sequence, SubmitSmResp{})
                                          : encode(Command::generic_nack, d.error->nack_status, sequence));
      return;
    }
    if (d.pdu->command() != Command::deliver_sm) {
      session.respond(connection, encode(Command::generic_nack, status::invalid_command_id, sequence));
      return;
    }
    const auto& m = std::get<ShortMessage>(d.pdu->body);
    // Rule 11: answered once committed; with ESME_RX_T_APPN when not, so the SMSC sends again.
    auto answer = [weak, connection, sequence](std::error_code ec) {
      if (auto s = weak.lock()) {
        s->respond(connection, encode(Command::deliver_sm_resp, ec ? status::receiver_temporary : status::ok,
                                      sequence, SubmitSmResp{}));
      }
    };
    std::optional<Report> report;
    std::optional<Inbound> inbound;
    if (is_receipt(m)) {
      const auto receipt = parse_receipt(m);
      if (!receipt) {
        spdlog::warn("carrier {}: a delivery receipt without a message id, ignored", carrier());
        return answer({});
      }
      if (receipt->outcome == Receipt::Outcome::pending) return answer({});  // ENROUTE, ACCEPTD
      auto forms = message_id_forms(receipt->id);
      if (forms.empty()) return answer({});
      Report r;
      r.carrier_id = forms.front();
      r.carrier_id_forms.assign(forms.begin() + 1, forms.end());
      r.state = receipt->outcome == Receipt::Outcome::delivered ? Report::State::delivered
                : receipt->outcome == Receipt::Outcome::expired ? Report::State::expired
                                                                 : Report::State::failed;
      if (r.state != Report::State::delivered) {
        r.error = receipt->stat;
        if (!receipt->err.empty()) r.error += " err:" + receipt->err;
      }
      report = std::move(r);
    } else {
      inbound = read_inbound(m);
    }
    commit_then_answer(std::move(report), std::move(inbound), std::move(answer));
  }

 private:
  std::vector<PartEncoder> parts_of(const Submission& s) override {
    std::vector<PartEncoder> out;
    for (auto& m : build(s)) {
      out.push_back([m = std::move(m)](std::uint32_t sequence) { return encode(Command::submit_sm, 0, sequence, m); });
    }
    return out;
  }

  PartAnswer read_answer(std::string_view response) override {
    const Decoded d = decode(response);
    const std::uint32_t status = d.header.status;
    if (d.header.command_id == static_cast<std::uint32_t>(Command::generic_nack)) {
      return {make_status_error(status), {}, "generic_nack " + status_name(status), std::nullopt};
    }
    if (status != status::ok) {
      const std::error_code error = make_status_error(status);
      return {error, {}, status_name(status),
              is_throttled(error) ? std::optional<milliseconds>(settings_.throttle_pause) : std::nullopt};
    }
    if (d.error || !d.pdu || !std::holds_alternative<SubmitSmResp>(d.pdu->body)) {
      return {make_error_code(carrier_errc::bad_response), {}, "an unreadable submit_sm_resp", std::nullopt};
    }
    auto forms = message_id_forms(std::get<SubmitSmResp>(d.pdu->body).message_id);
    if (forms.empty() || !valid_carrier_message_id(forms.front())) {
      return {make_error_code(carrier_errc::bad_response), {}, "a submit_sm_resp without a usable message_id",
              std::nullopt};
    }
    return {{}, std::move(forms.front()), {}, std::nullopt};
  }

  Inbound read_inbound(const ShortMessage& m) const {
    Inbound in;
    in.from = e164_from(m);
    in.to = m.dest_addr;
    std::string_view body = m.short_message;
    if (body.empty()) {
      if (const Tlv* p = m.find(tag::message_payload)) body = p->value;
    }
    std::size_t udh = 0;
    if ((m.esm_class & 0x40) != 0 && !body.empty()) {
      udh = std::min<std::size_t>(static_cast<unsigned char>(body[0]) + 1u, body.size());
    }
    const std::string_view text = body.substr(udh);
    switch (m.data_coding) {
      case 0x08:
        in.text = ucs2_to_utf8(text);
        break;
      case 0x00:
        if (settings_.gsm7_packed) {
          const int fill = udh == 0 ? 0 : static_cast<int>((7 - (udh * 8) % 7) % 7);
          const std::size_t septets = (text.size() * 8 - static_cast<std::size_t>(fill)) / 7;
          in.text = gsm7_to_utf8(unpack_gsm7(text, septets, fill));
        } else {
          in.text = gsm7_to_utf8(text);
        }
        break;
      default:
        in.text = latin1_to_utf8(text);  // 0x01 IA5, 0x03 Latin-1; binary shown as Latin-1
        break;
    }
    return in;
  }

  // The submit_sm bodies of one message.
  std::vector<ShortMessage> build(const Submission& s) {
    ShortMessage base;
    base.service_type = settings_.service_type;
    base.source_ton = settings_.source_ton;
    base.source_npi = settings_.source_npi;
    base.source_addr = settings_.source_addr;
    if (!s.extension.empty() && base.source_addr.size() + s.extension.size() <= 20) base.source_addr += s.extension;
    base.dest_ton = settings_.dest_ton;
    base.dest_npi = settings_.dest_npi;
    base.dest_addr = !s.to.empty() && s.to[0] == '+' ? s.to.substr(1) : s.to;
    base.priority_flag = s.priority == Priority::urgent ? 1 : 0;
    if (s.expires_at) base.validity_period = smpp_time(*s.expires_at);
    base.registered_delivery = settings_.registered_delivery ? 1 : 0;
    const std::uint8_t reference = ++reference_;
    std::vector<std::string> payloads;
    bool udh = false;
    std::optional<std::string> gsm = settings_.auto_coding ? utf8_to_gsm7(s.text) : std::nullopt;
    if (gsm) {
      base.data_coding = 0x00;
      auto parts = split_gsm7(*gsm, reference, !settings_.sar);
      udh = parts.with_udh;
      for (auto& p : parts.parts) {
        if (!settings_.gsm7_packed) {
          payloads.push_back(std::move(p));
        } else if (udh) {
          payloads.push_back(p.substr(0, 6) + pack_gsm7(std::string_view(p).substr(6), 1));
        } else {
          payloads.push_back(pack_gsm7(p));
        }
      }
    } else {
      base.data_coding = 0x08;
      auto parts = split_ucs2(s.text, reference, !settings_.sar);
      udh = parts.with_udh;
      payloads = std::move(parts.parts);
    }
    std::vector<ShortMessage> out;
    out.reserve(payloads.size());
    for (std::size_t i = 0; i < payloads.size(); ++i) {
      ShortMessage m = base;
      m.short_message = std::move(payloads[i]);
      if (payloads.size() > 1) {
        if (udh) {
          m.esm_class = 0x40;
        } else {
          m.tlvs.push_back({tag::sar_msg_ref_num, std::string{'\0', static_cast<char>(reference)}});
          m.tlvs.push_back({tag::sar_total_segments, std::string(1, static_cast<char>(payloads.size()))});
          m.tlvs.push_back({tag::sar_segment_seqnum, std::string(1, static_cast<char>(i + 1))});
        }
      }
      out.push_back(std::move(m));
    }
    return out;
  }

  Settings settings_;
  std::uint8_t reference_ = 0;
};

}  // namespace

const std::error_category& status_category() noexcept {
  static const StatusCategory category;
  return category;
}

std::error_code make_status_error(std::uint32_t status) noexcept {
  return {static_cast<int>(status), status_category()};
}

std::string status_name(std::uint32_t status) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%02X", status);
  const StatusInfo* s = find_status(status);
  return s != nullptr ? std::string(s->name) + " (" + hex + ")" : std::string("status ") + hex;
}

std::vector<std::string> validate(const config::CarrierConfig& carrier) {
  std::vector<std::string> problems;
  check_known_keys(carrier, "smpp",
                   {"host", "port", "system_id", "system_type", "address_range", "source_addr",
                    "source_ton", "source_npi", "dest_ton", "dest_npi", "service_type", "sessions",
                    "window", "data_coding", "gsm7_packed", "long_messages", "registered_delivery",
                    "connect_timeout", "enquire_link", "enquire_link_misses", "reconnect_min",
                    "reconnect_max", "throttle_pause"},
                   {"password"}, problems);
  const Settings s = read_settings(carrier, problems);
  auto check_length = [&](const char* key, const std::string& value, std::size_t max) {
    if (value.size() > max) {
      problems.push_back(config::describe(carrier, carrier.options.get(key), key,
                                          "is longer than SMPP allows (" + std::to_string(max) + " characters)"));
    }
  };
  check_length("system_id", s.bind.system_id, 15);
  check_length("password", s.bind.password, 8);
  check_length("system_type", s.bind.system_type, 12);
  check_length("address_range", s.bind.address_range, 40);
  check_length("service_type", s.service_type, 5);
  check_length("source_addr", s.source_addr, 20);
  if (s.bind.system_id.empty() && carrier.options.contains("system_id")) {
    problems.push_back(config::describe(carrier, carrier.options.get("system_id"), "system_id", "must not be empty"));
  }
  if (s.session.host.empty() && carrier.options.contains("host")) {
    problems.push_back(config::describe(carrier, carrier.options.get("host"), "host", "must not be empty"));
  }
  return problems;
}

std::unique_ptr<adapters::Adapter> create(const adapters::AdapterContext& context) {
  std::vector<std::string> ignored;
  return std::make_unique<SmppAdapter>(context, read_settings(context.config, ignored));
}

adapters::Registry::Factory factory() { return {&validate, &create}; }

}  // namespace smsgw::adapters::smpp
