// console_bench: issue 13's speed point. Starts the real smsgwd (a subprocess, 127.0.0.1
// only) with N recipients (default 100,000, imported in CSV files of 10,000 rows), one send to
// all of them and a few small ones, then times every request a console page makes when it
// opens or searches, as the browser makes it (over HTTP, one connection per request). Prints
// the median and slowest of --runs tries per request, and the size of the console's assets.
// A program that prints figures, not a test.
//
//   console_bench [--smsgwd PATH] [--recipients N] [--runs R] [--assets DIR]

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "common/crypto.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"

namespace t = smsgw::testing;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Call {
  const char* page;
  std::string method, path, body;
};

}  // namespace

int main(int argc, char** argv) {
  std::string smsgwd = SMSGWD_PATH;
  std::string assets = SMSGW_SOURCE_DIR "/console";
  int recipients = 100'000;
  int runs = 20;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--smsgwd") && i + 1 < argc) {
      smsgwd = argv[++i];
    } else if (!std::strcmp(argv[i], "--recipients") && i + 1 < argc) {
      recipients = std::max(100, std::min(1'000'000, std::atoi(argv[++i])));
    } else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      runs = std::max(1, std::min(1000, std::atoi(argv[++i])));
    } else if (!std::strcmp(argv[i], "--assets") && i + 1 < argc) {
      assets = argv[++i];
    } else {
      std::cerr << "usage: console_bench [--smsgwd PATH] [--recipients N] [--runs R] [--assets DIR]\n";
      return 2;
    }
  }

  const std::string token = smsgw::random_hex(24);
  const unsigned short port = t::free_loopback_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string dir = t::make_temp_dir("smsgw-console-bench");
  // The carrier is disabled: the big batch stays queued, so the dashboard's queue age and the
  // batch report count 100,000 live rows.
  const std::string config =
      "[daemon]\ndata_dir = \"data\"\nlog_level = \"warn\"\n"
      "[api]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n"
      "[[api.tokens]]\nname = \"bench\"\nsha256 = \"" + smsgw::sha256_hex(token) +
      "\"\nscopes = [\"admin\"]\n"
      "[limits]\nmax_recipients_per_request = 1000000\nmax_body_bytes = \"8MiB\"\n"
      "[sms]\nsignature = \"【区纪委】\"\n"
      "[console]\nassets_dir = \"" + assets + "\"\n"
      "[[carriers]]\nname = \"off\"\ntype = \"http\"\nurl = \"http://127.0.0.1:9/send\"\n"
      "enabled = false\n";
  t::DaemonProcess daemon(smsgwd, dir, config);
  if (!daemon.start(base)) {
    std::cerr << "smsgwd did not start:\n" << daemon.log();
    return 1;
  }

  const auto setup = Clock::now();
  constexpr int kRowsPerFile = 10'000;
  for (int first = 0; first < recipients; first += kRowsPerFile) {
    std::string csv = "name,phone,unit,title,groups\n";
    const int last = std::min(recipients, first + kRowsPerFile);
    for (int i = first; i < last; ++i) {
      char row[160];
      std::snprintf(row, sizeof row, "干部%d,1390%07d,区直机关第%d单位,科长,all;%s\n", i, i,
                    i % 50, i % 2 ? "cadres" : "deputies");
      csv += row;
    }
    auto r = t::http_request("POST", base + "/v1/recipients/import", token, csv,
                             {"Content-Type: text/csv; charset=utf-8"}, 60'000);
    if (r.status != 200) {
      std::cerr << "import failed: " << r.status << " " << r.body << r.error << "\n";
      return 1;
    }
  }
  json tmpl = {{"name", "holiday"}, {"body", "{{name}}同志：{{holiday}}将至，请严守廉洁纪律。"}};
  if (t::http_request("POST", base + "/v1/templates", token, tmpl.dump()).status != 201) {
    std::cerr << "template failed\n";
    return 1;
  }
  auto big = t::http_request("POST", base + "/v1/messages", token,
                             json{{"groups", {"cadres", "deputies"}}, {"template", "holiday"},
                                  {"params", {{"holiday", "春节"}}}}.dump(),
                             {}, 120'000);
  if (big.status != 202) {
    std::cerr << "fan-out failed: " << big.status << " " << big.body << "\n";
    return 1;
  }
  const std::string batch = json::parse(big.body)["batch_id"];
  for (int i = 0; i < 20; ++i) {
    t::http_request("POST", base + "/v1/messages", token,
                    json{{"to", "1390" + std::to_string(1'000'000 + i)}, {"text", "会议通知"}}.dump());
  }
  t::http_request("POST", base + "/v1/schedules", token,
                  json{{"name", "spring"}, {"when", "1 workday before every holiday at 09:00"},
                       {"groups", {"cadres"}}, {"template", "holiday"},
                       {"params", {{"holiday", "春节"}}}}.dump());
  const double setup_s = ms_since(setup) / 1000;

  const std::string last_phone = "1390" + std::to_string(10'000'000 + recipients - 1).substr(1);
  const std::string last_name = smsgw::bench::url_encode("干部" + std::to_string(recipients - 1));
  const std::vector<Call> calls = {
      {"home", "GET", "/v1/dashboard", ""},
      {"recipients", "GET", "/v1/recipients?limit=50", ""},
      {"recipients", "GET", "/v1/recipients?limit=50&cursor=50000", ""},
      {"recipients", "GET", "/v1/recipients?q=" + last_name + "&limit=50", ""},
      {"recipients", "GET", "/v1/recipients?q=" + last_phone + "&limit=50", ""},
      {"recipients", "GET", "/v1/recipients?q=nobody&limit=50", ""},
      {"recipients", "GET", "/v1/recipients?group=cadres&active=true&limit=50", ""},
      {"recipients", "GET", "/v1/groups", ""},
      {"templates", "GET", "/v1/templates", ""},
      {"templates", "POST", "/v1/templates/holiday/preview",
       json{{"body", "{{name}}同志：{{holiday}}将至。"}, {"params", {{"holiday", "春节"}}},
            {"recipient", {{"name", "张三"}}}}.dump()},
      // The check before a send to half the directory (50,000 people): every message rendered.
      {"send", "POST", "/v1/messages?dry_run=true",
       json{{"groups", {"cadres"}}, {"template", "holiday"}, {"params", {{"holiday", "春节"}}}}.dump()},
      {"schedules", "GET", "/v1/schedules", ""},
      {"schedules", "GET", "/v1/schedules/1/next?count=10", ""},
      {"schedules", "GET", "/v1/calendar/2027", ""},
      {"schedules", "POST", "/v1/schedules/preview", json{{"when", "cron 30 9 * * 1-5"}}.dump()},
      {"reports", "GET", "/v1/batches?limit=50", ""},
      {"reports", "GET", "/v1/batches/" + batch, ""},
      {"reports", "GET", "/v1/messages?batch_id=" + batch + "&status=failed&limit=50", ""},
      {"messages", "GET", "/v1/messages?limit=50", ""},
      {"messages", "GET", "/v1/messages?to=" + last_phone + "&limit=50", ""},
      {"messages", "GET", "/v1/messages?status=queued&limit=50", ""},
      {"approvals", "GET", "/v1/approvals", ""},
      {"audit", "GET", "/v1/audit?limit=50", ""},
  };

  std::printf("%s\n", smsgw::bench::machine_line().c_str());
  std::printf("recipients %d, messages %d queued (one send to all) + 20, set up in %.0f s; %d runs per request\n\n",
              recipients, recipients, setup_s, runs);
  std::printf("%-11s %-62s %8s %8s %9s\n", "page", "request", "median", "slowest", "bytes");
  double worst = 0;
  bool failed = false;
  for (const Call& c : calls) {
    std::vector<double> ms;
    std::size_t bytes = 0;
    for (int i = 0; i < runs; ++i) {
      const auto start = Clock::now();
      auto r = t::http_request(c.method, base + c.path, token, c.body, {}, 30'000);
      ms.push_back(ms_since(start));
      bytes = r.body.size();
      if (r.status != 200) {
        std::fprintf(stderr, "%s %s: %ld %s\n", c.method.c_str(), c.path.c_str(), static_cast<long>(r.status), r.body.c_str());
        failed = true;
        break;
      }
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    worst = std::max(worst, ms.back());
    std::string shown = c.method + " " + c.path;
    if (shown.size() > 62) shown = shown.substr(0, 59) + "...";
    std::printf("%-11s %-62s %6.1f ms %6.1f ms %9zu\n", c.page, shown.c_str(), median, ms.back(), bytes);
  }
  std::printf("\nslowest request of all: %.1f ms (target: every page usable in < 300 ms)\n", worst);

  std::uintmax_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(assets)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  std::printf("console assets in %s: %.1f KiB (target < 300 KB), served uncompressed\n", assets.c_str(),
              static_cast<double>(total) / 1024);

  smsgw::bench::stop_daemon(daemon);
  t::run_command("rm -rf '" + dir + "'");
  return failed ? 1 : 0;
}
