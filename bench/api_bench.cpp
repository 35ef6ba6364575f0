// api_bench: throughput of the real smsgwd binary, measured from outside over 127.0.0.1.
//
//   Phase A  ingest, 1 message per POST /v1/messages, 64 keep-alive connections
//   Phase B  ingest, 100 messages per request
//   Phase C  dispatch: smsgwd restarted on the same data dir with its carrier enabled; the
//            messages queued by A and B drain into a fake HTTP carrier in this process
//
// A program, not a test: it prints figures (and a machine line so they can be compared) and
// exits 0 whatever they are; it fails only when the set-up fails. SPEC.md "Targets" lists the
// figures the project aims for. bench/README.md explains every number.
//
// The load generator is one Asio thread, like a single-threaded client would be; on a 2-core
// machine it competes with smsgwd for the cores, as the targets assume.

#include <sys/utsname.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_http_carrier.hpp"

#ifndef SMSGWD_PATH
#define SMSGWD_PATH "smsgwd"
#endif

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string smsgwd = SMSGWD_PATH;
  int seconds = 5;
  int connections = 64;
  bool keep_dir = false;
  bool routing_rules = false;
};

[[noreturn]] void usage(int code) {
  std::cout << "Usage: api_bench [--smsgwd PATH] [--seconds N] [--connections N] [--keep-dir]\n"
               "                 [--routing-rules]\n"
               "  --smsgwd PATH      daemon binary (default: " SMSGWD_PATH ")\n"
               "  --seconds N        length of each phase, 1..300 (default 5)\n"
               "  --connections N    keep-alive client connections, 1..1000 (default 64)\n"
               "  --keep-dir         keep the temp dir (database, config, smsgwd.log)\n"
               "  --routing-rules    give the carrier operators and countries rules that take\n"
               "                     every number (phase C then classifies each message)\n";
  std::exit(code);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    auto number = [&](int lo, int hi) {
      const std::string v = value();
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < lo || n > hi) usage(2);
      return static_cast<int>(n);
    };
    if (a == "--smsgwd") o.smsgwd = value();
    else if (a == "--seconds") o.seconds = number(1, 300);
    else if (a == "--connections") o.connections = number(1, 1000);
    else if (a == "--keep-dir") o.keep_dir = true;
    else if (a == "--routing-rules") o.routing_rules = true;
    else if (a == "--help" || a == "-h") usage(0);
    else usage(2);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Machine and process facts

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string cpu_model() {
  std::istringstream in(read_file("/proc/cpuinfo"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown";
}

std::string machine_line() {
  utsname u{};
  ::uname(&u);
  std::ostringstream out;
  out << "machine: nproc=" << std::thread::hardware_concurrency() << " cpu=\"" << cpu_model()
      << "\" kernel=" << u.sysname << ' ' << u.release << ' ' << u.machine;
  return out.str();
}

// Peak resident set (VmHWM) of a live process in KiB; 0 if it cannot be read.
long peak_rss_kib(pid_t pid) {
  std::istringstream in(read_file("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return 0;
}

std::uintmax_t dir_bytes(const std::string& dir) {
  std::error_code ec;
  std::uintmax_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Config

struct ConfigParams {
  std::string data_dir;
  unsigned short api_port = 0;
  std::string token_sha256;
  std::string carrier_url;
  bool carrier_enabled = true;
  bool routing_rules = false;  // operators and countries that every bench number meets
  bool file_carrier_fallback = false;  // used only if smsgwd refuses a config with no enabled carrier
};

std::string make_config(const ConfigParams& p) {
  std::ostringstream c;
  c << "# Written by api_bench.\n"
       "[daemon]\n"
       "data_dir = \"" << p.data_dir << "\"\n"
       "log_level = \"warn\"\n"
       "shutdown_grace = \"5s\"\n\n"
       "[api]\n"
       "listen = \"127.0.0.1:" << p.api_port << "\"\n\n"
       "[[api.tokens]]\n"
       "name = \"bench\"\n"
       "sha256 = \"" << p.token_sha256 << "\"\n"
       "scopes = [\"send\", \"read\"]\n\n"
       "[limits]\n"
       "max_recipients_per_request = 100000\n\n";
  if (p.file_carrier_fallback) {
    c << "[[carriers]]\n"
         "name = \"devnull\"\n"
         "type = \"file\"\n"
         "path = \"/dev/null\"\n"
         "rate = 1000000\n\n";
  } else {
    c << "[[carriers]]\n"
         "name = \"fake\"\n"
         "type = \"http\"\n"
         "url = \"" << p.carrier_url << "\"\n"
         "rate = 1000000\n"
         "burst = 1000000\n"
         "enabled = " << (p.carrier_enabled ? "true" : "false") << "\n"
         "timeout = \"10s\"\n";
    if (p.routing_rules) {
      c << "operators = [\"china_mobile\", \"china_unicom\", \"china_telecom\"]\n"
           "countries = [\"CN\"]\n";
    }
    c << "\n";
  }
  c << "[retry]\n"
       "max_attempts = 5\n"
       "base_delay = \"1s\"\n"
       "max_delay = \"10s\"\n\n"
       "[dispatch]\n"
       "claim_batch = 1000\n"
       "max_in_flight = 2000\n";
  return c.str();
}

// ---------------------------------------------------------------------------------------------
// Load generator: N keep-alive connections, each sending one request at a time.

struct LoadResult {
  std::uint64_t requests_ok = 0;
  std::uint64_t messages_ok = 0;
  std::uint64_t failures = 0;  // non-202 answers and connection errors
  double seconds = 0;
  std::vector<std::uint32_t> latencies_us;  // accepted requests only
  std::string first_failure;
};

class LoadGenerator {
 public:
  LoadGenerator(unsigned short port, std::string token, int connections, int per_request,
                std::uint64_t first_number)
      : port_(port),
        token_(std::move(token)),
        connections_(connections),
        per_request_(per_request),
        next_number_(first_number) {}

  // The first phone number the next generator should use (numbers are never reused).
  std::uint64_t next_number() const { return next_number_; }

  LoadResult run(std::chrono::seconds duration) {
    asio::io_context io(1);
    std::vector<std::shared_ptr<Conn>> conns;
    for (int i = 0; i < connections_; ++i) conns.push_back(std::make_shared<Conn>(io, *this));
    // Connect everything first so the measured window does not include the handshakes.
    int connected = 0;
    for (auto& c : conns) {
      c->stream.expires_after(std::chrono::seconds(10));
      c->stream.async_connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port_),
                              [&, c](beast::error_code ec) {
                                if (ec) fail("connect: " + ec.message());
                                else ++connected;
                              });
    }
    io.run();
    io.restart();
    if (connected != connections_)
      throw std::runtime_error("only " + std::to_string(connected) + " of " +
                               std::to_string(connections_) + " connections could be opened");

    start_ = Clock::now();
    deadline_ = start_ + duration;
    for (auto& c : conns) send(c);
    io.run();  // returns when every connection has stopped (deadline, or 10 s socket timeouts)
    // Up to the last answer, not to io.run() returning: a lingering socket timer must not
    // stretch the window.
    result_.seconds = std::chrono::duration<double>(std::max(last_answer_, deadline_) - start_).count();
    for (auto& c : conns) {
      beast::error_code ignored;
      c->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
    return std::move(result_);
  }

 private:
  struct Conn {
    Conn(asio::io_context& io, LoadGenerator& g) : stream(io), gen(g) {}
    beast::tcp_stream stream;
    LoadGenerator& gen;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    beast::flat_buffer buffer;
    Clock::time_point sent_at;
  };

  // Every message goes to a number never used before in this run, so a per-recipient daily
  // cap or idempotency would never make the daemon treat two of them alike. Urgent, so quiet
  // hours (22:00-08:00 in the daemon's timezone) never hold phase C back.
  std::string next_body() {
    std::string body = "{\"priority\":\"urgent\",\"text\":\"【区纪委】请各位同志于明天上午九点参加廉政工作会议。\",\"to\":[";
    for (int i = 0; i < per_request_; ++i) {
      if (i) body += ',';
      body += '"';
      body += std::to_string(next_number_++);
      body += '"';
    }
    body += "]}";
    return body;
  }

  void fail(std::string why) {
    ++result_.failures;
    if (result_.first_failure.empty()) result_.first_failure = std::move(why);
  }

  void send(const std::shared_ptr<Conn>& c) {
    if (Clock::now() >= deadline_) return;
    c->req = {};
    c->req.method(http::verb::post);
    c->req.target("/v1/messages");
    c->req.version(11);
    c->req.set(http::field::host, "127.0.0.1");
    c->req.set(http::field::authorization, "Bearer " + token_);
    c->req.set(http::field::content_type, "application/json");
    c->req.keep_alive(true);
    c->req.body() = next_body();
    c->req.prepare_payload();
    c->sent_at = Clock::now();
    c->stream.expires_after(std::chrono::seconds(10));
    http::async_write(c->stream, c->req, [this, c](beast::error_code ec, std::size_t) {
      if (ec) return fail("write: " + ec.message());
      c->res = {};
      http::async_read(c->stream, c->buffer, c->res, [this, c](beast::error_code ec, std::size_t) {
        on_response(c, ec);
      });
    });
  }

  void on_response(const std::shared_ptr<Conn>& c, beast::error_code ec) {
    if (ec) return fail("read: " + ec.message());  // this connection stops
    const auto now = Clock::now();
    last_answer_ = now;
    if (c->res.result_int() == 202) {
      ++result_.requests_ok;
      result_.messages_ok += static_cast<std::uint64_t>(per_request_);
      result_.latencies_us.push_back(static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - c->sent_at).count()));
    } else {
      fail("HTTP " + std::to_string(c->res.result_int()) + ": " + c->res.body().substr(0, 300));
    }
    if (!c->res.keep_alive()) return fail("server closed the keep-alive connection");
    send(c);
  }

  unsigned short port_;
  std::string token_;
  int connections_;
  int per_request_;
  std::uint64_t next_number_;
  Clock::time_point start_;
  Clock::time_point deadline_;
  Clock::time_point last_answer_;
  LoadResult result_;
};

double percentile_ms(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k] / 1000.0;
}

// ---------------------------------------------------------------------------------------------

struct Row {
  std::string phase;
  std::string requests_s = "-";
  std::string messages_s = "-";
  std::string p50 = "-";
  std::string p99 = "-";
  std::string count = "-";
  std::string rss = "-";
  std::string note;
};

std::string fixed(double v, int decimals = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string mib(long kib) { return kib > 0 ? fixed(kib / 1024.0, 1) + " MiB" : "-"; }

Row run_ingest_phase(const std::string& name, smsgw::testing::DaemonProcess& daemon, unsigned short port,
                     const std::string& token, const Options& o, int per_request, std::uint64_t& next_number,
                     std::uint64_t& accepted_total) {
  std::cerr << "phase " << name << ": " << o.connections << " connections, " << per_request
            << " message(s) per request, " << o.seconds << " s...\n";
  LoadGenerator gen(port, token, o.connections, per_request, next_number);
  LoadResult r = gen.run(std::chrono::seconds(o.seconds));
  next_number = gen.next_number();
  accepted_total += r.messages_ok;
  Row row;
  row.phase = name;
  row.requests_s = fixed(static_cast<double>(r.requests_ok) / r.seconds);
  row.messages_s = fixed(static_cast<double>(r.messages_ok) / r.seconds);
  row.p50 = fixed(percentile_ms(r.latencies_us, 0.50), 2);
  row.p99 = fixed(percentile_ms(r.latencies_us, 0.99), 2);
  row.count = std::to_string(r.messages_ok) + " msgs";
  row.rss = mib(peak_rss_kib(daemon.pid()));
  if (r.failures) row.note = std::to_string(r.failures) + " failures, first: " + r.first_failure;
  return row;
}

bool stop_daemon(smsgw::testing::DaemonProcess& daemon) {
  daemon.signal(SIGTERM);
  if (daemon.wait_exit(std::chrono::seconds(30))) return true;
  std::cerr << "smsgwd did not exit within 30 s of SIGTERM; killing it\n";
  daemon.kill9();
  return false;
}

int run(const Options& o) {
  namespace t = smsgw::testing;
  if (!std::filesystem::exists(o.smsgwd)) {
    std::cerr << "api_bench: no smsgwd at " << o.smsgwd << " (build it, or pass --smsgwd PATH)\n";
    return 1;
  }
  const std::string dir = t::make_temp_dir("smsgw-bench");
  const std::string token = smsgw::random_hex(24);

  t::FakeHttpCarrier carrier(t::FakeHttpCarrier::Options{0, /*record=*/false});

  ConfigParams params;
  params.data_dir = dir + "/data";
  std::filesystem::create_directories(params.data_dir);
  params.api_port = t::free_loopback_port();
  params.token_sha256 = smsgw::sha256_hex(token);
  params.carrier_url = carrier.url("/send");
  params.carrier_enabled = false;  // A and B measure ingest alone; nothing is dispatched
  params.routing_rules = o.routing_rules;
  const std::string base_url = "http://127.0.0.1:" + std::to_string(params.api_port);

  std::vector<Row> rows;
  std::string notes;
  std::uint64_t next_number = 13000000000ULL;
  std::uint64_t accepted = 0;
  int exit_code = 0;
  {
    t::DaemonProcess daemon(o.smsgwd, dir, make_config(params));
    if (!daemon.start(base_url)) {
      // An older daemon may insist on an enabled carrier: a file carrier writing to /dev/null
      // keeps the run going, but then A and B include dispatch work (noted under the table).
      daemon.kill9();
      params.file_carrier_fallback = true;
      daemon.rewrite_config(make_config(params));
      notes += "note: smsgwd refused a config with its only carrier disabled; phases A and B ran with a "
               "file carrier to /dev/null, so they include dispatch work and phase C has less to drain.\n";
      if (!daemon.start(base_url)) {
        std::cerr << "api_bench: smsgwd did not become healthy (files kept in " << dir << "). Its log:\n"
                  << daemon.log();
        return 1;
      }
    }
    try {
      rows.push_back(run_ingest_phase("A ingest 1 msg/req", daemon, params.api_port, token, o, 1, next_number, accepted));
      rows.push_back(run_ingest_phase("B ingest 100 msg/req", daemon, params.api_port, token, o, 100, next_number, accepted));
    } catch (const std::exception& e) {
      std::cerr << "api_bench: " << e.what() << "\nsmsgwd log:\n" << daemon.log();
      return 1;
    }
    if (!stop_daemon(daemon)) exit_code = 1;
    const std::uintmax_t db = dir_bytes(params.data_dir);
    notes += "data dir after ingest: " + fixed(static_cast<double>(db) / (1024.0 * 1024.0), 1) +
             " MiB for " + std::to_string(accepted) + " accepted messages\n";

    // Phase C: same data dir, carrier enabled. Counted from the moment /healthz answers.
    params.file_carrier_fallback = false;
    params.carrier_enabled = true;
    daemon.rewrite_config(make_config(params));
    carrier.reset();
    std::cerr << "phase C: dispatching " << accepted << " queued messages (at most " << o.seconds << " s)...\n";
    if (!daemon.start(base_url)) {
      std::cerr << "api_bench: smsgwd did not restart. Its log:\n" << daemon.log();
      return 1;
    }
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::seconds(o.seconds);
    std::optional<Clock::time_point> first_at;
    std::size_t first_count = 0;
    std::size_t count = 0;
    // Polling the counter is the measurement itself, not synchronisation: 10 ms resolution.
    while (Clock::now() < deadline && count < accepted) {
      count = carrier.count();
      if (count > 0 && !first_at) {
        first_at = Clock::now();
        first_count = count;
      }
      if (count < accepted) carrier.wait_for_count(accepted, std::chrono::milliseconds(10));
    }
    const auto end = Clock::now();
    count = carrier.count();
    const double seconds = std::chrono::duration<double>(end - start).count();
    Row row;
    row.phase = "C dispatch";
    row.messages_s = fixed(static_cast<double>(count) / seconds);
    row.count = std::to_string(count) + "/" + std::to_string(accepted) + " msgs";
    row.rss = mib(peak_rss_kib(daemon.pid()));
    row.note = count >= accepted ? "drained in " + fixed(seconds, 2) + " s" : "time limit reached";
    if (first_at) {
      const double since_first = std::chrono::duration<double>(end - *first_at).count();
      if (since_first > 0 && count > first_count)
        row.note += ", " + fixed(static_cast<double>(count - first_count) / since_first) +
                    " msgs/s after the first send (" +
                    fixed(std::chrono::duration<double>(*first_at - start).count() * 1000, 0) + " ms to first)";
    }
    rows.push_back(row);
    if (!stop_daemon(daemon)) exit_code = 1;
  }
  carrier.stop();

  std::cout << machine_line() << '\n'
            << "smsgwd: " << o.smsgwd << "\n"
            << "settings: " << o.seconds << " s per phase, " << o.connections
            << " keep-alive connections, 1 client thread, 127.0.0.1\n\n";
  std::printf("%-22s %12s %12s %9s %9s %20s %11s  %s\n", "phase", "requests/s", "messages/s", "p50 ms",
              "p99 ms", "count", "peak RSS", "notes");
  for (const auto& r : rows)
    std::printf("%-22s %12s %12s %9s %9s %20s %11s  %s\n", r.phase.c_str(), r.requests_s.c_str(),
                r.messages_s.c_str(), r.p50.c_str(), r.p99.c_str(), r.count.c_str(), r.rss.c_str(),
                r.note.c_str());
  std::cout << '\n' << notes;

  if (o.keep_dir) {
    std::cout << "kept " << dir << '\n';
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "api_bench: " << e.what() << '\n';
    return 1;
  }
}
