// kannel_http_bench: smsgw and Kannel side by side over HTTP in one run (issue 12), the same
// load generator for both: wrk -t2 -c64, one Chinese UCS-2 message per request, a number never
// used before in the run for every request.
//
// - Kannel 1.4.5 from Debian (bearerbox + smsbox, `kannel`, and `fakesmsc` from
//   `kannel-extras`): file store, the `fake` SMSC, messages through /cgi-bin/sendsms; arrivals
//   are fakesmsc's "Got message" lines.
// - smsgw: the real smsgwd (fsync before every 202) with its generic `http` carrier delivering
//   to an nginx (`nginx-light`) that answers 200 {"message_id": "$request_id"}; arrivals are
//   nginx's request count (stub_status).
//
// Per round, Kannel first, then smsgw, each on a fresh data dir per phase:
//   accept  wrk for --seconds against the acceptance endpoint while the carrier delivers:
//           requests/s, p50/p99/max latency (wrk --latency), non-2xx answers, peak RSS;
//   e2e     exactly --messages requests (wrk stops each thread after its share; requests past
//           it go to a path that queues nothing): time from starting wrk to the last arrival.
// Then smsgw alone (Kannel has no counterpart):
//   idle    as accept with the carrier disabled: what acceptance alone reaches and costs;
//   batch   as accept, 100 numbers per request: messages/s accepted while delivering;
//   queue   requests of 100 until --queue messages are queued, the carrier held to 2,000/s:
//           peak RSS while the queue grows; then kill -9 and a restart on the same data dir:
//           time to /healthz 200, and RSS 5 s after it.
// It prints every round, then the ranges and the ratio smsgw / Kannel of the medians, and where
// the two cores went: CPU time per message of the gateway, of its carrier sink and of wrk
// (/proc/<pid>/stat and wrk's rusage over each phase), and the messages delivered meanwhile.
//
// A program, not a test: it prints figures and exits 0 whatever they are; it fails when the
// set-up fails. Without kannel, kannel-extras or nginx-light it measures smsgw alone and says so;
// without wrk it cannot run (apt-get install wrk).

#include <sys/resource.h>

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "common/crypto.hpp"
#include "support/child_process.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"

#ifndef SMSGWD_PATH
#define SMSGWD_PATH "smsgwd"
#endif

namespace {

namespace t = smsgw::testing;
using smsgw::bench::fixed;
using smsgw::bench::url_encode;
using Clock = std::chrono::steady_clock;

constexpr const char* kText = "【区纪委】请各位同志于明天上午九点参加廉政工作会议。";
constexpr const char* kFakeSmsc = "/usr/lib/kannel/test/fakesmsc";
bool g_keep_dirs = false;  // --keep-dirs: leave every run's dir (configs, logs, wrk output)

struct Options {
  std::string smsgwd = SMSGWD_PATH;
  int seconds = 10;            // accept and batch phases
  std::size_t messages = 20'000;  // e2e phase
  std::size_t queue = 1'000'000;  // queue phase: messages queued before the kill -9
  int rounds = 1;
  int connections = 64;
  bool kannel = true;
  bool batch = true;  // the batch phase (smsgw only)
};

struct Figures {
  double rate = 0;  // accept: requests/s; e2e: messages/s
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  long non_2xx = 0;
  double rss_mib = 0;
  // queue phase: /healthz 200 after kill -9 and restart, and RSS 5 s after it
  double ready_s = 0, rss_restarted_mib = 0;
  // CPU time per message (all cores, microseconds) over the phase: the gateway's processes,
  // its carrier sink (nginx; Kannel's fakesmsc) and the load generator; and how many messages
  // reached the sink per second meanwhile.
  double cpu_gateway_us = 0, cpu_sink_us = 0, cpu_wrk_us = 0, cpu_total_us = 0, delivered_rate = 0;
  std::string note;
};

// CPU seconds used so far by a run's gateway and by its sink.
struct CpuUse {
  double gateway = 0, sink = 0;
};

// CPU seconds of the children reaped so far (wrk, once it has exited).
double children_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_CHILDREN, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// Measures a phase's CPU: construct before wrk starts, finish() once it has been reaped.
template <typename Run>
class CpuMeter {
 public:
  explicit CpuMeter(Run& run) : run_(run), start_(run.cpu()), wrk_(children_cpu_seconds()) {}
  void finish(double messages, Figures& f) {
    if (messages <= 0) return;
    const CpuUse end = run_.cpu();
    f.cpu_gateway_us = (end.gateway - start_.gateway) * 1e6 / messages;
    f.cpu_sink_us = (end.sink - start_.sink) * 1e6 / messages;
    f.cpu_wrk_us = (children_cpu_seconds() - wrk_) * 1e6 / messages;
    f.cpu_total_us = f.cpu_gateway_us + f.cpu_sink_us + f.cpu_wrk_us;
  }

 private:
  Run& run_;
  CpuUse start_;
  double wrk_;
};


void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// wrk's duration figures ("812.00us", "3.20ms", "1.02s") in milliseconds.
double wrk_ms(const std::string& v) {
  const double x = std::strtod(v.c_str(), nullptr);
  if (v.ends_with("us")) return x / 1000.0;
  if (v.ends_with("ms")) return x;
  if (v.ends_with("m")) return x * 60'000.0;
  if (v.ends_with("s")) return x * 1000.0;
  return x;
}

// The parts of wrk's report we print.
void parse_wrk(const std::string& out, Figures& f) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (first == "Latency" && line.find("Distribution") == std::string::npos) {
      std::string avg, stdev, max;
      words >> avg >> stdev >> max;
      f.max_ms = wrk_ms(max);
    } else if (first == "50%") {
      std::string v;
      words >> v;
      f.p50_ms = wrk_ms(v);
    } else if (first == "99%") {
      std::string v;
      words >> v;
      f.p99_ms = wrk_ms(v);
    } else if (first == "Requests/sec:") {
      words >> f.rate;
    } else if (line.find("Non-2xx or 3xx responses:") != std::string::npos) {
      f.non_2xx = std::strtol(line.substr(line.find(':') + 1).c_str(), nullptr, 10);
    }
  }
}

// The wrk script: every request a new number (`first` per thread, per run); with a limit, each
// thread sends `limit` real requests and then only `idle_path` (which queues nothing and is not
// answered 202) until its `limit`-th 202 stops it, so exactly threads x limit messages go in.
std::string wrk_script(const std::string& request_lua, const std::string& idle_path, std::uint64_t first) {
  std::ostringstream s;
  s << "local threads = 0\n"
       "function setup(thread)\n  thread:set('tid', threads)\n  threads = threads + 1\nend\n"
       "local sent, answered, limit, limit_sent, first = 0, 0, 0, 0, 0\n"
       "function init(args)\n  limit = tonumber(args[1] or '0')\n"
       // wrk calls the first thread's request() once before the run to check the request (and
       // drops it): that thread makes one more call to send as many.
       "  if limit > 0 and tid == 0 then limit_sent = limit + 1 else limit_sent = limit end\n  first = "
    << first << " + tid * 10000000\nend\n"
    << "function request()\n  sent = sent + 1\n  if limit > 0 and sent > limit_sent then\n"
       "    return wrk.format('GET', '" << idle_path << "')\n  end\n"
       "  local number = string.format('%.0f', first + sent)\n"
    << request_lua << "end\n"
    << "function response(status, headers, body)\n  if status == 202 then answered = answered + 1 end\n"
       "  if limit > 0 and answered >= limit then wrk.thread:stop() end\nend\n";
  return s.str();
}

struct Wrk {
  std::string path;
  // Runs wrk; `during` is polled every 5 ms. wrk itself always runs for its whole duration
  // (its main thread sleeps it out even when every thread has stopped), so once `during`
  // returns false wrk is stopped with SIGINT, which makes it print its report at once.
  std::string run(const std::string& dir, const std::string& url, const std::string& script, int seconds,
                  int connections, std::size_t limit_per_thread, const std::function<bool()>& during) {
    const std::string script_path = dir + "/load.lua", out_path = dir + "/wrk.out";
    write_file(script_path, script);
    std::filesystem::remove(out_path);
    t::ChildProcess wrk({path, "-t2", "-c" + std::to_string(connections), "-d" + std::to_string(seconds) + "s",
                         "--latency", "--timeout", "10s", "-s", script_path, url, "--",
                         std::to_string(limit_per_thread)},
                        out_path);
    if (!wrk.started()) throw std::runtime_error("wrk did not start");
    while (!wrk.wait_exit(std::chrono::milliseconds(5))) {
      if (during && !during()) {
        wrk.signal(SIGINT);
        if (!wrk.wait_exit(std::chrono::seconds(10))) wrk.signal(SIGKILL);
        break;
      }
    }
    return smsgw::bench::read_text(out_path);
  }
};

// ---- Kannel ---------------------------------------------------------------------------------

struct KannelPaths {
  std::string bearerbox, smsbox, fakesmsc;
};

class KannelRun {
 public:
  explicit KannelRun(const KannelPaths& paths) : dir_(t::make_temp_dir("smsgw-kannel-http")) {
    const unsigned short admin = t::free_loopback_port(), box = t::free_loopback_port(),
                         smsc = t::free_loopback_port();
    sendsms_ = t::free_loopback_port();
    std::ostringstream conf;
    conf << "group = core\nadmin-port = " << admin << "\nadmin-password = bench\nadmin-allow-ip = \"127.0.0.1\"\n"
         << "smsbox-port = " << box << "\nbox-allow-ip = \"127.0.0.1\"\nlog-file = \"" << dir_
         << "/bearerbox.log\"\nlog-level = 4\nstore-type = file\nstore-location = \"" << dir_
         << "/kannel.store\"\ndlr-storage = internal\n\n"
         << "group = smsc\nsmsc = fake\nsmsc-id = fake\nport = " << smsc << "\nconnect-allow-ip = 127.0.0.1\n\n"
         << "group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = " << box << "\nsendsms-port = " << sendsms_
         << "\nlog-file = \"" << dir_ << "/smsbox.log\"\nlog-level = 4\n\n"
         << "group = sendsms-user\nusername = bench\npassword = bench\nmax-messages = 1\n";
    write_file(dir_ + "/kannel.conf", conf.str());
    bearerbox_ = std::make_unique<t::ChildProcess>(std::vector<std::string>{paths.bearerbox, dir_ + "/kannel.conf"},
                                                   dir_ + "/bearerbox.out");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    // fakesmsc sends nothing (-m 0) and prints a "Got message" line for every message it gets.
    fakesmsc_ = std::make_unique<t::ChildProcess>(
        std::vector<std::string>{paths.fakesmsc, "-H", "127.0.0.1", "-r", std::to_string(smsc), "-m", "0", "1 2 text x"},
        dir_ + "/fakesmsc.out");
    smsbox_ = std::make_unique<t::ChildProcess>(std::vector<std::string>{paths.smsbox, dir_ + "/kannel.conf"},
                                                dir_ + "/smsbox.out");
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (t::http_request("GET", url("/cgi-bin/sendsms"), "", "", {}, 1000).status == 0) {
      if (Clock::now() > deadline) throw std::runtime_error("smsbox did not answer (see " + dir_ + ")");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // The fake SMSC must be connected before the clock runs, or the first messages wait for it.
    const auto smsc_deadline = Clock::now() + std::chrono::seconds(20);
    while (smsgw::bench::read_text(dir_ + "/bearerbox.out").find("fake") == std::string::npos &&
           Clock::now() < smsc_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ~KannelRun() {
    for (auto* p : {smsbox_.get(), bearerbox_.get(), fakesmsc_.get()}) {
      if (p != nullptr) p->signal(SIGTERM);
    }
    for (auto* p : {smsbox_.get(), bearerbox_.get(), fakesmsc_.get()}) {
      if (p != nullptr && !p->wait_exit(std::chrono::seconds(10))) p->signal(SIGKILL);
    }
    std::error_code ec;
    if (!g_keep_dirs) std::filesystem::remove_all(dir_, ec);
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(sendsms_) + path; }
  const std::string& dir() const { return dir_; }
  // Messages fakesmsc has received: its "Got message" lines, read on from where we stopped.
  std::size_t arrived() {
    std::ifstream in(dir_ + "/fakesmsc.out");
    in.seekg(static_cast<std::streamoff>(read_at_));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto complete = chunk.rfind('\n');
    if (complete == std::string::npos) return arrived_;
    for (auto at = chunk.find("Got message"); at != std::string::npos && at < complete;
         at = chunk.find("Got message", at + 1)) {
      ++arrived_;
    }
    read_at_ += complete + 1;
    return arrived_;
  }
  double rss_mib() const {
    return static_cast<double>(smsgw::bench::peak_rss_kib(bearerbox_->pid()) + smsgw::bench::peak_rss_kib(smsbox_->pid())) /
           1024.0;
  }
  CpuUse cpu() const {
    return {smsgw::bench::cpu_seconds(bearerbox_->pid()) + smsgw::bench::cpu_seconds(smsbox_->pid()),
            smsgw::bench::cpu_seconds(fakesmsc_->pid())};
  }
  int per_request() const { return 1; }
  std::string request_lua() const {
    return "  return wrk.format('GET', '/cgi-bin/sendsms?username=bench&password=bench&from=10690001"
           "&charset=UTF-8&coding=2&text=" +
           url_encode(kText) + "&to=86' .. number)\n";
  }

 private:
  std::string dir_;
  unsigned short sendsms_ = 0;
  std::unique_ptr<t::ChildProcess> bearerbox_, fakesmsc_, smsbox_;
  std::size_t read_at_ = 0, arrived_ = 0;
};

// ---- smsgw ----------------------------------------------------------------------------------

// nginx answering every request 200 with a unique message id; /status counts them.
class Nginx {
 public:
  Nginx(const std::string& nginx, const std::string& dir) : dir_(dir), port_(t::free_loopback_port()) {
    std::ostringstream c;
    c << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << dir << "/nginx.pid;\nerror_log " << dir
      << "/nginx.err warn;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n"
      << "  client_body_temp_path " << dir << "/body;\n  keepalive_requests 1000000;\n"
      << "  server {\n    listen 127.0.0.1:" << port_ << ";\n    location = /status { stub_status; }\n"
      << "    location / { default_type application/json; return 200 '{\"message_id\":\"$request_id\"}'; }\n  }\n}\n";
    write_file(dir + "/nginx.conf", c.str());
    process_ = std::make_unique<t::ChildProcess>(
        std::vector<std::string>{nginx, "-p", dir, "-c", dir + "/nginx.conf", "-e", dir + "/nginx.err"}, dir + "/nginx.out");
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (t::http_request("GET", url("/status"), "", "", {}, 1000).status != 200) {
      if (Clock::now() > deadline) throw std::runtime_error("nginx did not start (see " + dir + "/nginx.err)");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    base_ = requests();  // counts that request itself; later polls are counted in polls_
    polls_ = 0;
  }
  ~Nginx() {
    process_->signal(SIGQUIT);
    if (!process_->wait_exit(std::chrono::seconds(5))) process_->signal(SIGKILL);
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  // Requests other than our own /status polls since start.
  std::size_t arrived() { return requests() - base_ - polls_; }
  double cpu() const { return smsgw::bench::cpu_seconds(process_->pid()); }

 private:
  std::size_t requests() {
    ++polls_;
    const auto r = t::http_request("GET", url("/status"), "", "", {}, 2000);
    // "Active connections: N \nserver accepts handled requests\n A H R \n..."
    std::istringstream in(r.body);
    std::string line;
    std::getline(in, line);
    std::getline(in, line);
    std::size_t accepts = 0, handled = 0, total = 0;
    in >> accepts >> handled >> total;
    return total;
  }
  std::string dir_;
  unsigned short port_;
  std::unique_ptr<t::ChildProcess> process_;
  std::size_t base_ = 0, polls_ = 0;
};

class SmsgwRun {
 public:
  // `per_request` numbers in each request (one text to all); the carrier takes `rate` msg/s.
  SmsgwRun(const Options& o, const std::string& nginx, int per_request = 1, int rate = 1'000'000, bool deliver = true)
      : dir_(t::make_temp_dir("smsgw-http-side")), token_(smsgw::random_hex(24)), port_(t::free_loopback_port()),
        per_request_(per_request) {
    std::filesystem::create_directories(dir_ + "/data");
    std::filesystem::create_directories(dir_ + "/nginx");
    sink_ = std::make_unique<Nginx>(nginx, dir_ + "/nginx");
    std::ostringstream c;
    c << "[daemon]\ndata_dir = \"" << dir_ << "/data\"\nlog_level = \"warn\"\nshutdown_grace = \"5s\"\n"
      << "calendar_dir = \"\"\n\n[api]\nlisten = \"127.0.0.1:" << port_ << "\"\n\n"
      << "[[api.tokens]]\nname = \"bench\"\nsha256 = \"" << smsgw::sha256_hex(token_) << "\"\n"
      << "scopes = [\"send\", \"read\"]\n\n"
      << "[[carriers]]\nname = \"nginx\"\ntype = \"http\"\nurl = \"" << sink_->url("/send")
      << "\"\nrate = " << rate << "\nburst = " << rate << "\ntimeout = \"10s\"\n"
      << "enabled = " << (deliver ? "true" : "false") << "\n"
      << "\n[sms]\nquiet_hours = \"off\"\nsignature = \"【区纪委】\"\n";
    daemon_ = std::make_unique<t::DaemonProcess>(o.smsgwd, dir_, c.str());
    if (!daemon_->start(base())) throw std::runtime_error("smsgwd did not start:\n" + daemon_->log());
  }
  ~SmsgwRun() {
    smsgw::bench::stop_daemon(*daemon_);
    sink_.reset();
    std::error_code ec;
    if (!g_keep_dirs) std::filesystem::remove_all(dir_, ec);
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_; }
  std::size_t arrived() { return sink_->arrived(); }
  double rss_mib() const { return static_cast<double>(smsgw::bench::peak_rss_kib(daemon_->pid())) / 1024.0; }
  double rss_now_mib() const { return static_cast<double>(smsgw::bench::status_kib(daemon_->pid(), "VmRSS:")) / 1024.0; }
  CpuUse cpu() const { return {smsgw::bench::cpu_seconds(daemon_->pid()), sink_->cpu()}; }
  // kill -9, start again on the same data dir; seconds from the start to /healthz 200.
  double kill9_and_restart() {
    daemon_->kill9();
    const auto start = Clock::now();
    daemon_->spawn();
    const auto deadline = start + std::chrono::seconds(60);
    while (t::http_request("GET", base() + "/healthz", "", "", {}, 1000).status != 200) {
      if (Clock::now() > deadline) throw std::runtime_error("smsgwd not ready 60 s after kill -9:\n" + daemon_->log());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
  }
  // The newest message's id: on a fresh data dir, how many messages were accepted (ids are
  // allocated in order). One indexed row, cheap enough to poll under load (unlike /metrics,
  // whose counts by status scan the queue).
  std::size_t newest_id() {
    const auto r = t::http_request("GET", base() + "/v1/messages?limit=1", token_, "", {}, 5000);
    const std::string key = "\"id\":\"";
    const auto at = r.body.find(key);
    return at == std::string::npos ? 0 : static_cast<std::size_t>(std::atoll(r.body.c_str() + at + key.size()));
  }
  std::size_t queued() {
    const auto r = t::http_request("GET", base() + "/metrics", token_, "", {}, 5000);
    const std::string key = "smsgw_messages{status=\"queued\"} ";
    const auto at = r.body.find(key);
    return at == std::string::npos ? 0 : static_cast<std::size_t>(std::atof(r.body.c_str() + at + key.size()));
  }
  std::string request_lua() const {
    // The text starts with the [sms] signature, so both send the same 27 characters.
    const std::string head = "  return wrk.format('POST', '/v1/messages', {['Authorization'] = 'Bearer " + token_ +
                             "', ['Content-Type'] = 'application/json'}, '{\"to\":[";
    const std::string tail = "],\"text\":\"" + std::string(kText) + "\"}')\n";
    if (per_request_ <= 1) return head + "\"+86' .. number .. '\"" + tail;
    // Numbers first + sent * N .. + N - 1: still unique per thread and request.
    return "  local to = {}\n  for j = 0, " + std::to_string(per_request_ - 1) +
           " do to[#to + 1] = '\"+86' .. string.format('%.0f', first + sent * " + std::to_string(per_request_) +
           " + j) .. '\"' end\n" + head + "' .. table.concat(to, ',') .. '" + tail;
  }
  int per_request() const { return per_request_; }

 private:
  std::string dir_, token_;
  unsigned short port_;
  int per_request_ = 1;
  std::unique_ptr<Nginx> sink_;
  std::unique_ptr<t::DaemonProcess> daemon_;
};

// ---- phases ---------------------------------------------------------------------------------

template <typename Run>
Figures accept_phase(const Options& o, Wrk& wrk, Run& run, const std::string& url, const std::string& idle,
                     std::uint64_t first) {
  Figures f;
  double rss = 0;
  const std::size_t before = run.arrived();
  CpuMeter cpu(run);
  const std::string out = wrk.run(run.dir(), url, wrk_script(run.request_lua(), idle, first), o.seconds,
                                  o.connections, 0, [&] {
                                    rss = std::max(rss, run.rss_mib());
                                    return true;
                                  });
  parse_wrk(out, f);
  cpu.finish(f.rate * o.seconds * run.per_request(), f);
  f.delivered_rate = static_cast<double>(run.arrived() - before) / o.seconds;
  f.rss_mib = std::max(rss, run.rss_mib());
  if (f.rate == 0) f.note = "wrk: " + out.substr(0, 300);
  if (f.non_2xx > 0) f.note = std::to_string(f.non_2xx) + " answers not 2xx";
  return f;
}

template <typename Run>
Figures e2e_phase(const Options& o, Wrk& wrk, Run& run, const std::string& url, const std::string& idle,
                  std::uint64_t first) {
  Figures f;
  const std::size_t n = o.messages - o.messages % 2;  // two threads, equal shares
  const std::size_t before = run.arrived();
  double rss = 0;
  std::size_t got = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(120);
  CpuMeter cpu(run);
  const std::string out = wrk.run(run.dir(), url, wrk_script(run.request_lua(), idle, first), 120, o.connections,
                                  n / 2, [&] {
                                    rss = std::max(rss, run.rss_mib());
                                    got = run.arrived() - before;
                                    return got < n && Clock::now() < deadline;
                                  });
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Figures w;
  parse_wrk(out, w);
  f.rate = static_cast<double>(got) / seconds;
  cpu.finish(static_cast<double>(got), f);
  f.delivered_rate = f.rate;
  f.rss_mib = std::max(rss, run.rss_mib());
  f.non_2xx = w.non_2xx;
  f.note = std::to_string(got) + "/" + std::to_string(n) + " arrived in " + fixed(seconds, 2) + " s";
  return f;
}

// Requests of 100 while delivering: messages/s accepted.
Figures batch_phase(const Options& o, Wrk& wrk, SmsgwRun& run, std::uint64_t first) {
  Figures f = accept_phase(o, wrk, run, run.base() + "/", "/healthz", first);
  f.rate *= run.per_request();
  return f;
}

// Requests of 100 until o.queue messages are queued, the carrier slow (the queue grows): peak
// RSS; then kill -9, restart on the same data dir, time to /healthz 200 and RSS 5 s later.
Figures queue_phase(const Options& o, Wrk& wrk, SmsgwRun& run, std::uint64_t first) {
  Figures f;
  const std::size_t requests = (o.queue + run.per_request() - 1) / run.per_request();
  double rss = 0;
  const auto start = Clock::now();
  const std::size_t total = (requests + 1) / 2 * 2 * static_cast<std::size_t>(run.per_request());
  auto next_poll = Clock::now();
  // wrk runs out its -d after its threads stop: end it when the last batch is committed.
  const std::string out = wrk.run(run.dir(), run.base() + "/", wrk_script(run.request_lua(), "/healthz", first), 300,
                                  o.connections, (requests + 1) / 2, [&] {
                                    rss = std::max(rss, run.rss_mib());
                                    if (Clock::now() < next_poll) return true;
                                    next_poll = Clock::now() + std::chrono::milliseconds(100);
                                    return run.newest_id() < total;
                                  });
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  parse_wrk(out, f);
  f.rss_mib = std::max(rss, run.rss_mib());
  const std::size_t queued = run.queued();
  f.rate = static_cast<double>(total) / seconds;
  f.ready_s = run.kill9_and_restart();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  f.rss_restarted_mib = run.rss_now_mib();
  f.note = std::to_string(queued) + " queued; ready " + fixed(f.ready_s * 1000, 0) + " ms after kill -9; RSS " +
           fixed(f.rss_restarted_mib, 1) + " MiB 5 s later";
  if (f.non_2xx > 0) f.note += "; " + std::to_string(f.non_2xx) + " answers not 2xx";
  return f;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string range(const std::vector<double>& v, int decimals = 0) {
  if (v.empty()) return "-";
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return v.size() == 1 ? fixed(*lo, decimals) : fixed(*lo, decimals) + "-" + fixed(*hi, decimals);
}

int run(const Options& o) {
  if (!std::filesystem::exists(o.smsgwd)) {
    std::cerr << "kannel_http_bench: no smsgwd at " << o.smsgwd << " (build it, or pass --smsgwd PATH)\n";
    return 1;
  }
  const auto wrk_path = t::find_on_path("wrk");
  const auto nginx = t::find_on_path("nginx");
  if (!wrk_path || !nginx) {
    std::cerr << "kannel_http_bench: needs wrk and nginx (apt-get install wrk nginx-light)\n";
    return 1;
  }
  Wrk wrk{*wrk_path};
  const auto bearerbox = t::find_on_path("bearerbox"), smsbox = t::find_on_path("smsbox");
  const bool kannel = o.kannel && bearerbox && smsbox && std::filesystem::exists(kFakeSmsc);
  std::vector<std::string> notes;
  if (o.kannel && !kannel) {
    notes.push_back("Kannel not measured: needs bearerbox, smsbox (apt-get install kannel) and " +
                    std::string(kFakeSmsc) + " (kannel-extras)");
  }
  std::map<std::string, std::vector<Figures>> got;  // "<side> <phase>"
  // 130... to 139...: valid mainland mobile numbers; each phase gets 20,000,000 of them (10,000,000
  // per wrk thread), so 12 rounds of four phases fit.
  std::uint64_t first = 13000000000ULL;
  try {
    for (int round = 0; round < o.rounds; ++round) {
      if (kannel) {
        for (const char* phase : {"accept", "e2e"}) {
          std::cerr << "round " << round + 1 << ": kannel " << phase << "...\n";
          KannelRun k({*bearerbox, *smsbox, kFakeSmsc});
          const std::string url = k.url("/");
          got[std::string("kannel ") + phase].push_back(std::string(phase) == "accept"
                                                            ? accept_phase(o, wrk, k, url, "/", first)
                                                            : e2e_phase(o, wrk, k, url, "/", first));
          first += 20'000'000ULL;
        }
      }
      for (const char* phase : {"accept", "e2e"}) {
        std::cerr << "round " << round + 1 << ": smsgw " << phase << "...\n";
        SmsgwRun s(o, *nginx);
        const std::string url = s.base() + "/";
        got[std::string("smsgw ") + phase].push_back(std::string(phase) == "accept"
                                                         ? accept_phase(o, wrk, s, url, "/healthz", first)
                                                         : e2e_phase(o, wrk, s, url, "/healthz", first));
        first += 20'000'000ULL;
      }
      {
        // The same load with the carrier disabled: what acceptance alone costs and reaches.
        std::cerr << "round " << round + 1 << ": smsgw idle...\n";
        SmsgwRun s(o, *nginx, 1, 1'000'000, false);
        got["smsgw idle"].push_back(accept_phase(o, wrk, s, s.base() + "/", "/healthz", first));
        first += 20'000'000ULL;
      }
      if (o.batch) {
        std::cerr << "round " << round + 1 << ": smsgw batch...\n";
        SmsgwRun s(o, *nginx, 100);
        got["smsgw batch"].push_back(batch_phase(o, wrk, s, first));
        first += 20'000'000ULL;
      }
      if (o.queue > 0) {
        std::cerr << "round " << round + 1 << ": smsgw queue of " << o.queue << "...\n";
        SmsgwRun s(o, *nginx, 100, 2000);
        got["smsgw queue"].push_back(queue_phase(o, wrk, s, first));
        first += 20'000'000ULL;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "kannel_http_bench: " << e.what() << '\n';
    return 1;
  }

  std::cout << smsgw::bench::machine_line() << "\nsmsgwd: " << o.smsgwd << "\nload: wrk -t2 -c" << o.connections
            << ", one UCS-2 message per request, unique numbers; accept " << o.seconds << " s while delivering; e2e "
            << o.messages << " messages, first request to last arrival; " << o.rounds << " round(s), Kannel first\n\n";
  std::printf("%-8s %-7s %5s %12s %9s %9s %9s %9s  %s\n", "side", "phase", "round", "rate/s", "p50 ms", "p99 ms",
              "max ms", "RSS MiB", "note");
  for (const auto& [key, list] : got) {
    const std::string side = key.substr(0, key.find(' ')), phase = key.substr(key.find(' ') + 1);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Figures& f = list[i];
      const bool accept = phase == "accept" || phase == "batch" || phase == "idle";
      std::printf("%-8s %-7s %5zu %12s %9s %9s %9s %9s  %s\n", side.c_str(), phase.c_str(), i + 1,
                  fixed(f.rate).c_str(), accept ? fixed(f.p50_ms, 1).c_str() : "-",
                  accept ? fixed(f.p99_ms, 1).c_str() : "-", accept ? fixed(f.max_ms, 1).c_str() : "-",
                  fixed(f.rss_mib, 1).c_str(), f.note.c_str());
    }
  }
  auto pick = [&](const std::string& key, double Figures::*field) {
    std::vector<double> v;
    for (const auto& f : got[key]) v.push_back(f.*field);
    return v;
  };
  std::cout << "\n";
  std::printf("%-46s %-18s %-18s %s\n", "figure", "Kannel", "smsgw", "smsgw / Kannel (medians)");
  struct Line {
    const char* label;
    const char* phase;
    double Figures::*field;
    const char* target;
  };
  for (const Line& l : {Line{"single-message acceptance while delivering/s", "accept", &Figures::rate, ">= 2"},
                        Line{"acceptance p99 ms (64 connections)", "accept", &Figures::p99_ms, "smsgw <= 10 ms"},
                        Line{"acceptance max ms", "accept", &Figures::max_ms, ""},
                        Line{"end to end msg/s", "e2e", &Figures::rate, ">= 1.5"},
                        Line{"peak RSS MiB, acceptance", "accept", &Figures::rss_mib, "smsgw < 40"},
                        Line{"peak RSS MiB, end to end", "e2e", &Figures::rss_mib, "smsgw < 40"},
                        Line{"100 per request while delivering, msg/s", "batch", &Figures::rate, "smsgw >= 150000"},
                        Line{"peak RSS MiB, 100 per request", "batch", &Figures::rss_mib, "smsgw < 40"},
                        Line{"peak RSS MiB, queue growing to --queue", "queue", &Figures::rss_mib, "smsgw < 40"},
                        Line{"ready s after kill -9 with --queue queued", "queue", &Figures::ready_s, "smsgw < 1"},
                        Line{"RSS MiB 5 s after that restart", "queue", &Figures::rss_restarted_mib, "smsgw < 40"},
                        // Where the two cores went: the ceiling a gateway can reach on them.
                        Line{"delivered/s during acceptance", "accept", &Figures::delivered_rate, ""},
                        Line{"acceptance, carrier disabled/s", "idle", &Figures::rate, ""},
                        Line{"CPU us/msg, carrier disabled: gateway", "idle", &Figures::cpu_gateway_us, ""},
                        Line{"CPU us/msg, carrier disabled: all three", "idle", &Figures::cpu_total_us, ""},
                        Line{"CPU us/msg accept: gateway", "accept", &Figures::cpu_gateway_us, ""},
                        Line{"CPU us/msg accept: carrier sink", "accept", &Figures::cpu_sink_us, ""},
                        Line{"CPU us/msg accept: wrk", "accept", &Figures::cpu_wrk_us, ""},
                        Line{"CPU us/msg accept: all three", "accept", &Figures::cpu_total_us, ""},
                        Line{"CPU us/msg end to end: gateway", "e2e", &Figures::cpu_gateway_us, ""},
                        Line{"CPU us/msg end to end: all three", "e2e", &Figures::cpu_total_us, ""},
                        Line{"delivered/s during 100 per request", "batch", &Figures::delivered_rate, ""},
                        Line{"CPU us/msg 100 per request: gateway", "batch", &Figures::cpu_gateway_us, ""},
                        Line{"CPU us/msg 100 per request: all three", "batch", &Figures::cpu_total_us, ""}}) {
    const auto k = pick(std::string("kannel ") + l.phase, l.field), s = pick(std::string("smsgw ") + l.phase, l.field);
    const std::string ratio = !k.empty() && median(k) > 0 ? fixed(median(s) / median(k), 2) : "-";
    const int decimals = l.field == &Figures::rate ? 0 : l.field == &Figures::ready_s ? 2 : 1;
    std::printf("%-46s %-18s %-18s %s  (target %s)\n", l.label, range(k, decimals).c_str(),
                range(s, decimals).c_str(), ratio.c_str(), l.target);
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
        std::cerr << "kannel_http_bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--smsgwd") {
      o.smsgwd = value();
    } else if (a == "--seconds") {
      o.seconds = std::clamp(std::stoi(value()), 1, 300);
    } else if (a == "--messages") {
      o.messages = std::max<std::size_t>(2, std::stoul(value()));
    } else if (a == "--rounds") {
      o.rounds = std::clamp(std::stoi(value()), 1, 12);
    } else if (a == "--connections") {
      o.connections = std::clamp(std::stoi(value()), 2, 1000);
    } else if (a == "--queue") {
      o.queue = std::min<std::size_t>(std::stoul(value()), 9'000'000);
    } else if (a == "--no-batch") {
      o.batch = false;
    } else if (a == "--no-kannel") {
      o.kannel = false;
    } else if (a == "--keep-dirs") {
      g_keep_dirs = true;
    } else {
      std::cerr << "usage: kannel_http_bench [--seconds S (10)] [--messages N (20000)] [--rounds R (1)]\n"
                   "                         [--connections C (64)] [--queue N (1000000; 0: no queue phase)]\n"
                   "                         [--no-batch] [--no-kannel] [--keep-dirs] [--smsgwd PATH]\n";
      return a == "--help" ? 0 : 2;
    }
  }
  return run(o);
}
