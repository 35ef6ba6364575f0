// carrier_bench: dispatch throughput of the real smsgwd per carrier dialect, each to its fake
// on 127.0.0.1 speaking the carrier's wire protocol (signatures checked), and the daemon's peak
// RSS while it drains.
//
// For each dialect: a fresh data dir; smsgwd starts with the carrier disabled and N messages
// are queued through the API (1,000 per request); smsgwd restarts with the carrier enabled and
// the clock runs from /healthz answering until the fake has accepted all N. Template carriers
// (aliyun, tencent) get one template with the same params for every message, so their
// requests carry as many numbers as the dialect allows (aliyun SendSms 1,000, tencent 200);
// cmcc-mas sends text, 1,000 numbers per request; `http` one message per request and
// `http-batch` 100.
//
// A program, not a test: it prints figures and exits 0 whatever they are; it fails only when
// the set-up fails. bench/README.md explains the numbers; issue 10 sets the targets (>= 50,000
// msg/s batching, >= 20,000 msg/s http one per request, peak RSS < 40 MiB draining 1,000,000).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "common/crypto.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_aliyun.hpp"
#include "support/fake_http_carrier.hpp"
#include "support/fake_mas.hpp"
#include "support/fake_tencent.hpp"
#include "support/http_client.hpp"

#ifndef SMSGWD_PATH
#define SMSGWD_PATH "smsgwd"
#endif

namespace {

namespace t = smsgw::testing;
using smsgw::bench::fixed;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string smsgwd = SMSGWD_PATH;
  std::size_t messages = 200'000;
  std::vector<std::string> dialects = {"http", "http-batch", "cmcc-mas", "aliyun", "tencent"};
  std::size_t drain = 1'000'000;  // the RSS run (cmcc-mas); 0 skips it
  int seconds = 120;              // per dialect, at most
};

// One dialect's fake and how to configure smsgwd for it.
struct Target {
  std::string name;
  std::string carrier_toml;             // the [[carriers]] table, `enabled = ENABLED` placeholder
  bool templates = false;               // send the template, not text
  std::function<std::size_t()> accepted;  // numbers the fake accepted so far
  std::function<std::size_t()> requests;
  std::string target;                   // the figure, for the table
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
    << "scopes = [\"send\", \"read\", \"admin\"]\n\n[limits]\nmax_recipients_per_request = 100000\n\n"
    << replace_all(carrier, "ENABLED", enabled ? "true" : "false")
    << "\n[sms]\nquiet_hours = \"off\"\nsignature = \"【区纪委】\"\n"
    << "\n[retry]\nmax_attempts = 5\nbase_delay = \"1s\"\nmax_delay = \"10s\"\n"
    << "\n[dispatch]\nclaim_batch = 1000\nmax_in_flight = 4000\n";
  return c.str();
}

struct Row {
  std::string dialect, messages, seconds, rate, requests, rss, target, note;
};

Row run_one(const Options& o, Target& target, std::size_t n) {
  Row row;
  row.dialect = target.name;
  row.target = target.target;
  const std::string dir = t::make_temp_dir("smsgw-carrier-bench");
  const std::string token = smsgw::random_hex(24);
  const unsigned short port = t::free_loopback_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string data = dir + "/data";
  std::filesystem::create_directories(data);
  t::DaemonProcess daemon(o.smsgwd, dir, config_for(data, port, smsgw::sha256_hex(token), target.carrier_toml, false));
  if (!daemon.start(base)) throw std::runtime_error("smsgwd did not start:\n" + daemon.log());

  if (target.templates) {
    json tmpl = {{"name", "notice"}, {"body", "各位同志：{{holiday}}将至，请严守廉洁纪律。"}};
    auto r = t::http_request("POST", base + "/v1/templates", token, tmpl.dump());
    if (r.status != 201) throw std::runtime_error("template: " + r.body);
  }
  // Queue n messages, 1,000 unique numbers per request.
  std::uint64_t number = 13000000000ULL;
  std::cerr << target.name << ": queueing " << n << " messages...\n";
  for (std::size_t done = 0; done < n;) {
    const std::size_t k = std::min<std::size_t>(1000, n - done);
    json to = json::array();
    for (std::size_t i = 0; i < k; ++i) to.push_back(std::to_string(number++));
    json body = {{"to", to}, {"priority", "urgent"}};
    if (target.templates) {
      body["template"] = "notice";
      body["params"] = {{"holiday", "春节"}};
    } else {
      body["text"] = "请各位同志于明天上午九点参加廉政工作会议。";
    }
    auto r = t::http_request("POST", base + "/v1/messages", token, body.dump());
    if (r.status != 202) throw std::runtime_error("enqueue: HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300));
    done += k;
  }
  if (!smsgw::bench::stop_daemon(daemon)) throw std::runtime_error("smsgwd did not stop");

  daemon.rewrite_config(config_for(data, port, smsgw::sha256_hex(token), target.carrier_toml, true));
  const std::size_t before = target.accepted(), requests_before = target.requests();
  std::cerr << target.name << ": dispatching " << n << " messages...\n";
  if (!daemon.start(base)) throw std::runtime_error("smsgwd did not restart:\n" + daemon.log());
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(o.seconds);
  std::size_t got = 0;
  long rss = 0;
  // Polling the fake's counter is the measurement: 5 ms resolution.
  while (Clock::now() < deadline && got < n) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    got = target.accepted() - before;
    rss = std::max(rss, smsgw::bench::peak_rss_kib(daemon.pid()));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  rss = std::max(rss, smsgw::bench::peak_rss_kib(daemon.pid()));
  row.messages = std::to_string(got) + "/" + std::to_string(n);
  row.seconds = fixed(seconds, 2);
  row.rate = fixed(static_cast<double>(got) / seconds);
  row.requests = std::to_string(target.requests() - requests_before);
  row.rss = rss > 0 ? fixed(static_cast<double>(rss) / 1024.0, 1) : "-";
  if (got < n) row.note = "time limit reached";
  smsgw::bench::stop_daemon(daemon);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return row;
}

int run(const Options& o) {
  if (!std::filesystem::exists(o.smsgwd)) {
    std::cerr << "carrier_bench: no smsgwd at " << o.smsgwd << " (build it, or pass --smsgwd PATH)\n";
    return 1;
  }
  t::FakeHttpCarrier http(t::FakeHttpCarrier::Options{0, /*record=*/false});
  t::FakeHttpCarrier http_batch(t::FakeHttpCarrier::Options{0, /*record=*/false});
  std::atomic<std::size_t> batch_messages{0};
  http_batch.set_behaviour([&batch_messages](const t::FakeHttpCarrier::Received& r) {
    json results = json::array();
    for (const auto& m : r.json["messages"]) {
      const std::string id = m["id"];
      results.push_back({{"id", id}, {"status", "accepted"}, {"message_id", "b-" + id}});
    }
    batch_messages += results.size();
    return t::FakeHttpCarrier::Reply::of(200, json{{"results", results}}.dump());
  });
  // The fakes keep no record of requests: a million would cost this process memory and time.
  const t::FakeHttpCarrier::Options lean{0, /*record=*/false};
  t::FakeMas mas(t::FakeMas::Account{}, lean);
  t::FakeAliyun aliyun(t::FakeAliyun::Account{"testId", "testSecret", "某某区纪委", {"SMS_100001"}}, lean);
  t::FakeTencent tencent(t::FakeTencent::Account{}, lean);

  std::vector<Target> targets;
  targets.push_back({"http", "[[carriers]]\nname = \"fake\"\ntype = \"http\"\nurl = \"" + http.url("/send") +
                                 "\"\nrate = 1000000\nburst = 1000000\nenabled = ENABLED\ntimeout = \"10s\"\n",
                     false, [&] { return http.count(); }, [&] { return http.count(); }, ">= 20,000 msg/s"});
  targets.push_back({"http-batch", "[[carriers]]\nname = \"fake\"\ntype = \"http\"\nurl = \"" + http_batch.url("/send") +
                                       "\"\nbatch = 100\nrate = 1000000\nburst = 1000000\nenabled = ENABLED\n"
                                       "timeout = \"10s\"\n",
                     false, [&] { return batch_messages.load(); }, [&] { return http_batch.count(); }, ">= 50,000 msg/s"});
  targets.push_back({"cmcc-mas", "[[carriers]]\nname = \"mas\"\ntype = \"cmcc-mas\"\nendpoint = \"" + mas.endpoint() +
                                     "\"\nec_name = \"某某区纪委\"\nap_id = \"apitest\"\nsecret_key = \"pwd123\"\n"
                                     "sign = \"AbCdEfGhI\"\nrate = 1000000\nburst = 1000000\nenabled = ENABLED\n",
                     false, [&] { return mas.accepted_numbers(); }, [&] { return mas.http().count(); }, ">= 50,000 msg/s"});
  targets.push_back({"aliyun", "[[carriers]]\nname = \"ali\"\ntype = \"aliyun\"\nendpoint = \"" + aliyun.endpoint() +
                                   "\"\naccess_key_id = \"testId\"\naccess_key_secret = \"testSecret\"\n"
                                   "sign_name = \"某某区纪委\"\nrate = 1000000\nburst = 1000000\nenabled = ENABLED\n"
                                   "[carriers.templates.notice]\ncode = \"SMS_100001\"\n"
                                   "params = { holiday = \"{{holiday}}\" }\n",
                     true, [&] { return aliyun.accepted_numbers(); }, [&] { return aliyun.http().count(); }, ">= 50,000 msg/s"});
  targets.push_back({"tencent", "[[carriers]]\nname = \"tc\"\ntype = \"tencent\"\nendpoint = \"" + tencent.endpoint() +
                                    "\"\nsecret_id = \"AKIDtestSecretId\"\nsecret_key = \"testSecretKey\"\n"
                                    "sdk_app_id = \"1400006666\"\nsign_name = \"某某区纪委\"\nrate = 1000000\n"
                                    "burst = 1000000\nenabled = ENABLED\n"
                                    "[carriers.templates.notice]\ncode = \"100001\"\nparams = [\"{{holiday}}\"]\n",
                     true, [&] { return tencent.accepted_numbers(); }, [&] { return tencent.http().count(); }, ">= 50,000 msg/s"});

  std::vector<Row> rows;
  try {
    for (auto& target : targets) {
      if (std::find(o.dialects.begin(), o.dialects.end(), target.name) == o.dialects.end()) continue;
      rows.push_back(run_one(o, target, o.messages));
    }
    if (o.drain > 0) {
      for (auto& target : targets) {
        if (target.name != "cmcc-mas") continue;
        Row r = run_one(o, target, o.drain);
        r.dialect = "cmcc-mas (1M queue)";
        r.target = "peak RSS < 40 MiB";
        rows.push_back(r);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "carrier_bench: " << e.what() << '\n';
    return 1;
  }

  std::cout << smsgw::bench::machine_line() << "\nsmsgwd: " << o.smsgwd
            << "\nsettings: fakes in this process on 127.0.0.1, claim_batch 1000, max_in_flight 4000\n\n";
  std::printf("%-22s %16s %9s %10s %9s %13s  %-18s %s\n", "dialect", "messages", "seconds", "msg/s",
              "requests", "peak RSS MiB", "target", "note");
  for (const auto& r : rows) {
    std::printf("%-22s %16s %9s %10s %9s %13s  %-18s %s\n", r.dialect.c_str(), r.messages.c_str(),
                r.seconds.c_str(), r.rate.c_str(), r.requests.c_str(), r.rss.c_str(), r.target.c_str(),
                r.note.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "carrier_bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--smsgwd") {
      o.smsgwd = value();
    } else if (a == "--messages") {
      o.messages = std::stoul(value());
    } else if (a == "--drain") {
      o.drain = std::stoul(value());
    } else if (a == "--seconds") {
      o.seconds = std::stoi(value());
    } else if (a == "--dialects") {
      o.dialects.clear();
      std::stringstream list(value());
      for (std::string d; std::getline(list, d, ',');) o.dialects.push_back(d);
    } else {
      std::cerr << "usage: carrier_bench [--messages N (200000)] [--drain N (1000000; 0 skips)]\n"
                   "                     [--dialects http,http-batch,cmcc-mas,aliyun,tencent] [--seconds S]\n"
                   "                     [--smsgwd PATH]\n";
      return a == "--help" ? 0 : 2;
    }
  }
  return run(o);
}
