// fanout_bench: the administrator's path at the scale of SPEC's target. Starts the real smsgwd
// (a subprocess, 127.0.0.1 only), imports N recipients through POST /v1/recipients/import in
// CSV files of 10,000 rows, saves a template, then sends it to the whole group in one request
// and reports how long each step took. A program that prints figures, not a test.
//
//   fanout_bench [--smsgwd PATH] [--recipients N]   (default 100000)

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace

int main(int argc, char** argv) {
  std::string smsgwd = SMSGWD_PATH;
  int recipients = 100'000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--smsgwd") && i + 1 < argc) {
      smsgwd = argv[++i];
    } else if (!std::strcmp(argv[i], "--recipients") && i + 1 < argc) {
      recipients = std::max(1, std::min(1'000'000, std::atoi(argv[++i])));
    } else {
      std::cerr << "usage: fanout_bench [--smsgwd PATH] [--recipients N]\n";
      return 2;
    }
  }

  const std::string token = smsgw::random_hex(24);
  const unsigned short port = t::free_loopback_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string dir = t::make_temp_dir("smsgw-fanout");
  // The only carrier is disabled: this measures acceptance, not dispatch (api_bench does that).
  const std::string config =
      "[daemon]\ndata_dir = \"data\"\nlog_level = \"warn\"\n"
      "[api]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n"
      "[[api.tokens]]\nname = \"bench\"\nsha256 = \"" + smsgw::sha256_hex(token) +
      "\"\nscopes = [\"admin\"]\n"
      "[limits]\nmax_recipients_per_request = 1000000\nmax_body_bytes = \"8MiB\"\n"
      "[sms]\nsignature = \"【区纪委】\"\n"
      "[[carriers]]\nname = \"off\"\ntype = \"http\"\nurl = \"http://127.0.0.1:9/send\"\n"
      "enabled = false\n";
  t::DaemonProcess daemon(smsgwd, dir, config);
  if (!daemon.start(base)) {
    std::cerr << "smsgwd did not start:\n" << daemon.log();
    return 1;
  }

  // Import in files of 10,000 rows, the size of a large office's Excel sheet.
  constexpr int kRowsPerFile = 10'000;
  double import_total_ms = 0, import_max_ms = 0;
  int files = 0;
  for (int first = 0; first < recipients; first += kRowsPerFile) {
    std::string csv = "name,phone,unit,title,groups\n";
    const int last = std::min(recipients, first + kRowsPerFile);
    for (int i = first; i < last; ++i) {
      char row[160];
      std::snprintf(row, sizeof row, "干部%d,1390%07d,区直机关第%d单位,科长,all;%s\n", i, i,
                    i % 50, i % 2 ? "cadres" : "deputies");
      csv += row;
    }
    const auto start = Clock::now();
    auto r = t::http_request("POST", base + "/v1/recipients/import", token, csv,
                             {"Content-Type: text/csv; charset=utf-8"}, 60'000);
    const double ms = ms_since(start);
    if (r.status != 200) {
      std::cerr << "import failed: " << r.status << " " << r.body << r.error << "\n";
      return 1;
    }
    import_total_ms += ms;
    import_max_ms = std::max(import_max_ms, ms);
    ++files;
  }

  json tmpl = {{"name", "holiday-reminder-bench"},
               {"description", "bench"},
               {"body", "{{name}}同志：{{holiday}}将至，请严守廉洁纪律，过一个风清气正的节日。"}};
  auto saved = t::http_request("POST", base + "/v1/templates", token, tmpl.dump());
  if (saved.status != 201) {
    std::cerr << "template failed: " << saved.status << " " << saved.body << "\n";
    return 1;
  }

  const long import_peak_kib = smsgw::bench::peak_rss_kib(daemon.pid());
  const long before_fanout_kib = smsgw::bench::status_kib(daemon.pid(), "VmRSS:");
  const long before_anon_kib = smsgw::bench::status_kib(daemon.pid(), "RssAnon:");
  const bool peak_reset = smsgw::bench::reset_peak_rss(daemon.pid());
  json send = {{"groups", {"all"}},
               {"template", "holiday-reminder-bench"},
               {"params", {{"holiday", "春节"}}}};
  const auto start = Clock::now();
  auto r = t::http_request("POST", base + "/v1/messages", token, send.dump(), {}, 120'000);
  const double fanout_ms = ms_since(start);
  if (r.status != 202) {
    std::cerr << "fan-out failed: " << r.status << " " << r.body << r.error << "\n";
    return 1;
  }
  const auto accepted = json::parse(r.body);

  std::printf("recipients                     %d\n", recipients);
  std::printf("import, %d files of %d rows     %.0f ms total, %.0f ms for the slowest file (target < 1000 ms per 10,000 rows)\n",
              files, kRowsPerFile, import_total_ms, import_max_ms);
  std::printf("fan-out to group 'all'         %.0f ms for %lld messages accepted (target < 2000 ms for 100,000)\n",
              fanout_ms, static_cast<long long>(accepted.value("count", 0)));
  std::printf("peak RSS of smsgwd, import      %.1f MiB\n", import_peak_kib / 1024.0);
  if (peak_reset) {
    std::printf("peak RSS of smsgwd, fan-out     %.1f MiB (%.1f MiB before it, of which %.1f MiB anonymous; target < 40 MiB)\n",
                smsgw::bench::peak_rss_kib(daemon.pid()) / 1024.0, before_fanout_kib / 1024.0, before_anon_kib / 1024.0);
  } else {
    std::printf("peak RSS of smsgwd, whole run   %.1f MiB (clear_refs not writable: no per-phase peak)\n",
                smsgw::bench::peak_rss_kib(daemon.pid()) / 1024.0);
  }

  std::printf("RSS after the fan-out           %.1f MiB (anonymous %.1f MiB, files %.1f MiB: mostly shared libraries)\n",
              smsgw::bench::status_kib(daemon.pid(), "VmRSS:") / 1024.0, smsgw::bench::status_kib(daemon.pid(), "RssAnon:") / 1024.0,
              smsgw::bench::status_kib(daemon.pid(), "RssFile:") / 1024.0);

  daemon.signal(SIGTERM);
  daemon.wait_exit(std::chrono::seconds(30));
  t::run_command("rm -rf '" + dir + "'");
  return 0;
}
