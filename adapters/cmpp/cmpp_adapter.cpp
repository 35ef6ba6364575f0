#include "adapters/cmpp/cmpp_adapter.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "adapters/cmpp/gbk.hpp"
#include "adapters/cmpp/pdu.hpp"
#include "adapters/core/failure.hpp"
#include "adapters/core/options.hpp"
#include "adapters/core/pdu_session.hpp"
#include "adapters/core/session_carrier.hpp"
#include "adapters/core/ucs2_parts.hpp"

namespace smsgw::adapters::cmpp {
namespace {

using std::chrono::milliseconds;

struct ResultInfo {
  std::uint32_t code;
  const char* name;
  failure condition;
};

// SUBMIT_RESP Result (CMPP 3.0 §8.4.3.2; 0-8 are 2.0's too). The message as built cannot
// pass (structure, length, fee, codes, addresses): permanent; 8 is the ISMG asking us to slow
// down; a repeated sequence and everything else (9~ "其他错误") is transient.
constexpr ResultInfo kResults[] = {
    {1, "1 消息结构错 (message structure)", failure::permanent},
    {2, "2 命令字错 (command id)", failure::permanent},
    {3, "3 消息序号重复 (sequence repeated)", failure::transient},
    {4, "4 消息长度错 (message length)", failure::permanent},
    {5, "5 资费代码错 (fee code)", failure::permanent},
    {6, "6 超过最大信息长 (message too long)", failure::permanent},
    {7, "7 业务代码错 (service id)", failure::permanent},
    {8, "8 流量控制错 (flow control)", failure::throttled},
    {9, "9 本网关不负责服务此计费号码 (fee number not served here)", failure::permanent},
    {10, "10 Src_Id 错误", failure::permanent},
    {11, "11 Msg_src 错误", failure::permanent},
    {12, "12 Fee_terminal_Id 错误", failure::permanent},
    {13, "13 Dest_terminal_Id 错误", failure::permanent},
};

const ResultInfo* find_result(std::uint32_t code) {
  for (const auto& r : kResults) {
    if (r.code == code) return &r;
  }
  return nullptr;
}

class ResultCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cmpp"; }
  std::string message(int value) const override {
    const ResultInfo* r = find_result(static_cast<std::uint32_t>(value));
    return "CMPP_SUBMIT_RESP Result " + (r != nullptr ? std::string(r->name) : std::to_string(value) + " (其他错误)");
  }
  std::error_condition default_error_condition(int value) const noexcept override {
    const ResultInfo* r = find_result(static_cast<std::uint32_t>(value));
    return make_error_condition(r != nullptr ? r->condition : failure::transient);
  }
};

// ---- settings ----

enum class Format { ucs2, gbk, automatic };

struct Settings {
  SessionOptions session;
  int sessions = 1;
  Version version = Version::v30;
  std::string sp_id, secret, service_id, src_id;
  Format format = Format::ucs2;
  bool registered_delivery = true;
  std::uint8_t fee_user_type = 2;
  std::string fee_type = "01", fee_code = "000000", fee_terminal_id;
  std::uint8_t msg_level = 0;
  milliseconds throttle_pause{1'000};
};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Settings read_settings(const config::CarrierConfig& c, std::vector<std::string>& problems) {
  Settings s;
  s.session.host = string_option(c, "host", true, problems).value_or("");
  s.session.port = static_cast<unsigned short>(int_option(c, "port", 7890, 1, 65535, problems));
  s.session.window = static_cast<std::size_t>(int_option(c, "window", 16, 1, 1000, problems));
  // CMPP §7.1: T = 60 s, N = 3, C = 3 min.
  s.session.response_timeout = duration_option(c, "resend_after", milliseconds{60'000}, milliseconds{1}, problems);
  s.session.sends = static_cast<int>(int_option(c, "sends", 3, 1, 10, problems));
  s.session.heartbeat = duration_option(c, "active_test", milliseconds{180'000}, milliseconds{0}, problems);
  s.session.heartbeat_misses = s.session.sends;
  s.session.connect_timeout = duration_option(c, "connect_timeout", milliseconds{10'000}, milliseconds{1}, problems);
  s.session.reconnect_min = duration_option(c, "reconnect_min", milliseconds{1'000}, milliseconds{1}, problems);
  s.session.reconnect_max = duration_option(c, "reconnect_max", milliseconds{60'000}, milliseconds{1}, problems);
  s.session.reconnect_max = std::max(s.session.reconnect_max, s.session.reconnect_min);
  s.session.name = c.name;
  s.sessions = static_cast<int>(int_option(c, "sessions", 1, 1, 64, problems));
  if (auto v = string_option(c, "version", false, problems)) {
    if (*v == "2.0") {
      s.version = Version::v20;
    } else if (*v != "3.0") {
      problems.push_back(config::describe(c, c.options.get("version"), "version", "must be \"3.0\" or \"2.0\""));
    }
  }
  s.sp_id = string_option(c, "sp_id", true, problems).value_or("");
  s.secret = secret_option(c, "shared_secret", true, problems).value_or("");
  s.service_id = string_option(c, "service_id", true, problems).value_or("");
  s.src_id = string_option(c, "src_id", true, problems).value_or("");
  if (auto f = string_option(c, "msg_fmt", false, problems)) {
    if (*f == "gbk") {
      s.format = Format::gbk;
    } else if (*f == "auto") {
      s.format = Format::automatic;
    } else if (*f != "ucs2") {
      problems.push_back(config::describe(c, c.options.get("msg_fmt"), "msg_fmt",
                                          "must be \"ucs2\" (Msg_Fmt 8), \"gbk\" (15) or \"auto\" (0 for ASCII, else 8)"));
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
  s.fee_user_type = static_cast<std::uint8_t>(int_option(c, "fee_user_type", 2, 0, 3, problems));
  s.fee_type = string_option(c, "fee_type", false, problems).value_or("01");
  s.fee_code = string_option(c, "fee_code", false, problems).value_or("000000");
  s.fee_terminal_id = string_option(c, "fee_terminal_id", false, problems).value_or("");
  s.msg_level = static_cast<std::uint8_t>(int_option(c, "msg_level", 0, 0, 9, problems));
  s.throttle_pause = duration_option(c, "throttle_pause", milliseconds{1'000}, milliseconds{1}, problems);
  return s;
}

std::uint32_t be32(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 24 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3]));
}

// MMDDHHMMSS in China time (UTC+8 all year), as CONNECT's Timestamp wants it.
std::uint32_t china_timestamp(UnixMs now) {
  const std::time_t t = static_cast<std::time_t>(now / 1000 + 8 * 3600);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return timestamp(tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

class Protocol final : public SessionProtocol {
 public:
  Protocol(const Settings& s, Clock clock)
      : version_(s.version), sp_id_(s.sp_id), secret_(s.secret), clock_(std::move(clock)) {}

  std::optional<std::size_t> frame(std::string_view buffer, std::string& error) const override {
    const Frame f = cmpp::frame(buffer);
    if (f.error) error = *f.error;
    return f.length;
  }
  PduHead head(std::string_view pdu) const override { return {be32(pdu, 4), be32(pdu, 8)}; }
  std::string login_request(std::uint32_t sequence) override {
    Connect c;
    c.source_addr = sp_id_;
    c.timestamp = china_timestamp(clock_.now());
    c.authenticator = authenticator_source(sp_id_, secret_, c.timestamp);
    c.version = static_cast<std::uint8_t>(version_);
    auth_source_ = c.authenticator;
    return encode(version_, Command::connect, sequence, c);
  }
  std::string login_refused(std::string_view response) override {
    const Decoded d = decode(version_, response);
    if (d.error || !d.pdu || d.pdu->command() != Command::connect_resp) return "an unreadable CMPP_CONNECT_RESP";
    const auto& r = std::get<ConnectResp>(d.pdu->body);
    if (r.status != 0) return connect_status_name(r.status);
    // The ISMG proves it knows the secret too: a gateway that does not is not ours.
    if (r.authenticator != authenticator_ismg(version_, 0, auth_source_, secret_)) {
      return "AuthenticatorISMG does not match (the gateway does not share our shared_secret)";
    }
    return {};
  }
  std::string heartbeat_request(std::uint32_t sequence) const override {
    return encode(version_, Command::active_test, sequence);
  }
  std::string logout_request(std::uint32_t sequence) const override {
    return encode(version_, Command::terminate, sequence);
  }
  bool is_heartbeat(std::uint32_t command_id) const override {
    return command_id == static_cast<std::uint32_t>(Command::active_test);
  }
  bool is_logout(std::uint32_t command_id) const override {
    return command_id == static_cast<std::uint32_t>(Command::terminate);
  }
  std::string simple_response(const PduHead& request) const override {
    return encode(version_, static_cast<Command>(request.command_id | kResponseBit), request.sequence);
  }

 private:
  Version version_;
  std::string sp_id_, secret_;
  Clock clock_;
  std::string auth_source_;
};

// The number a phone message came from, as E.164 where it can tell.
std::string e164_from(const std::string& a) {
  if (a.size() == 11 && a[0] == '1' && all_digits(a)) return "+86" + a;
  if (a.size() == 13 && a.rfind("86", 0) == 0 && all_digits(a)) return "+" + a;
  return a;
}

// What CMPP's Dest_terminal_Id holds: a mainland number in its 11 national digits.
std::string terminal_id(const std::string& e164) {
  if (e164.rfind("+86", 0) == 0) return e164.substr(3);
  return !e164.empty() && e164[0] == '+' ? e164.substr(1) : e164;
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

class CmppAdapter final : public SessionCarrier {
 public:
  CmppAdapter(const AdapterContext& context, Settings settings)
      : SessionCarrier(context, "CMPP"), settings_(std::move(settings)) {
    for (int i = 0; i < settings_.sessions; ++i) {
      SessionOptions o = settings_.session;
      if (settings_.sessions > 1) {
        o.name += '#';  // not "#" + to_string(): GCC 12 -O3 warns (-Wrestrict, a false positive)
        o.name += std::to_string(i + 1);
      }
      add_session(std::move(o), std::make_unique<Protocol>(settings_, context.clock));
    }
  }

  void on_request(PduSession& session, std::uint64_t connection, std::string_view bytes) override {
    const Decoded d = decode(settings_.version, bytes);
    if (d.error || !d.pdu) {
      // CMPP has no generic_nack. A DELIVER we cannot read is answered "1 消息结构错" so the
      // ISMG does not resend it forever; anything else is ignored.
      spdlog::warn("carrier {}: unreadable CMPP PDU from the ISMG ({})", carrier(), d.error.value_or("?"));
      if (d.header.command_id == static_cast<std::uint32_t>(Command::deliver)) {
        session.respond(connection, encode(settings_.version, Command::deliver_resp, d.header.sequence,
                                           DeliverResp{0, 1}));
      }
      return;
    }
    if (d.pdu->command() != Command::deliver) return;  // nothing else asks an SP for an answer
    const auto& m = std::get<Deliver>(d.pdu->body);
    auto weak = std::weak_ptr<PduSession>(session.shared_from_this());
    const Version version = settings_.version;
    // Rule 11: answered once committed; with "8 流量控制错" when not, so the ISMG sends it again.
    auto answer = [weak, connection, version, sequence = d.header.sequence, msg_id = m.msg_id](std::error_code ec) {
      if (auto s = weak.lock()) {
        s->respond(connection, encode(version, Command::deliver_resp, sequence, DeliverResp{msg_id, ec ? 8u : 0u}));
      }
    };
    std::optional<Report> report;
    std::optional<Inbound> inbound;
    if (m.registered_delivery == 1 && m.report) {
      const StatusReport& r = *m.report;
      if (r.stat == "ACCEPTD") return answer({});  // intermediate: the final one follows
      Report rep;
      rep.carrier_id = std::to_string(r.msg_id);
      rep.state = r.stat == "DELIVRD"   ? Report::State::delivered
                     : r.stat == "EXPIRED" ? Report::State::expired
                                           : Report::State::failed;
      if (rep.state != Report::State::delivered) rep.error = r.stat;
      report = std::move(rep);
    } else {
      inbound = read_inbound(m);
    }
    commit_then_answer(std::move(report), std::move(inbound), std::move(answer));
  }

 private:
  Inbound read_inbound(const Deliver& m) const {
    Inbound in;
    in.carrier_id = std::to_string(m.msg_id);
    in.from = e164_from(m.src_terminal_id);
    in.to = m.dest_id;
    std::string_view body = m.msg_content;
    // TP_udhi is 1 by the spec; many gateways set 0x40, SMPP's bit (reference §1.7).
    if ((m.tp_udhi & 0x41) != 0 && !body.empty()) {
      body.remove_prefix(std::min<std::size_t>(static_cast<unsigned char>(body[0]) + 1u, body.size()));
    }
    switch (m.msg_fmt) {
      case 8:
        in.text = ucs2_to_utf8(body);
        break;
      case 15:
        in.text = gbk_to_utf8(body);
        break;
      default:
        in.text.assign(body.begin(), body.end());
        std::replace_if(in.text.begin(), in.text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }, '?');
        break;
    }
    return in;
  }

  std::vector<PartEncoder> parts_of(const Submission& s) override {
    Submit base;
    base.registered_delivery = settings_.registered_delivery ? 1 : 0;
    base.msg_level = settings_.msg_level;
    base.service_id = settings_.service_id;
    base.fee_user_type = settings_.fee_user_type;
    base.fee_terminal_id = settings_.fee_terminal_id;
    base.msg_src = settings_.sp_id;
    base.fee_type = settings_.fee_type;
    base.fee_code = settings_.fee_code;
    base.src_id = settings_.src_id;
    if (!s.extension.empty() && base.src_id.size() + s.extension.size() <= 21) base.src_id += s.extension;
    base.dest_terminal_ids = {terminal_id(s.to)};
    const std::uint8_t reference = ++reference_;
    std::vector<std::string> contents;
    bool udh = false;
    std::optional<std::string> gbk = settings_.format == Format::gbk ? utf8_to_gbk(s.text) : std::nullopt;
    if (settings_.format == Format::automatic && printable_ascii(s.text) && s.text.size() <= 160) {
      base.msg_fmt = 0;
      contents = {s.text};
    } else if (gbk) {
      base.msg_fmt = 15;
      contents = split_gbk(*gbk);
      udh = contents.size() > 1;
      if (udh) {
        for (std::size_t i = 0; i < contents.size(); ++i) {
          const std::string header{0x05, 0x00, 0x03, static_cast<char>(reference),
                                   static_cast<char>(contents.size()), static_cast<char>(i + 1)};
          contents[i] = header + contents[i];
        }
      }
    } else {
      base.msg_fmt = 8;
      auto parts = split_ucs2(s.text, reference, true);
      udh = parts.with_udh;
      contents = std::move(parts.parts);
    }
    std::vector<PartEncoder> out;
    out.reserve(contents.size());
    for (std::size_t i = 0; i < contents.size(); ++i) {
      Submit part = base;
      part.pk_total = static_cast<std::uint8_t>(contents.size());
      part.pk_number = static_cast<std::uint8_t>(i + 1);
      part.tp_udhi = udh ? 1 : 0;
      part.msg_content = std::move(contents[i]);
      out.push_back([version = settings_.version, part = std::move(part)](std::uint32_t sequence) {
        return encode(version, Command::submit, sequence, part);
      });
    }
    return out;
  }

  PartAnswer read_answer(std::string_view response) override {
    const Decoded d = decode(settings_.version, response);
    if (d.error || !d.pdu || !std::holds_alternative<SubmitResp>(d.pdu->body)) {
      return {make_error_code(carrier_errc::bad_response), {}, "an unreadable CMPP_SUBMIT_RESP", std::nullopt};
    }
    const auto& r = std::get<SubmitResp>(d.pdu->body);
    if (r.result != result::ok) {
      const std::error_code error = make_result_error(r.result);
      return {error, {}, error.message(),
              is_throttled(error) ? std::optional<milliseconds>(settings_.throttle_pause) : std::nullopt};
    }
    return {{}, std::to_string(r.msg_id), {}, std::nullopt};
  }

  Settings settings_;
  std::uint8_t reference_ = 0;
};

}  // namespace

const std::error_category& result_category() noexcept {
  static const ResultCategory category;
  return category;
}

std::error_code make_result_error(std::uint32_t result) noexcept {
  return {static_cast<int>(result), result_category()};
}

std::string connect_status_name(std::uint32_t status) {
  switch (status) {
    case 0: return "0 正确 (ok)";
    case 1: return "1 消息结构错 (message structure)";
    case 2: return "2 非法源地址 (sp_id not known)";
    case 3: return "3 认证错 (authentication: sp_id or shared_secret wrong)";
    case 4: return "4 版本太高 (version not supported)";
    default: return std::to_string(status) + " 其他错误 (other error)";
  }
}

std::vector<std::string> validate(const config::CarrierConfig& carrier) {
  std::vector<std::string> problems;
  check_known_keys(carrier, "cmpp",
                   {"host", "port", "version", "sp_id", "service_id", "src_id", "sessions", "window",
                    "msg_fmt", "registered_delivery", "fee_user_type", "fee_type", "fee_code",
                    "fee_terminal_id", "msg_level", "resend_after", "sends", "active_test",
                    "connect_timeout", "reconnect_min", "reconnect_max", "throttle_pause"},
                   {"shared_secret"}, problems);
  const Settings s = read_settings(carrier, problems);
  auto check = [&](const char* key, const std::string& value, std::size_t max, bool digits, bool required) {
    if (!carrier.options.contains(key)) return;
    if (required && value.empty()) {
      problems.push_back(config::describe(carrier, carrier.options.get(key), key, "must not be empty"));
    } else if (value.size() > max) {
      problems.push_back(config::describe(carrier, carrier.options.get(key), key,
                                          "is longer than CMPP allows (" + std::to_string(max) + ")"));
    } else if (digits && !value.empty() && !all_digits(value)) {
      problems.push_back(config::describe(carrier, carrier.options.get(key), key, "must be digits"));
    }
  };
  check("sp_id", s.sp_id, 6, false, true);
  check("service_id", s.service_id, 10, false, true);
  check("src_id", s.src_id, 21, true, true);
  check("host", s.session.host, 255, false, true);
  check("fee_type", s.fee_type, 2, true, false);
  check("fee_code", s.fee_code, 6, true, false);
  check("fee_terminal_id", s.fee_terminal_id, s.version == Version::v30 ? 32 : 21, true, false);
  return problems;
}

std::unique_ptr<adapters::Adapter> create(const adapters::AdapterContext& context) {
  std::vector<std::string> ignored;
  return std::make_unique<CmppAdapter>(context, read_settings(context.config, ignored));
}

adapters::Registry::Factory factory() { return {&validate, &create}; }

}  // namespace smsgw::adapters::cmpp
