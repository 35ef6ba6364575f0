// hardening_bench: the figures of issue 9 ("hardening"), measured on the real smsgwd binary from
// outside over 127.0.0.1, with the fake HTTP carrier of the test support library.
//
//   --phase stall    /healthz latency while a 10,000-row import, a 1 MiB template and a
//                    100,000-recipient fan-out are posted (point 8: no stall over 50 ms)
//   --phase growth   database + WAL size over time under a steady send load with a short
//                    [retention] (point 9: the file stays bounded)
//   --phase faults   3,000 urgent messages through one carrier: fault-free, 30 % random 503,
//                    30 % random 429, and 100 % 503 (point 11: breaker, retries, no waste)
//   --phase crash    20 x kill -9 under a 1,000 msg/s load: lost and re-sent messages
//                    (point 12)
//
// A program, not a test: it prints figures with the target next to each and exits 0 whatever
// they are; it fails only when the set-up fails. bench/README.md explains every number.

#include <curl/curl.h>
#include <signal.h>
#include <sys/utsname.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bench_util.hpp"
#include "common/crypto.hpp"
#include "support/api_client.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_http_carrier.hpp"

#ifndef SMSGWD_PATH
#define SMSGWD_PATH "smsgwd"
#endif

namespace {

namespace t = smsgw::testing;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using smsgw::bench::fixed;
using smsgw::bench::machine_line;
using smsgw::bench::read_text;
using Wall = std::chrono::system_clock;
using std::chrono::milliseconds;

struct Options {
  std::string smsgwd = SMSGWD_PATH;
  std::string phase = "all";
  int seconds = 0;  // 0: each phase's default
  int kills = 20;
  int rate = 1000;  // messages per second offered by the growth and crash loads
  bool keep_dir = false;
};

[[noreturn]] void usage(int code) {
  std::cout
      << "Usage: hardening_bench [--phase stall|growth|faults|crash|all] [--seconds N]\n"
         "                       [--kills N] [--rate N] [--smsgwd PATH] [--keep-dir]\n"
         "  --phase P      which benchmark (default all)\n"
         "  --seconds N    growth: length of the load (default 120); faults: length of the\n"
         "                 100 % error window (default 10); crash: none; stall: idle baseline\n"
         "                 (default 2)\n"
         "  --kills N      crash: kill -9 count (default 20)\n"
         "  --rate N       growth and crash: offered messages per second (default 1000)\n"
         "  --smsgwd PATH  daemon binary (default: " SMSGWD_PATH ")\n"
         "  --keep-dir     keep the temp dirs (database, config, smsgwd.log)\n";
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
    else if (a == "--phase") o.phase = value();
    else if (a == "--seconds") o.seconds = number(1, 3600);
    else if (a == "--kills") o.kills = number(1, 1000);
    else if (a == "--rate") o.rate = number(1, 100'000);
    else if (a == "--keep-dir") o.keep_dir = true;
    else if (a == "--help" || a == "-h") usage(0);
    else usage(2);
  }
  if (o.phase != "stall" && o.phase != "growth" && o.phase != "faults" && o.phase != "crash" &&
      o.phase != "all")
    usage(2);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Small helpers



double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double seconds_between(Clock::time_point a, Clock::time_point b) { return ms_between(a, b) / 1000; }

std::string loadavg() {
  std::istringstream in(read_text("/proc/loadavg"));
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}


std::uintmax_t file_bytes(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

double mib(std::uintmax_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

void heading(const std::string& title) {
  std::cout << "\n== " << title << " ==\n" << std::flush;
}

void progress(const std::string& text) { std::cerr << text << '\n'; }

// The value of `key` in a Prometheus text exposition: an exact series (`name{label="v"}`), or
// the sum of every series of a name without labels given. 0 when absent.
double metric(const std::string& text, const std::string& key) {
  const bool exact = key.find('{') != std::string::npos;
  double sum = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    const std::string series = line.substr(0, space);
    const bool match = exact ? series == key : (series == key || series.rfind(key + "{", 0) == 0);
    if (match) sum += std::strtod(line.c_str() + space + 1, nullptr);
  }
  return sum;
}

struct Percentiles {
  std::size_t n = 0;
  double p50 = 0, p99 = 0, max = 0;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))]; };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.max = v.back();
  return p;
}

// ---------------------------------------------------------------------------------------------
// The daemon under test: a temp dir, a token, a config, the real smsgwd.

struct Setup {
  std::string carrier_url = "http://127.0.0.1:9/send";
  bool carrier_enabled = true;
  double rate = 1'000'000;
  int burst = 0;  // 0: max(1, rate)
  std::string log_level = "warn";
  int max_attempts = 5;
  std::string base_delay = "1s";
  std::string max_delay = "10s";
  std::string retention;  // lines of [retention], or "" for the defaults
  std::string extra;      // further tables, verbatim
};

class Daemon {
 public:
  Daemon(const Options& o, const std::string& prefix, const Setup& s)
      : keep_(o.keep_dir),
        dir_(t::make_temp_dir(prefix)),
        token_(smsgw::random_hex(24)),
        port_(t::free_loopback_port()),
        base_("http://127.0.0.1:" + std::to_string(port_)) {
    std::filesystem::create_directories(dir_ + "/data");
    process_ = std::make_unique<t::DaemonProcess>(o.smsgwd, dir_, config(s));
  }
  ~Daemon() {
    if (process_->running()) process_->kill9();
    if (keep_) {
      std::cout << "kept " << dir_ << '\n';
    } else {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Throws with the daemon's log when it does not become healthy: nothing can be measured.
  void start() {
    if (!process_->start(base_))
      throw std::runtime_error("smsgwd did not become healthy; its log:\n" + process_->log());
  }
  bool stop() {
    process_->signal(SIGTERM);
    if (process_->wait_exit(std::chrono::seconds(30))) return true;
    std::cerr << "smsgwd did not exit within 30 s of SIGTERM; killing it\n";
    process_->kill9();
    return false;
  }
  std::string metrics() {
    t::ApiClient c(port_);
    return c.request("GET", "/metrics", token_).body;
  }

  t::DaemonProcess& process() { return *process_; }
  const std::string& token() const { return token_; }
  unsigned short port() const { return port_; }
  const std::string& base() const { return base_; }
  std::string db_path() const { return dir_ + "/data/smsgw.db"; }

 private:
  std::string config(const Setup& s) const {
    std::ostringstream c;
    c << "# Written by hardening_bench.\n"
         "[daemon]\n"
         "data_dir = \"" << dir_ << "/data\"\n"
         "log_level = \"" << s.log_level << "\"\n"
         "shutdown_grace = \"5s\"\n\n"
         "[api]\n"
         "listen = \"127.0.0.1:" << port_ << "\"\n\n"
         "[[api.tokens]]\n"
         "name = \"bench\"\n"
         "sha256 = \"" << smsgw::sha256_hex(token_) << "\"\n"
         "scopes = [\"send\", \"read\", \"admin\"]\n\n"
         "[limits]\n"
         "max_recipients_per_request = 100000\n\n"
         "[sms]\n"
         "signature = \"【区纪委】\"\n"
         // Non-urgent load must not wait for the end of quiet hours in the daemon's time zone.
         "quiet_hours = \"off\"\n\n"
         "[[carriers]]\n"
         "name = \"fake\"\n"
         "type = \"http\"\n"
         "url = \"" << s.carrier_url << "\"\n"
         "rate = " << fixed(s.rate) << "\n"
         "burst = " << s.burst << "\n"
         "enabled = " << (s.carrier_enabled ? "true" : "false") << "\n"
         "timeout = \"10s\"\n\n"
         "[retry]\n"
         "max_attempts = " << s.max_attempts << "\n"
         "base_delay = \"" << s.base_delay << "\"\n"
         "max_delay = \"" << s.max_delay << "\"\n\n";
    if (!s.retention.empty()) c << "[retention]\n" << s.retention << '\n';
    c << s.extra;
    return c.str();
  }

  bool keep_;
  std::string dir_;
  std::string token_;
  unsigned short port_;
  std::string base_;
  std::unique_ptr<t::DaemonProcess> process_;
};

// The text every benchmark message carries: one UCS-2 segment with the configured signature.
constexpr const char* kText = "【区纪委】请各位同志于明天上午九点参加廉政工作会议。";

std::string send_body(const std::vector<std::uint64_t>& numbers, bool urgent = true) {
  json to = json::array();
  for (auto n : numbers) to.push_back(std::to_string(n));
  json body = {{"to", to}, {"text", kText}};
  if (urgent) body["priority"] = "urgent";
  return body.dump();
}

// Ids listed in a 202 (up to 1,000 recipients per request).
std::vector<std::int64_t> accepted_ids(const std::string& body) {
  std::vector<std::int64_t> ids;
  const json doc = json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("messages")) return ids;
  for (const auto& m : doc["messages"]) {
    if (m.contains("id") && m["id"].is_string()) ids.push_back(std::stoll(m["id"].get<std::string>()));
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// What the fake carrier received, with the time of arrival (the support library keeps only
// the order), and the reply behaviour of the fault runs.

class CarrierLog {
 public:
  struct Entry {
    Wall::time_point wall;
    Clock::time_point at;
    std::int64_t id;
    int status;
  };

  enum class Mode { ok, random_503, random_429, all_503 };

  // Installs the behaviour: every request is logged, then answered as `mode` says.
  void attach(t::FakeHttpCarrier& carrier) {
    carrier.set_behaviour([this](const t::FakeHttpCarrier::Received& r) { return on_request(r); });
  }

  void set_mode(Mode mode, double probability = 0) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
    probability_ = probability;
  }

  void clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
    received_.clear();
    delivered_.clear();
  }

  // Waits until `n` distinct ids got a 200, or `timeout`.
  bool wait_delivered(std::size_t n, milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return delivered_.size() >= n; });
  }

  std::size_t delivered() const {
    std::lock_guard lock(mutex_);
    return delivered_.size();
  }
  std::vector<Entry> entries() const {
    std::lock_guard lock(mutex_);
    return entries_;
  }
  std::unordered_map<std::int64_t, int> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::size_t received_count() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  t::FakeHttpCarrier::Reply on_request(const t::FakeHttpCarrier::Received& r) {
    std::int64_t id = -1;
    if (r.json.is_object() && r.json.contains("id") && r.json["id"].is_string())
      id = std::stoll(r.json["id"].get<std::string>());
    t::FakeHttpCarrier::Reply reply;
    {
      std::lock_guard lock(mutex_);
      switch (mode_) {
        case Mode::ok:
          break;
        case Mode::random_503:
          if (coin_(rng_) < probability_) reply = t::FakeHttpCarrier::Reply::of(503, R"({"error":"busy"})");
          break;
        case Mode::random_429:
          if (coin_(rng_) < probability_) {
            reply = t::FakeHttpCarrier::Reply::of(429, R"({"error":"slow down"})");
            reply.headers.emplace_back("Retry-After", "1");
          }
          break;
        case Mode::all_503:
          reply = t::FakeHttpCarrier::Reply::of(503, R"({"error":"down"})");
          break;
      }
      entries_.push_back(Entry{Wall::now(), Clock::now(), id, reply.status});
      ++received_[id];
      if (reply.status == 200) delivered_.insert(id);
    }
    changed_.notify_all();
    return reply;
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Mode mode_ = Mode::ok;
  double probability_ = 0;
  std::mt19937_64 rng_{20261201};
  std::uniform_real_distribution<double> coin_{0.0, 1.0};
  std::vector<Entry> entries_;
  std::unordered_map<std::int64_t, int> received_;
  std::unordered_set<std::int64_t> delivered_;
};

// ---------------------------------------------------------------------------------------------
// A steady send load: `threads` keep-alive clients, each posting `per_request` messages at its
// share of `rate` messages per second on an absolute schedule (a late request does not make
// the next ones bunch up). Every recipient is a number not used before.

class PacedLoad {
 public:
  struct Settings {
    unsigned short port = 0;
    std::string token;
    int rate = 1000;
    int per_request = 1;
    int threads = 4;
    bool idempotency_keys = false;
    std::uint64_t first_number = 13000000000ULL;
  };

  explicit PacedLoad(Settings s) : s_(std::move(s)), next_number_(s_.first_number) {}
  ~PacedLoad() { stop(); }

  void start() {
    stop_ = false;
    for (int i = 0; i < s_.threads; ++i) threads_.emplace_back([this, i] { run(i); });
  }
  void stop() {
    stop_ = true;
    for (auto& th : threads_)
      if (th.joinable()) th.join();
    threads_.clear();
  }

  std::uint64_t accepted_messages() const { return accepted_.load(); }
  std::uint64_t failed_requests() const { return failed_.load(); }
  std::vector<std::int64_t> ids() const {
    std::lock_guard lock(mutex_);
    return ids_;
  }

 private:
  void run(int index) {
    t::ApiClient client(s_.port);
    const double per_thread_rate =
        static_cast<double>(s_.rate) / static_cast<double>(s_.per_request * s_.threads);
    const auto interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / per_thread_rate));
    auto next = Clock::now() + interval * index / s_.threads;
    std::uint64_t key = 0;
    while (!stop_) {
      std::this_thread::sleep_until(next);
      next += interval;
      if (next < Clock::now() - interval) next = Clock::now();
      std::vector<std::uint64_t> numbers;
      for (int i = 0; i < s_.per_request; ++i) numbers.push_back(next_number_.fetch_add(1));
      std::vector<std::string> headers;
      if (s_.idempotency_keys)
        headers.push_back("Idempotency-Key: load-" + std::to_string(index) + "-" + std::to_string(++key));
      const auto reply = client.request("POST", "/v1/messages", s_.token, send_body(numbers, false), headers);
      if (reply.status == 202) {
        accepted_ += static_cast<std::uint64_t>(s_.per_request);
        auto got = accepted_ids(reply.body);
        std::lock_guard lock(mutex_);
        ids_.insert(ids_.end(), got.begin(), got.end());
      } else {
        ++failed_;
      }
    }
  }

  Settings s_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> next_number_;
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> failed_{0};
  mutable std::mutex mutex_;
  std::vector<std::int64_t> ids_;
  std::vector<std::thread> threads_;
};

// ---------------------------------------------------------------------------------------------
// Phase stall: /healthz latency while the heaviest single requests run.

// GET /healthz on one keep-alive connection, one request per millisecond (or back to back when
// an answer takes longer). A request the io thread cannot serve waits in the socket: its
// latency is the stall.
class Pinger {
 public:
  explicit Pinger(unsigned short port) : port_(port) {}
  ~Pinger() { stop(); }

  void start() {
    thread_ = std::thread([this] {
      t::ApiClient client(port_);
      auto next = Clock::now();
      while (!stop_) {
        const auto start = Clock::now();
        const auto reply = client.request("GET", "/healthz", "");
        const auto end = Clock::now();
        {
          std::lock_guard lock(mutex_);
          samples_.push_back({start, end, reply.status == 200});
        }
        next = std::max(next + milliseconds(1), end);
        std::this_thread::sleep_until(next);
      }
    });
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  struct Window {
    Percentiles latency;  // ms
    std::size_t over_50ms = 0;
    std::size_t failed = 0;
  };

  // Requests that were outstanding at any time in [from, to].
  Window window(Clock::time_point from, Clock::time_point to) const {
    std::vector<double> ms;
    Window w;
    std::lock_guard lock(mutex_);
    for (const auto& s : samples_) {
      if (s.end < from || s.start > to) continue;
      if (!s.ok) ++w.failed;
      const double d = ms_between(s.start, s.end);
      if (d > 50) ++w.over_50ms;
      ms.push_back(d);
    }
    w.latency = percentiles(std::move(ms));
    return w;
  }

 private:
  struct Sample {
    Clock::time_point start, end;
    bool ok;
  };
  unsigned short port_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<Sample> samples_;
};

// 10,000 CSV rows of new recipients, numbers from `first`, in `group`.
std::string import_csv(int first, int rows, const std::string& group) {
  std::string csv = "name,phone,unit,title,groups\n";
  csv.reserve(static_cast<std::size_t>(rows) * 64);
  char row[200];
  for (int i = first; i < first + rows; ++i) {
    std::snprintf(row, sizeof row, "干部%d,139%08d,区直机关第%d单位,科长,%s\n", i, i, i % 50, group.c_str());
    csv += row;
  }
  return csv;
}

// 100,000 lines of one distinct placeholder each: 1,000,000 bytes of body, the 1 MiB limit.
std::string megabyte_template_body() {
  std::string body;
  body.reserve(1'000'000);
  std::string name(4, 'a');
  for (int i = 0; i < 100'000; ++i) {
    int n = i;
    for (int k = 3; k >= 0; --k, n /= 26) name[static_cast<std::size_t>(k)] = static_cast<char>('a' + n % 26);
    body += "{{" + name + "}}\n";
  }
  return body;
}

struct Timed {
  std::string what;
  long status = 0;
  double ms = 0;
};

Timed timed_request(Daemon& d, const std::string& what, const std::string& method, const std::string& path,
                    const std::string& body, const std::vector<std::string>& headers = {}) {
  t::ApiClient c(d.port());
  const auto start = Clock::now();
  const auto reply = c.request(method, path, d.token(), body, headers);
  Timed r{what, reply.status, ms_between(start, Clock::now())};
  if (reply.status < 200 || reply.status >= 300)
    std::cerr << what << ": HTTP " << reply.status << " " << reply.body.substr(0, 300) << reply.error << '\n';
  return r;
}

int phase_stall(const Options& o) {
  heading("stall: /healthz while the heaviest single requests run (issue 9, point 8)");
  Setup s;
  s.carrier_enabled = false;  // acceptance only: dispatch work would blur what one request costs
  Daemon d(o, "smsgw-stall", s);
  d.start();

  const std::string big = megabyte_template_body();
  const std::string tmpl_post = json{{"name", "big"}, {"body", big}}.dump();
  const std::string tmpl_put = json{{"name", "big"}, {"body", big + "完"}}.dump();
  const std::string notice =
      json{{"name", "notice"}, {"body", "{{name}}同志：请于{{when}}参加廉政工作会议。"}}.dump();
  const std::string fanout =
      json{{"groups", {"all"}}, {"template", "notice"}, {"params", {{"when", "明天上午九点"}}}}.dump();
  const std::vector<std::string> csv_header = {"Content-Type: text/csv; charset=utf-8"};
  std::vector<std::string> csvs;
  for (int f = 0; f < 10; ++f) csvs.push_back(import_csv(f * 10'000, 10'000, "all"));
  const std::string extra_csv = import_csv(100'000, 10'000, "extra");
  progress("stall: template body " + std::to_string(tmpl_post.size()) + " bytes, CSV " +
           std::to_string(csvs[0].size()) + " bytes");

  Pinger pinger(d.port());
  pinger.start();
  struct Row {
    std::string name;
    std::vector<Timed> requests;
    Pinger::Window w;
    std::string load;
  };
  std::vector<Row> rows;
  auto measure = [&](const std::string& name, const std::function<std::vector<Timed>()>& work) {
    progress("stall: " + name);
    const auto from = Clock::now();
    auto requests = work();
    // A little idle time in every window: pings held up by the last answer finish inside it.
    std::this_thread::sleep_for(milliseconds(100));
    const auto to = Clock::now();
    rows.push_back(Row{name, std::move(requests), pinger.window(from, to), loadavg()});
  };

  measure("idle (" + std::to_string(o.seconds > 0 ? o.seconds : 2) + " s)", [&] {
    std::this_thread::sleep_for(std::chrono::seconds(o.seconds > 0 ? o.seconds : 2));
    return std::vector<Timed>{};
  });
  measure("10 x import of 10,000 new rows", [&] {
    std::vector<Timed> r;
    for (const auto& csv : csvs)
      r.push_back(timed_request(d, "import", "POST", "/v1/recipients/import", csv, csv_header));
    return r;
  });
  measure("1 MiB template: POST, then PUT", [&] {
    return std::vector<Timed>{timed_request(d, "POST template", "POST", "/v1/templates", tmpl_post),
                              timed_request(d, "PUT template", "PUT", "/v1/templates/big", tmpl_put)};
  });
  timed_request(d, "notice template", "POST", "/v1/templates", notice);
  measure("fan-out to 100,000 (template per recipient)", [&] {
    return std::vector<Timed>{timed_request(d, "fan-out", "POST", "/v1/messages", fanout)};
  });
  // Not in the issue's list, but single requests of the same size on other routes.
  std::vector<std::uint64_t> numbers;
  for (int i = 0; i < 65'000; ++i) numbers.push_back(13300000000ULL + static_cast<std::uint64_t>(i));
  const std::string long_send = send_body(numbers);
  measure("also: send listing 65,000 numbers in \"to\"", [&] {
    return std::vector<Timed>{timed_request(d, "send", "POST", "/v1/messages", long_send)};
  });
  json values = json::object();
  std::string name(4, 'a');
  for (int i = 0; i < 100'000; ++i) {
    int n = i;
    for (int k = 3; k >= 0; --k, n /= 26) name[static_cast<std::size_t>(k)] = static_cast<char>('a' + n % 26);
    values[name] = "";
  }
  const std::string preview = json{{"params", values}}.dump();
  measure("also: preview of it with 100,000 params", [&] {
    return std::vector<Timed>{timed_request(d, "preview", "POST", "/v1/templates/big/preview", preview)};
  });
  measure("also: GET of the 1 MiB template", [&] {
    return std::vector<Timed>{timed_request(d, "GET", "GET", "/v1/templates/big", "")};
  });
  measure("all three at once (import, 1 MiB PUT, fan-out)", [&] {
    std::vector<Timed> r(3);
    std::thread a([&] { r[0] = timed_request(d, "import", "POST", "/v1/recipients/import", extra_csv, csv_header); });
    std::thread b([&] { r[1] = timed_request(d, "PUT template", "PUT", "/v1/templates/big", tmpl_post); });
    std::thread c([&] { r[2] = timed_request(d, "fan-out", "POST", "/v1/messages", fanout); });
    a.join();
    b.join();
    c.join();
    return r;
  });
  pinger.stop();

  std::printf("%-48s %7s %8s %8s %8s %6s  %-36s %s\n", "while", "pings", "p50 ms", "p99 ms", "max ms",
              ">50ms", "requests: status, ms", "load avg");
  for (const auto& r : rows) {
    std::string reqs;
    for (const auto& q : r.requests) {
      if (!reqs.empty()) reqs += "; ";
      reqs += q.what + " " + std::to_string(q.status) + " " + fixed(q.ms);
    }
    if (r.requests.size() > 3) {
      // Ten imports: the range, not every one.
      double lo = 1e18, hi = 0;
      std::string statuses;
      for (const auto& q : r.requests) {
        lo = std::min(lo, q.ms);
        hi = std::max(hi, q.ms);
        if (q.status != 200) statuses += " " + std::to_string(q.status);
      }
      reqs = std::to_string(r.requests.size()) + " x import " + (statuses.empty() ? "200" : "!" + statuses) +
             " " + fixed(lo) + "-" + fixed(hi);
    }
    std::printf("%-48s %7zu %8.2f %8.2f %8.1f %6zu  %-36s %s\n", r.name.c_str(), r.w.latency.n, r.w.latency.p50,
                r.w.latency.p99, r.w.latency.max, r.w.over_50ms, reqs.c_str(), r.load.c_str());
    if (r.w.failed) std::printf("  (%zu /healthz requests failed)\n", r.w.failed);
  }
  std::printf("target: no /healthz answer slower than 50 ms (p99 and max <= 50 ms) in any row\n");
  d.stop();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Phase growth: the database stays bounded under a steady load with a short retention.

int phase_growth(const Options& o) {
  const int seconds = o.seconds > 0 ? o.seconds : 120;
  heading("growth: database size under a steady load, [retention] messages = \"20s\" (issue 9, point 9)");
  t::FakeHttpCarrier carrier(t::FakeHttpCarrier::Options{0, /*record=*/false});
  Setup s;
  s.carrier_url = carrier.url("/send");
  s.retention = "messages = \"20s\"\nidempotency_keys = \"20s\"\ninterval = \"2s\"\nbatch = 1000\n";
  Daemon d(o, "smsgw-growth", s);
  d.start();

  PacedLoad::Settings ls;
  ls.port = d.port();
  ls.token = d.token();
  ls.rate = o.rate;
  ls.per_request = 10;
  ls.threads = 2;
  ls.idempotency_keys = true;
  PacedLoad load(ls);
  progress("growth: " + std::to_string(o.rate) + " msg/s (requests of 10 with an Idempotency-Key) for " +
           std::to_string(seconds) + " s");
  const auto start = Clock::now();
  load.start();

  struct Sample {
    double t;
    std::uint64_t accepted;
    std::uintmax_t db, wal;
    double rows, queued, pruned_messages, pruned_attempts, pruned_batches, pruned_keys, metric_bytes;
    std::string load;
  };
  std::vector<Sample> samples;
  for (int k = 0;; ++k) {
    std::this_thread::sleep_until(start + std::chrono::seconds(2 * k));
    const std::string m = d.metrics();
    Sample x;
    x.t = seconds_between(start, Clock::now());
    x.accepted = load.accepted_messages();
    x.db = file_bytes(d.db_path());
    x.wal = file_bytes(d.db_path() + "-wal");
    x.rows = metric(m, "smsgw_messages");
    x.queued = metric(m, "smsgw_messages{status=\"queued\"}") + metric(m, "smsgw_messages{status=\"sending\"}");
    x.pruned_messages = metric(m, "smsgw_retention_pruned_rows_total{table=\"messages\"}");
    x.pruned_attempts = metric(m, "smsgw_retention_pruned_rows_total{table=\"attempts\"}");
    x.pruned_batches = metric(m, "smsgw_retention_pruned_rows_total{table=\"batches\"}");
    x.pruned_keys = metric(m, "smsgw_retention_pruned_rows_total{table=\"idempotency_keys\"}");
    x.metric_bytes = metric(m, "smsgw_store_database_bytes");
    x.load = loadavg();
    samples.push_back(x);
    if (2 * k >= seconds) break;
  }
  load.stop();
  const std::uint64_t failed = load.failed_requests();

  std::printf("%6s %10s %8s %8s %9s %9s %8s %10s %10s %9s %9s  %s\n", "t s", "accepted", "db MiB", "wal MiB",
              "sum MiB", "rows", "unsent", "pruned msg", "pruned att", "pruned b", "pruned k", "load avg");
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& x = samples[i];
    if (i % 3 != 0 && i + 1 != samples.size()) continue;  // every 6 s, and the last
    std::printf("%6.0f %10llu %8.2f %8.2f %9.2f %9.0f %8.0f %10.0f %10.0f %9.0f %9.0f  %s\n", x.t,
                static_cast<unsigned long long>(x.accepted), mib(x.db), mib(x.wal), mib(x.db + x.wal), x.rows, x.queued,
                x.pruned_messages, x.pruned_attempts, x.pruned_batches, x.pruned_keys, x.load.c_str());
  }
  // Plateau: the largest size in the second half against the largest in the third quarter
  // (both well after the first pruning round at ~22 s), and the growth rate before any pruning.
  auto max_in = [&](double from, double to) {
    std::uintmax_t m = 0;
    for (const auto& x : samples)
      if (x.t >= from && x.t <= to) m = std::max(m, x.db + x.wal);
    return m;
  };
  const double T = samples.back().t;
  const auto q3 = max_in(T / 2, 3 * T / 4), q4 = max_in(3 * T / 4, T + 1);
  const auto early = max_in(0, 20);
  std::printf("accepted %llu messages (%llu requests refused or failed), %.0f msg/s\n",
              static_cast<unsigned long long>(load.accepted_messages()), static_cast<unsigned long long>(failed),
              static_cast<double>(load.accepted_messages()) / T);
  std::printf("db+WAL: %.2f MiB at 20 s (no pruning yet), largest %.2f MiB in %.0f-%.0f s, %.2f MiB in %.0f-%.0f s: "
              "%+.1f %% over the last quarter\n",
              mib(early), mib(q3), T / 2, 3 * T / 4, mib(q4), 3 * T / 4, T,
              q3 ? 100.0 * (static_cast<double>(q4) - static_cast<double>(q3)) / static_cast<double>(q3) : 0.0);
  std::printf("smsgw_retention_pruned_rows_total at the end: messages %.0f, attempts %.0f, batches %.0f, "
              "idempotency_keys %.0f; smsgw_store_database_bytes %.2f MiB\n",
              samples.back().pruned_messages, samples.back().pruned_attempts, samples.back().pruned_batches,
              samples.back().pruned_keys, mib(static_cast<std::uintmax_t>(samples.back().metric_bytes)));
  std::printf("target: bounded, i.e. the size stops growing once pruning keeps up (within +-5 %% over the "
              "last quarter)\n");
  d.stop();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Phase faults: one carrier, 3,000 urgent messages, with and without errors.

// spdlog's "%Y-%m-%dT%H:%M:%S.%e%z" at the start of a daemon log line, as a time point.
std::optional<Wall::time_point> log_time(const std::string& line) {
  int y, mo, d, h, mi, s, ms;
  char sign = 0;
  int oh = 0, om = 0;
  if (std::sscanf(line.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c%2d:%2d", &y, &mo, &d, &h, &mi, &s, &ms, &sign, &oh,
                  &om) < 9)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t utc = ::timegm(&tm);
  const int offset_s = (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  return Wall::from_time_t(utc - offset_s) + milliseconds(ms);
}

struct BreakerEvent {
  Wall::time_point at;
  std::string kind;  // open | half-open | closed
  long open_ms = 0;
};

std::vector<BreakerEvent> breaker_events(const std::string& log) {
  std::vector<BreakerEvent> events;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = log_time(line);
    if (!at) continue;
    if (auto p = line.find("circuit breaker open for "); p != std::string::npos) {
      events.push_back({*at, "open", std::strtol(line.c_str() + p + 25, nullptr, 10)});
    } else if (line.find("circuit breaker half-open") != std::string::npos) {
      events.push_back({*at, "half-open"});
    } else if (line.find("circuit breaker closed") != std::string::npos) {
      events.push_back({*at, "closed"});
    }
  }
  return events;
}

struct FaultResult {
  std::string name;
  int max_requests_per_message = 0;
  double backoff_s = 0;  // the longest backoff sum of that message (jitter at its maximum)
  double seconds = 0;  // from the first POST to the last message's 200
  double seconds_95 = 0;
  std::size_t delivered = 0;
  std::size_t requests = 0;
  std::size_t errors = 0;
  double failed = 0, opened = 0, throttled = 0;
  int pauses = 0;  // "carrier fake: throttled (...); pausing it for N ms" lines in the daemon log
  std::string load;
};

constexpr int kFaultMessages = 3000;

// The carrier's config for every fault run: a realistic per-account rate, so the fault-free
// run takes about 2 s and failed attempts cost the same rate tokens as successful ones.
Setup fault_setup(const std::string& url) {
  Setup s;
  s.carrier_url = url;
  s.rate = 1500;
  s.burst = 150;
  s.log_level = "info";
  s.max_attempts = 10;
  s.base_delay = "200ms";
  s.max_delay = "2s";
  return s;
}

// Posts kFaultMessages urgent messages in three requests of 1,000; returns the time just before.
Clock::time_point post_fault_messages(Daemon& d, std::uint64_t first) {
  t::ApiClient c(d.port());
  const auto start = Clock::now();
  for (int r = 0; r < kFaultMessages / 1000; ++r) {
    std::vector<std::uint64_t> numbers;
    for (int i = 0; i < 1000; ++i) numbers.push_back(first + static_cast<std::uint64_t>(r * 1000 + i));
    const auto reply = c.request("POST", "/v1/messages", d.token(), send_body(numbers));
    if (reply.status != 202)
      throw std::runtime_error("POST /v1/messages: HTTP " + std::to_string(reply.status) + " " + reply.body + reply.error);
  }
  return start;
}

FaultResult finish_fault_run(const std::string& name, Daemon& d, CarrierLog& log, Clock::time_point start) {
  FaultResult r;
  r.name = name;
  const auto entries = log.entries();
  std::unordered_set<std::int64_t> seen;
  for (const auto& e : entries) {
    ++r.requests;
    if (e.status != 200) {
      ++r.errors;
      continue;
    }
    if (!seen.insert(e.id).second) continue;
    const double s = seconds_between(start, e.at);
    if (seen.size() == static_cast<std::size_t>(kFaultMessages * 95 / 100)) r.seconds_95 = s;
    r.seconds = std::max(r.seconds, s);
  }
  r.delivered = seen.size();
  // The tail: a message that failed k times waits min(200 ms * 2^(i-1), 2 s) times a jitter of
  // 0.5..1 after its i-th failure (fault_setup), however idle the carrier is.
  std::unordered_map<std::int64_t, int> per_message;
  for (const auto& e : entries) r.max_requests_per_message = std::max(r.max_requests_per_message, ++per_message[e.id]);
  for (int i = 1; i < r.max_requests_per_message; ++i)
    r.backoff_s += std::min(0.2 * static_cast<double>(1 << std::min(i - 1, 20)), 2.0);
  const std::string m = d.metrics();
  r.failed = metric(m, "smsgw_messages{status=\"failed\"}") + metric(m, "smsgw_messages{status=\"expired\"}");
  r.opened = metric(m, "smsgw_carrier_breaker_opened_total");
  r.throttled = metric(m, "smsgw_carrier_sends_total{carrier=\"fake\",outcome=\"throttled\"}");
  std::istringstream daemon_log(d.process().log());
  for (std::string line; std::getline(daemon_log, line);) r.pauses += line.find("; pausing it for ") != std::string::npos;
  r.load = loadavg();
  return r;
}

FaultResult fault_run(const Options& o, const std::string& name, CarrierLog::Mode mode, double p,
                      t::FakeHttpCarrier& carrier, CarrierLog& log) {
  progress("faults: " + name);
  log.clear();
  log.set_mode(mode, p);
  Daemon d(o, "smsgw-faults", fault_setup(carrier.url("/send")));
  d.start();
  const auto start = post_fault_messages(d, 13100000000ULL);
  if (!log.wait_delivered(kFaultMessages, std::chrono::seconds(180)))
    std::cerr << name << ": only " << log.delivered() << " of " << kFaultMessages << " delivered in 180 s\n";
  auto r = finish_fault_run(name, d, log, start);
  d.stop();
  return r;
}

int phase_faults(const Options& o) {
  heading("faults: 3,000 urgent messages, one http carrier at rate 1500/s, burst 150 (issue 9, point 11)");
  std::printf("retry: max_attempts 10, base_delay 200ms, max_delay 2s; breaker defaults (>= 50 %% of >= 20 "
              "attempts in 10 s; open 1 s doubling to 30 s)\n");
  t::FakeHttpCarrier carrier(t::FakeHttpCarrier::Options{0, /*record=*/false});
  CarrierLog log;
  log.attach(carrier);

  std::vector<FaultResult> results;
  results.push_back(fault_run(o, "fault-free", CarrierLog::Mode::ok, 0, carrier, log));
  results.push_back(fault_run(o, "30 % random 503", CarrierLog::Mode::random_503, 0.3, carrier, log));
  results.push_back(fault_run(o, "30 % random 429 (Retry-After: 1)", CarrierLog::Mode::random_429, 0.3, carrier, log));
  const double base_rate = kFaultMessages / std::max(results[0].seconds, 1e-3);

  std::printf("%-34s %9s %9s %10s %7s %9s %8s %6s %6s %10s  %s\n", "run", "all s", "95 % s", "delivered", "msg/s",
              "of clean", "requests", "errors", "failed", "breaker op", "load avg");
  for (const auto& r : results) {
    const double rate = r.delivered / std::max(r.seconds, 1e-3);
    std::printf("%-34s %9.2f %9.2f %5zu/%-4d %7.0f %8.0f%% %8zu %6zu %6.0f %10.0f  %s\n", r.name.c_str(), r.seconds,
                r.seconds_95, r.delivered, kFaultMessages, rate, 100 * rate / base_rate, r.requests, r.errors,
                r.failed, r.opened, r.load.c_str());
  }
  const auto& r503 = results[1];
  std::printf("503 run: the last 5 %% took %.2f s; at most %d requests for one message (a working carrier's "
              "failed message is retried after retry.working_carrier_delay, 50-100 ms; with growing backoff "
              "it would have waited %.1f-%.1f s)\n",
              r503.seconds - r503.seconds_95, r503.max_requests_per_message, r503.backoff_s / 2, r503.backoff_s);
  const auto& r429 = results[2];
  std::printf("429 run: %.0f sends throttled (attempts kept); the carrier was paused %d times for its Retry-After "
              "(1 s); at most %d requests for one message\n",
              r429.throttled, r429.pauses, r429.max_requests_per_message);
  std::printf("target (30 %% 503): every message delivered, msg/s >= 60 %% of the fault-free run\n");

  // 100 % errors for a while, then the carrier recovers.
  const int window_s = o.seconds > 0 ? o.seconds : 10;
  progress("faults: 100 % 503 for " + std::to_string(window_s) + " s, then 200");
  log.clear();
  log.set_mode(CarrierLog::Mode::all_503);
  Daemon d(o, "smsgw-faults", fault_setup(carrier.url("/send")));
  d.start();
  const auto start = post_fault_messages(d, 13200000000ULL);
  const auto wall_start = Wall::now() - std::chrono::duration_cast<Wall::duration>(Clock::now() - start);
  std::this_thread::sleep_until(start + std::chrono::seconds(window_s));
  const auto recovered_at = Wall::now();
  log.set_mode(CarrierLog::Mode::ok);
  const bool all = log.wait_delivered(kFaultMessages, std::chrono::seconds(120));
  const auto end_metrics = d.metrics();
  d.stop();
  const auto entries = log.entries();
  const auto events = breaker_events(d.process().log());

  auto wall_s = [&](Wall::time_point at) { return std::chrono::duration<double>(at - wall_start).count(); };
  std::printf("\n100 %% 503 from the first request until t = %d s, then 200 (t from the first POST; "
              "breaker times from the daemon log, ms resolution):\n", window_s);
  const Wall::time_point first_request = entries.empty() ? wall_start : entries.front().wall;
  std::optional<Wall::time_point> first_open;
  for (const auto& e : events)
    if (e.kind == "open") {
      first_open = e.at;
      break;
    }
  std::size_t before_open = 0;
  for (const auto& e : entries)
    if (!first_open || e.wall < *first_open) ++before_open;
  if (first_open) {
    std::printf("  first carrier request at %.3f s; breaker open at %.3f s: %.0f ms after the first error "
                "(target <= 2000 ms); %zu requests reached the carrier before it opened\n",
                wall_s(first_request), wall_s(*first_open),
                std::chrono::duration<double, std::milli>(*first_open - first_request).count(), before_open);
  } else {
    std::printf("  the breaker never opened (target: within 2 s)\n");
  }
  // Each open period [open, open + N ms): requests arriving inside it were wasted. Between its
  // end and the next open (or the close) only the probe should arrive.
  std::printf("  %-8s %9s %8s %16s %14s %22s\n", "open at", "for ms", "ends at", "requests inside", "last at +ms",
              "then, until next open");
  std::size_t wasted = 0;
  std::size_t wasted_in_transit = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].kind != "open") continue;
    const auto from = events[i].at;
    const auto to = from + milliseconds(events[i].open_ms);
    std::optional<Wall::time_point> next;
    bool closes = false;
    for (std::size_t j = i + 1; j < events.size(); ++j)
      if (events[j].kind == "open" || events[j].kind == "closed") {
        next = events[j].at;
        closes = events[j].kind == "closed";
        break;
      }
    std::size_t inside = 0, transit = 0, after = 0;
    double last_inside = 0;
    bool probe_succeeded = false;
    for (const auto& e : entries) {
      // The log's millisecond truncation: an arrival in the same millisecond as the opening
      // line may precede it.
      if (e.wall >= from + milliseconds(1) && e.wall < to) {
        ++inside;
        last_inside = std::max(last_inside, std::chrono::duration<double, std::milli>(e.wall - from).count());
        if (e.wall < from + milliseconds(20)) ++transit;
      } else if (e.wall >= to && (!next || e.wall < *next + milliseconds(1)) && !probe_succeeded) {
        // Before a close, count up to the probe that succeeded: what follows it in the same
        // millisecond is the closed carrier's traffic.
        ++after;
        probe_succeeded = closes && e.status == 200;
      }
    }
    wasted += inside;
    wasted_in_transit += transit;
    std::printf("  %7.3fs %9ld %7.3fs %16zu %14.1f %22zu %s\n", wall_s(from), events[i].open_ms, wall_s(to), inside,
                last_inside, after, closes ? "(the probe closed it)" : next ? "" : "(to the end)");
  }
  std::printf("  breaker opened %zu times (smsgw_carrier_breaker_opened_total %.0f); %zu requests arrived while "
              "it was open (%zu of them within 20 ms of an opening: sent before it)\n",
              static_cast<std::size_t>(std::count_if(events.begin(), events.end(),
                                                     [](const BreakerEvent& e) { return e.kind == "open"; })),
              metric(end_metrics, "smsgw_carrier_breaker_opened_total"), wasted, wasted_in_transit);
  std::optional<Wall::time_point> closed;
  for (const auto& e : events)
    if (e.kind == "closed" && e.at >= recovered_at - milliseconds(1)) {
      closed = e.at;
      break;
    }
  Wall::time_point last{};
  for (const auto& e : entries)
    if (e.status == 200) last = std::max(last, e.wall);
  std::printf("  carrier back at %.3f s; breaker closed at %s; %zu/%d delivered%s, the last at %.3f s; "
              "%.0f failed; %zu requests in all\n",
              wall_s(recovered_at), closed ? (fixed(wall_s(*closed), 3) + " s").c_str() : "(never)",
              log.delivered(), kFaultMessages, all ? "" : " (timed out)", wall_s(last),
              metric(end_metrics, "smsgw_messages{status=\"failed\"}"), entries.size());
  std::printf("  target: opens within 2 s; while open no requests but one probe per half-open; load avg %s\n",
              loadavg().c_str());
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Phase crash: kill -9 under load.

int phase_crash(const Options& o) {
  heading("crash: " + std::to_string(o.kills) + " x kill -9 under a " + std::to_string(o.rate) +
          " msg/s load (issue 9, point 12)");
  t::FakeHttpCarrier carrier(t::FakeHttpCarrier::Options{0, /*record=*/false});
  CarrierLog log;
  log.attach(carrier);
  Setup s;
  s.carrier_url = carrier.url("/send");
  s.rate = std::max(2000, 2 * o.rate);
  Daemon d(o, "smsgw-crash", s);
  d.start();
  std::printf("carrier rate %.0f/s (twice the load); 1 message per request, 16 client threads; kill -9 at a "
              "random time 1-3 s after each restart became healthy\n",
              s.rate);

  PacedLoad::Settings ls;
  ls.port = d.port();
  ls.token = d.token();
  ls.rate = o.rate;
  ls.per_request = 1;
  // Each request waits for a group commit (an fsync): enough threads that the offered rate
  // holds even when a commit takes 10 ms.
  ls.threads = 16;
  PacedLoad load(ls);
  const auto start = Clock::now();
  load.start();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> up_ms(1000, 3000);
  std::vector<double> downtime_ms;
  for (int k = 0; k < o.kills; ++k) {
    std::this_thread::sleep_for(milliseconds(up_ms(rng)));
    d.process().kill9();
    const auto killed = Clock::now();
    d.start();
    downtime_ms.push_back(ms_between(killed, Clock::now()));
    progress("crash: kill " + std::to_string(k + 1) + "/" + std::to_string(o.kills) + ", back in " +
             fixed(downtime_ms.back()) + " ms");
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  load.stop();
  const double load_s = seconds_between(start, Clock::now());

  // Drain: every accepted message must arrive, and the queue must be empty (messages committed
  // just before a kill whose 202 never reached the client are sent too).
  auto ids = load.ids();
  std::unordered_set<std::int64_t> accepted(ids.begin(), ids.end());
  const auto drain_deadline = Clock::now() + std::chrono::seconds(60);
  for (;;) {
    const auto received = log.received();
    std::size_t missing = 0;
    for (auto id : accepted) missing += received.count(id) == 0;
    const std::string m = d.metrics();
    const double open = metric(m, "smsgw_messages{status=\"queued\"}") + metric(m, "smsgw_messages{status=\"sending\"}");
    if ((missing == 0 && open == 0) || Clock::now() > drain_deadline) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  const std::string m = d.metrics();
  d.stop();

  const auto received = log.received();
  std::size_t lost = 0, resent = 0, extra_sends = 0, unknown = 0;
  for (auto id : accepted) lost += received.count(id) == 0;
  for (const auto& [id, n] : received) {
    if (n > 1) {
      ++resent;
      extra_sends += static_cast<std::size_t>(n - 1);
    }
    if (!accepted.count(id)) ++unknown;
  }
  const auto down = percentiles(downtime_ms);
  std::printf("accepted (202) %zu messages in %.1f s (%.0f msg/s over the run, downtime included), %llu requests "
              "failed (daemon down)\n",
              accepted.size(), load_s, static_cast<double>(accepted.size()) / load_s,
              static_cast<unsigned long long>(load.failed_requests()));
  std::printf("restart to healthy: median %.0f ms, max %.0f ms\n", down.p50, down.max);
  std::printf("received by the carrier: %zu distinct messages, %zu requests; %zu committed without a 202 "
              "reaching the client (killed in between)\n",
              received.size(), log.received_count(), unknown);
  std::printf("lost (accepted, never received): %zu (target 0)\n", lost);
  std::printf("re-sent (received more than once): %zu messages, %zu extra requests = %.3f %% of accepted "
              "(target <= 0.5 %%); %.1f per kill\n",
              resent, extra_sends, accepted.empty() ? 0.0 : 100.0 * static_cast<double>(resent) / accepted.size(),
              static_cast<double>(resent) / o.kills);
  std::printf("queue after drain: queued %.0f, sending %.0f, sent %.0f, failed %.0f; load avg %s\n",
              metric(m, "smsgw_messages{status=\"queued\"}"), metric(m, "smsgw_messages{status=\"sending\"}"),
              metric(m, "smsgw_messages{status=\"sent\"}"), metric(m, "smsgw_messages{status=\"failed\"}"),
              loadavg().c_str());
  return 0;
}

int run(const Options& o) {
  if (!std::filesystem::exists(o.smsgwd)) {
    std::cerr << "hardening_bench: no smsgwd at " << o.smsgwd << " (build it, or pass --smsgwd PATH)\n";
    return 1;
  }
  std::cout << machine_line() << "\nsmsgwd: " << o.smsgwd << "\nload average at start: " << loadavg() << '\n';
  const bool all = o.phase == "all";
  if (all || o.phase == "stall") phase_stall(o);
  if (all || o.phase == "growth") phase_growth(o);
  if (all || o.phase == "faults") phase_faults(o);
  if (all || o.phase == "crash") phase_crash(o);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "hardening_bench: " << e.what() << '\n';
    return 1;
  }
}
