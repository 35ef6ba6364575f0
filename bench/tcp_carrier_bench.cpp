// tcp_carrier_bench: the real smsgwd end to end over its TCP carriers, with a delivery receipt
// for every message (issue 11): SMPP to the independent npm `smpp` SMSC (tests/interop/smsc.js,
// on the same two cores), SMPP to the C++ fake SMSC, and CMPP 3.0 to the fake ISMG.
//
// For each target: a fresh data dir; smsgwd starts with the carrier disabled and N one-part
// Chinese messages (UCS-2) to unique numbers are queued through the API (1,000 per request);
// smsgwd restarts with the carrier enabled, and the clock runs from /healthz answering until
// the SMSC has had its N-th deliver_sm_resp. smsgwd answers a receipt only after committing it
// (and the message is `delivered` then), so the figure is messages sent, answered, receipted
// and committed per second. Receipt latency: per message, from the SMSC receiving submit_sm to
// it receiving the deliver_sm_resp of that message's receipt. Peak RSS is smsgwd's.
//
// Where Debian's `kannel` is installed (bearerbox and smsbox on PATH), Kannel runs the same
// load alongside, alternating with smsgw round by round (--rounds): bearerbox binds to a fresh
// npm SMSC with max-pending-submits = the window, smsbox takes the N messages through
// /cgi-bin/sendsms (8 client threads, dlr-mask 3 so every message asks for a receipt, the DLR
// URL answered by a local HTTP fake), and the clock runs from the first request to the SMSC's
// N-th receipt answer (Kannel answers receipts at once; smsgw after its commit).
//
// A program, not a test: it prints figures and exits 0 whatever they are; it fails only when
// the set-up fails. The target: >= 20,000 msg/s over SMPP with receipts to the npm
// simulator (Kannel 1.4.5: 1,040 msg/s with max-pending-submits = 10).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/smpp/pdu.hpp"
#include "bench_util.hpp"
#include "common/crypto.hpp"
#include "support/child_process.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_http_carrier.hpp"
#include "support/fake_ismg.hpp"
#include "support/fake_smsc.hpp"
#include "support/http_client.hpp"

#ifndef SMSGWD_PATH
#define SMSGWD_PATH "smsgwd"
#endif
#ifndef SMSGW_SOURCE_DIR
#define SMSGW_SOURCE_DIR "."
#endif

namespace {

namespace t = smsgw::testing;
using smsgw::bench::fixed;
using smsgw::bench::url_encode;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string smsgwd = SMSGWD_PATH;
  std::size_t messages = 20'000;
  std::vector<std::string> targets = {"bare-npm", "smpp-npm", "kannel-npm", "smpp-fake", "cmpp-fake"};
  int seconds = 120;  // per target, at most
  int window = 10;    // SMPP; CMPP uses 16
  int sessions = 1;
  int rounds = 1;     // smsgw and Kannel alternate this many times
};

struct Target {
  std::string name;
  std::string carrier_toml;                  // with an ENABLED placeholder
  std::function<std::size_t()> acked;        // receipts answered so far
  std::function<std::vector<double>()> latencies;  // empty: from `summary`
  std::string target;
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

std::string config_for(const std::string& data_dir, unsigned short port, const std::string& token_sha,
                       const std::string& carrier, bool enabled) {
  std::ostringstream c;
  c << "[daemon]\ndata_dir = \"" << data_dir << "\"\nlog_level = \"warn\"\nshutdown_grace = \"5s\"\n"
    << "calendar_dir = \"\"\n\n[api]\nlisten = \"127.0.0.1:" << port << "\"\n\n"
    << "[[api.tokens]]\nname = \"bench\"\nsha256 = \"" << token_sha << "\"\n"
    << "scopes = [\"send\", \"read\"]\n\n[limits]\nmax_recipients_per_request = 100000\n\n"
    << replace_all(carrier, "ENABLED", enabled ? "true" : "false")
    << "\n[sms]\nquiet_hours = \"off\"\nsignature = \"【区纪委】\"\n"
    << "\n[dispatch]\nclaim_batch = 1000\nmax_in_flight = 4000\n";
  return c.str();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

struct Row {
  std::string target, messages, seconds, rate, p50, p99, rss, goal, note;
};

// The sum of smsgw_delivery_reports_total{status="pending"} on /metrics.
std::size_t early_reports(const std::string& base, const std::string& token) {
  const auto r = t::http_request("GET", base + "/metrics", token, "", {}, 5'000);
  std::size_t sum = 0;
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("smsgw_delivery_reports_total{") || line.find("status=\"pending\"") == std::string::npos) continue;
    sum += static_cast<std::size_t>(std::stod(line.substr(line.rfind(' ') + 1)));
  }
  return sum;
}

Row run_one(const Options& o, Target& target, const std::function<void()>& after) {
  Row row;
  row.target = target.name;
  row.goal = target.target;
  const std::size_t n = o.messages;
  const std::string dir = t::make_temp_dir("smsgw-tcp-bench");
  const std::string token = smsgw::random_hex(24);
  const unsigned short port = t::free_loopback_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string data = dir + "/data";
  std::filesystem::create_directories(data);
  t::DaemonProcess daemon(o.smsgwd, dir, config_for(data, port, smsgw::sha256_hex(token), target.carrier_toml, false));
  if (!daemon.start(base)) throw std::runtime_error("smsgwd did not start:\n" + daemon.log());
  std::uint64_t number = 13000000000ULL;
  std::cerr << target.name << ": queueing " << n << " messages...\n";
  for (std::size_t done = 0; done < n;) {
    const std::size_t k = std::min<std::size_t>(1000, n - done);
    json to = json::array();
    for (std::size_t i = 0; i < k; ++i) to.push_back(std::to_string(number++));
    const json body = {{"to", to}, {"text", "请各位同志于明天上午九点参加廉政工作会议。"}};
    auto r = t::http_request("POST", base + "/v1/messages", token, body.dump());
    if (r.status != 202) throw std::runtime_error("enqueue: HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300));
    done += k;
  }
  if (!smsgw::bench::stop_daemon(daemon)) throw std::runtime_error("smsgwd did not stop");

  daemon.rewrite_config(config_for(data, port, smsgw::sha256_hex(token), target.carrier_toml, true));
  const std::size_t before = target.acked();
  std::cerr << target.name << ": sending " << n << " messages...\n";
  if (!daemon.start(base)) throw std::runtime_error("smsgwd did not restart:\n" + daemon.log());
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(o.seconds);
  std::size_t got = 0;
  long rss = 0;
  while (Clock::now() < deadline && got < n) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    got = target.acked() - before;
    rss = std::max(rss, smsgw::bench::peak_rss_kib(daemon.pid()));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  rss = std::max(rss, smsgw::bench::peak_rss_kib(daemon.pid()));
  // Receipts that arrived before the record of their send (kept, applied later): each costs
  // rows written and deleted again, so the note shows how many there were.
  const std::size_t early = early_reports(base, token);
  smsgw::bench::stop_daemon(daemon);
  after();
  const auto latencies = target.latencies();
  row.messages = std::to_string(got) + "/" + std::to_string(n);
  row.seconds = fixed(seconds, 2);
  row.rate = fixed(static_cast<double>(got) / seconds);
  row.p50 = fixed(percentile(latencies, 0.5), 1);
  row.p99 = fixed(percentile(latencies, 0.99), 1);
  row.rss = rss > 0 ? fixed(static_cast<double>(rss) / 1024.0, 1) : "-";
  row.note = "early receipts " + std::to_string(early);
  if (got < n) row.note += "; time limit reached";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return row;
}

// The npm SMSC: its progress lines carry the receipts answered; its summary the latencies.
struct NpmSmsc {
  std::unique_ptr<t::ChildProcess> process;
  unsigned short port = 0;
  std::size_t acked = 0;
  std::size_t binds = 0;
  std::vector<double> p50_p99;  // from the summary: [p50, p99]

  bool start(const std::string& node) {
    const std::string script = std::string(SMSGW_SOURCE_DIR) + "/tests/interop/smsc.js";
    process = std::make_unique<t::ChildProcess>(
        std::vector<std::string>{node, script, "--quiet", "--progress", "20", "--system-id", "smsgw", "--password", "secret"});
    const auto line = process->read_line(std::chrono::seconds(10));
    if (!line) return false;
    port = static_cast<unsigned short>(json::parse(*line).at("port").get<int>());
    return true;
  }
  std::size_t poll() {
    while (auto line = process->read_line(std::chrono::milliseconds(0))) {
      const json j = json::parse(*line, nullptr, false);
      if (j.contains("progress")) {
        acked = j["progress"].value("receipts_acked", acked);
        binds = j["progress"].value("binds", binds);
      }
    }
    return acked;
  }
  void finish() {
    process->signal(SIGUSR1);
    for (int i = 0; i < 200; ++i) {
      const auto line = process->read_line(std::chrono::milliseconds(100));
      if (!line) continue;
      const json j = json::parse(*line, nullptr, false);
      if (!j.contains("summary")) continue;
      const auto& r = j["summary"]["receipt_ms"];
      auto number = [&](const char* k) { return r.contains(k) && r[k].is_number() ? r[k].get<double>() : 0.0; };
      p50_p99 = {number("p50"), number("p99")};
      return;
    }
  }
};


// The npm SMSC's ceiling on this machine today: a bare ESME on one thread, no store, no
// dispatcher, the same submit_sm smsgwd sends (one-part UCS-2, registered_delivery 1) with the
// same window, each deliver_sm answered at once. smsgw's row reads against this one.
Row run_bare(const Options& o, NpmSmsc& smsc) {
  namespace smpp = smsgw::adapters::smpp;
  Row row;
  row.target = "bare ESME -> npm smpp";
  row.goal = "(ceiling)";
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(smsc.port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("bare ESME: cannot connect to the npm SMSC");
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string out, in;
  auto flush = [&] {
    std::size_t at = 0;
    while (at < out.size()) {
      const ssize_t k = ::send(fd, out.data() + at, out.size() - at, MSG_NOSIGNAL);
      if (k <= 0) throw std::runtime_error("bare ESME: send failed");
      at += static_cast<std::size_t>(k);
    }
    out.clear();
  };
  smpp::BindTransceiver bind;
  bind.system_id = "smsgw";
  bind.password = "secret";
  out += smpp::encode(smpp::Command::bind_transceiver, 0, 1, bind);
  flush();
  smpp::ShortMessage sm;
  sm.source_addr = "10690001";
  sm.dest_ton = 1;
  sm.dest_npi = 1;
  sm.registered_delivery = 1;
  sm.data_coding = 8;
  const std::u16string text = u"【区纪委】请各位同志于明天上午九点参加廉政工作会议。";
  for (const char16_t c : text) {
    sm.short_message += static_cast<char>(c >> 8);
    sm.short_message += static_cast<char>(c & 0xff);
  }
  const std::size_t n = o.messages;
  const std::size_t before = smsc.poll();
  std::size_t sent = 0, outstanding = 0, receipts = 0;
  std::uint32_t sequence = 1;
  std::uint64_t number = 13900000000ULL;
  bool bound = false;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(o.seconds);
  char buf[65536];
  while (receipts < n && Clock::now() < deadline) {
    while (bound && outstanding < static_cast<std::size_t>(o.window) && sent < n) {
      sm.dest_addr = std::to_string(number++);
      out += smpp::encode(smpp::Command::submit_sm, 0, ++sequence, sm);
      ++sent;
      ++outstanding;
    }
    if (!out.empty()) flush();
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t k = ::recv(fd, buf, sizeof buf, 0);
    if (k <= 0) throw std::runtime_error("bare ESME: the npm SMSC closed the connection");
    in.append(buf, static_cast<std::size_t>(k));
    std::size_t at = 0;
    while (true) {
      const auto f = smpp::frame(std::string_view(in).substr(at));
      if (f.error) throw std::runtime_error("bare ESME: " + f.error->what);
      if (!f.length || in.size() - at < *f.length) break;
      const auto d = smpp::decode(std::string_view(in).substr(at, *f.length));
      at += *f.length;
      switch (static_cast<smpp::Command>(d.header.command_id)) {
        case smpp::Command::bind_transceiver_resp:
          if (d.header.status != 0) throw std::runtime_error("bare ESME: bind refused");
          bound = true;
          break;
        case smpp::Command::submit_sm_resp:
          if (outstanding > 0) --outstanding;
          break;
        case smpp::Command::deliver_sm:
          out += smpp::encode(smpp::Command::deliver_sm_resp, 0, d.header.sequence);
          ++receipts;
          break;
        case smpp::Command::enquire_link:
          out += smpp::encode(smpp::Command::enquire_link_resp, 0, d.header.sequence);
          break;
        default:
          break;
      }
    }
    in.erase(0, at);
  }
  if (!out.empty()) flush();
  // The clock stops at the SMSC's N-th receipt answer, as for smsgwd.
  std::size_t got = smsc.poll() - before;
  while (got < receipts && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    got = smsc.poll() - before;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  smsc.finish();
  row.messages = std::to_string(got) + "/" + std::to_string(n);
  row.seconds = fixed(seconds, 2);
  row.rate = fixed(static_cast<double>(got) / seconds);
  if (smsc.p50_p99.size() == 2) {
    row.p50 = fixed(smsc.p50_p99[0], 1);
    row.p99 = fixed(smsc.p50_p99[1], 1);
  }
  row.rss = "-";
  if (got < n) row.note = "time limit reached";
  return row;
}


struct KannelPaths {
  std::string bearerbox, smsbox;
};

// Kannel 1.4.5 from Debian against a fresh npm SMSC, the same N messages through sendsms.
Row run_kannel(const Options& o, const std::string& node, const KannelPaths& kannel) {
  Row row;
  row.target = "kannel -> npm smpp";
  row.goal = "(the bar)";
  const std::size_t n = o.messages;
  NpmSmsc smsc;
  if (!smsc.start(node)) throw std::runtime_error("the npm SMSC did not start");
  const std::string dir = t::make_temp_dir("smsgw-kannel-bench");
  const unsigned short admin = t::free_loopback_port(), box = t::free_loopback_port(), sendsms = t::free_loopback_port();
  t::FakeHttpCarrier dlr(t::FakeHttpCarrier::Options{0, /*record=*/false});
  {
    std::ofstream conf(dir + "/kannel.conf");
    conf << "group = core\nadmin-port = " << admin << "\nadmin-password = bench\nadmin-allow-ip = \"127.0.0.1\"\n"
         << "smsbox-port = " << box << "\nbox-allow-ip = \"127.0.0.1\"\nlog-file = \"" << dir << "/bearerbox.log\"\n"
         << "log-level = 4\nstore-type = file\nstore-location = \"" << dir << "/kannel.store\"\ndlr-storage = internal\n\n"
         << "group = smsc\nsmsc = smpp\nsmsc-id = npm\nhost = 127.0.0.1\nport = " << smsc.port
         << "\ntransceiver-mode = true\nsmsc-username = smsgw\nsmsc-password = secret\nsystem-type = \"VMA\"\nmax-pending-submits = "
         << o.window << "\nmsg-id-type = 0x01\n\n"
         << "group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = " << box << "\nsendsms-port = " << sendsms
         << "\nlog-file = \"" << dir << "/smsbox.log\"\nlog-level = 4\n\n"
         << "group = sendsms-user\nusername = bench\npassword = bench\n";
  }
  t::ChildProcess bearerbox({kannel.bearerbox, dir + "/kannel.conf"}, dir + "/bearerbox.out");
  const auto bind_deadline = Clock::now() + std::chrono::seconds(20);
  while (smsc.poll() == 0 && smsc.binds == 0 && Clock::now() < bind_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (smsc.binds == 0) throw std::runtime_error("bearerbox did not bind to the npm SMSC (see " + dir + ")");
  t::ChildProcess smsbox({kannel.smsbox, dir + "/kannel.conf"}, dir + "/smsbox.out");
  const std::string base = "http://127.0.0.1:" + std::to_string(sendsms) + "/cgi-bin/sendsms?username=bench&password=bench";
  const auto box_deadline = Clock::now() + std::chrono::seconds(20);
  while (t::http_request("GET", base, "", "", {}, 1000).status == 0 && Clock::now() < box_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string text = url_encode("【区纪委】请各位同志于明天上午九点参加廉政工作会议。");
  const std::string dlr_url = url_encode(dlr.url("/dlr") + "?id=%i");
  std::cerr << row.target << ": sending " << n << " messages through sendsms...\n";
  const std::size_t before = smsc.acked;
  std::atomic<std::size_t> next{0}, refused{0};
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int k = 0; k < 8; ++k) {
    clients.emplace_back([&] {
      for (std::size_t i = next++; i < n; i = next++) {
        const std::string url = base + "&to=" + std::to_string(8613000000000ULL + i) + "&text=" + text +
                                "&from=10690001&charset=UTF-8&coding=2&dlr-mask=3&dlr-url=" + dlr_url;
        const auto r = t::http_request("GET", url, "", "", {}, 10'000);
        if (r.status != 202 && refused++ == 0) {
          std::cerr << "kannel: sendsms answered " << r.status << " " << r.body << r.error << '\n';
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  const auto deadline = start + std::chrono::seconds(o.seconds);
  std::size_t got = 0;
  long rss = 0;
  while (Clock::now() < deadline && got < n) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    got = smsc.poll() - before;
    rss = std::max(rss, smsgw::bench::peak_rss_kib(bearerbox.pid()) + smsgw::bench::peak_rss_kib(smsbox.pid()));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  smsbox.signal(SIGTERM);
  bearerbox.signal(SIGTERM);
  smsbox.wait_exit(std::chrono::seconds(10));
  bearerbox.wait_exit(std::chrono::seconds(10));
  smsc.finish();
  row.messages = std::to_string(got) + "/" + std::to_string(n);
  row.seconds = fixed(seconds, 2);
  row.rate = fixed(static_cast<double>(got) / seconds);
  if (smsc.p50_p99.size() == 2) {
    row.p50 = fixed(smsc.p50_p99[0], 1);
    row.p99 = fixed(smsc.p50_p99[1], 1);
  }
  row.rss = rss > 0 ? fixed(static_cast<double>(rss) / 1024.0, 1) : "-";
  if (refused > 0) row.note = std::to_string(refused.load()) + " sendsms requests refused";
  if (got < n) row.note += (row.note.empty() ? "" : "; ") + std::string("time limit reached");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return row;
}

int run(const Options& o) {
  if (!std::filesystem::exists(o.smsgwd)) {
    std::cerr << "tcp_carrier_bench: no smsgwd at " << o.smsgwd << " (build it, or pass --smsgwd PATH)\n";
    return 1;
  }
  auto wanted = [&](const std::string& name) {
    return std::find(o.targets.begin(), o.targets.end(), name) != o.targets.end();
  };
  const std::string smpp_keys = "\nsystem_id = \"smsgw\"\npassword = \"secret\"\nsource_addr = \"10690001\"\nsessions = " +
                                std::to_string(o.sessions) + "\nwindow = " + std::to_string(o.window) +
                                "\nrate = 1000000\nburst = 1000000\nenabled = ENABLED\ntimeout = \"10s\"\n";
  std::vector<Row> rows;
  std::vector<std::string> notes;
  try {
    const auto node = t::find_on_path("node");
    const bool npm_ready =
        node && std::filesystem::exists(std::string(SMSGW_SOURCE_DIR) + "/tests/interop/node_modules/smpp");
    const auto bearerbox = t::find_on_path("bearerbox"), smsbox = t::find_on_path("smsbox");
    if ((wanted("smpp-npm") || wanted("kannel-npm")) && !npm_ready) {
      notes.push_back("the npm SMSC runs skipped: they need node and `npm ci --prefix tests/interop`");
    }
    if (wanted("kannel-npm") && (!bearerbox || !smsbox)) {
      notes.push_back("kannel (bearerbox, smsbox) not installed: no side-by-side run (apt-get install kannel)");
    }
    for (int round = 0; round < o.rounds && npm_ready; ++round) {
      if (wanted("bare-npm")) {
        NpmSmsc smsc;
        if (!smsc.start(*node)) throw std::runtime_error("the npm SMSC did not start");
        rows.push_back(run_bare(o, smsc));
      }
      if (wanted("smpp-npm")) {
        NpmSmsc smsc;
        if (!smsc.start(*node)) throw std::runtime_error("the npm SMSC did not start");
        Target target{"smpp -> npm smpp", "[[carriers]]\nname = \"smsc\"\ntype = \"smpp\"\nhost = \"127.0.0.1\"\nport = " +
                                               std::to_string(smsc.port) + smpp_keys,
                      [&] { return smsc.poll(); }, [&] { return std::vector<double>{}; }, ">= 20,000 msg/s"};
        Row r = run_one(o, target, [&] { smsc.finish(); });
        if (smsc.p50_p99.size() == 2) {
          r.p50 = fixed(smsc.p50_p99[0], 1);
          r.p99 = fixed(smsc.p50_p99[1], 1);
        }
        rows.push_back(r);
      }
      if (wanted("kannel-npm") && bearerbox && smsbox) rows.push_back(run_kannel(o, *node, {*bearerbox, *smsbox}));
    }
    if (wanted("smpp-fake")) {
      t::FakeSmsc::Options so;
      so.record = false;
      so.window = static_cast<std::size_t>(o.window);
      t::FakeSmsc smsc(so);
      Target target{"smpp -> fake SMSC", "[[carriers]]\nname = \"smsc\"\ntype = \"smpp\"\nhost = \"127.0.0.1\"\nport = " +
                                              std::to_string(smsc.port()) + smpp_keys,
                    [&] { return smsc.receipts_acked(); }, [&] { return smsc.receipt_latencies_ms(); }, "-"};
      rows.push_back(run_one(o, target, [] {}));
    }
    if (wanted("cmpp-fake")) {
      t::FakeIsmg::Options io;
      io.record = false;
      t::FakeIsmg ismg(io);
      Target target{"cmpp 3.0 -> fake ISMG",
                    "[[carriers]]\nname = \"cmcc\"\ntype = \"cmpp\"\nhost = \"127.0.0.1\"\nport = " +
                        std::to_string(ismg.port()) +
                        "\nsp_id = \"901234\"\nshared_secret = \"secret\"\nservice_id = \"MJW0010\"\n"
                        "src_id = \"1069000101\"\nsessions = " + std::to_string(o.sessions) +
                        "\nwindow = 16\nrate = 1000000\nburst = 1000000\nenabled = ENABLED\n",
                    [&] { return ismg.deliver_acks(); }, [&] { return ismg.receipt_latencies_ms(); }, "-"};
      rows.push_back(run_one(o, target, [] {}));
    }
  } catch (const std::exception& e) {
    std::cerr << "tcp_carrier_bench: " << e.what() << '\n';
    return 1;
  }

  std::cout << smsgw::bench::machine_line() << "\nsmsgwd: " << o.smsgwd << "\nsettings: " << o.messages
            << " one-part UCS-2 messages, a receipt for each; SMPP sessions " << o.sessions << ", window "
            << o.window << " (Kannel: max-pending-submits " << o.window
            << "); CMPP window 16; claim_batch 1000, max_in_flight 4000\n\n";
  std::printf("%-24s %14s %9s %10s %12s %12s %13s  %-16s %s\n", "target", "messages", "seconds", "msg/s",
              "receipt p50", "receipt p99", "peak RSS MiB", "goal", "note");
  for (const auto& r : rows) {
    std::printf("%-24s %14s %9s %10s %9s ms %9s ms %13s  %-16s %s\n", r.target.c_str(), r.messages.c_str(),
                r.seconds.c_str(), r.rate.c_str(), r.p50.c_str(), r.p99.c_str(), r.rss.c_str(), r.goal.c_str(),
                r.note.c_str());
  }
  for (const auto& n : notes) std::cout << "note: " << n << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "tcp_carrier_bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--smsgwd") {
      o.smsgwd = value();
    } else if (a == "--messages") {
      o.messages = std::stoul(value());
    } else if (a == "--seconds") {
      o.seconds = std::stoi(value());
    } else if (a == "--window") {
      o.window = std::stoi(value());
    } else if (a == "--rounds") {
      o.rounds = std::stoi(value());
    } else if (a == "--sessions") {
      o.sessions = std::stoi(value());
    } else if (a == "--targets") {
      o.targets.clear();
      std::stringstream list(value());
      for (std::string d; std::getline(list, d, ',');) o.targets.push_back(d);
    } else {
      std::cerr << "usage: tcp_carrier_bench [--messages N (20000)] [--targets bare-npm,smpp-npm,kannel-npm,smpp-fake,cmpp-fake]\n"
                   "                         [--window W (10)] [--sessions S (1)] [--rounds R (1)] [--seconds S]\n"
                   "                         [--smsgwd PATH]\n";
      return a == "--help" ? 0 : 2;
    }
  }
  return run(o);
}
