// poll_bench: issue 14's poll point. Starts the real smsgwd (a subprocess, 127.0.0.1 only),
// opens a poll with 10 options, and pushes N votes (default 100,000, one per phone) through
// POST /v1/inbound/{carrier} in arrays of 1,000 over 4 connections, with 2 % second votes
// from the same phones and 1 % of the pushes resent whole (the same carrier ids), as people
// and carriers do. Prints the time and rate, and checks the tally against the votes sent: each
// option exact, second votes rejected, resent ones not counted again. A program that prints
// figures, not a test.
//
//   poll_bench [--smsgwd PATH] [--votes N]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"

namespace t = smsgw::testing;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::string smsgwd = SMSGWD_PATH;
  int votes = 100'000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--smsgwd") && i + 1 < argc) {
      smsgwd = argv[++i];
    } else if (!std::strcmp(argv[i], "--votes") && i + 1 < argc) {
      votes = std::max(1000, std::min(10'000'000, std::atoi(argv[++i])));
    } else {
      std::cerr << "usage: poll_bench [--smsgwd PATH] [--votes N]\n";
      return 2;
    }
  }
  const std::string token = smsgw::random_hex(24);
  const unsigned short port = t::free_loopback_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string dir = t::make_temp_dir("smsgw-poll-bench");
  const std::string config =
      "[daemon]\ndata_dir = \"data\"\nlog_level = \"warn\"\n"
      "[api]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n"
      "[[api.tokens]]\nname = \"bench\"\nsha256 = \"" + smsgw::sha256_hex(token) + "\"\nscopes = [\"admin\"]\n"
      "[limits]\nmax_body_bytes = \"8MiB\"\n"
      "[[carriers]]\nname = \"mas\"\ntype = \"http\"\nurl = \"http://127.0.0.1:9/send\"\nenabled = false\n";
  t::DaemonProcess daemon(smsgwd, dir, config);
  if (!daemon.start(base)) {
    std::cerr << "smsgwd did not start:\n" << daemon.log();
    return 1;
  }
  constexpr int kOptions = 10;
  json options = json::array();
  for (int o = 1; o <= kOptions; ++o) {
    char code[8];
    std::snprintf(code, sizeof code, "%02d", o);
    options.push_back({{"code", code}, {"label", "候选单位" + std::to_string(o)}});
  }
  const json poll = {{"name", "bench"}, {"keyword", "TP"}, {"options", options},
                     {"opens_at", "2020-01-01T00:00:00Z"}, {"closes_at", "2099-01-01T00:00:00Z"}};
  if (auto r = t::http_request("POST", base + "/v1/polls", token, poll.dump()); r.status != 201) {
    std::cerr << "poll failed: " << r.status << " " << r.body << "\n";
    return 1;
  }

  // The pushes: vote i from phone i for option i % 10 + 1, written the ways people type it;
  // every 50th phone votes again (a duplicate), every 100th push is sent twice.
  std::vector<std::string> pushes;
  std::vector<std::int64_t> expected(kOptions + 1, 0);
  int seconds = 0;
  json batch = json::array();
  auto flush = [&] {
    if (batch.empty()) return;
    pushes.push_back(batch.dump());
    if (pushes.size() % 100 == 0) pushes.push_back(pushes.back());
    batch = json::array();
  };
  for (int i = 0; i < votes; ++i) {
    const int option = i % kOptions + 1;
    ++expected[static_cast<std::size_t>(option)];
    char phone[16], text[32];
    std::snprintf(phone, sizeof phone, "1390%07d", i);
    std::snprintf(text, sizeof text, i % 3 == 0 ? "TP %02d" : i % 3 == 1 ? "tp%d" : "ＴＰ %d", option);
    batch.push_back({{"id", "v" + std::to_string(i)}, {"from", phone}, {"text", text}});
    if (i % 50 == 0) {
      batch.push_back({{"id", "w" + std::to_string(i)}, {"from", phone}, {"text", "TP 01"}});
      ++seconds;
    }
    if (batch.size() >= 999) flush();  // a vote and a second vote still fit in 1,000
  }
  flush();

  std::atomic<std::size_t> next{0};
  std::atomic<int> failed{0};
  const auto started = Clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      for (std::size_t k; (k = next.fetch_add(1)) < pushes.size();) {
        auto r = t::http_request("POST", base + "/v1/inbound/mas", token, pushes[k], {}, 60'000);
        if (r.status != 200) {
          if (failed.fetch_add(1) == 0) std::cerr << "push failed: " << r.status << " " << r.body << r.error << "\n";
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  const double secs = std::chrono::duration<double>(Clock::now() - started).count();

  auto r = t::http_request("GET", base + "/v1/polls/bench/tally", token);
  if (r.status != 200) {
    std::cerr << "tally failed: " << r.status << " " << r.body << "\n";
    return 1;
  }
  const json tally = json::parse(r.body);
  bool exact = tally["total"] == votes && tally["rejected"] == seconds &&
               tally["ballots_by_outcome"]["duplicate"] == seconds;
  for (const auto& o : tally["options"]) {
    const int option = std::stoi(o["code"].get<std::string>());
    exact = exact && o["votes"] == expected[static_cast<std::size_t>(option)];
  }
  std::printf("poll_bench: %d votes + %d second votes in %zu pushes (incl. resent) over 4 connections\n", votes,
              seconds, pushes.size());
  std::printf("  %.2f s, %.0f votes/s; %d pushes failed\n", secs, (votes + seconds) / secs, failed.load());
  std::printf("  tally: total %lld, rejected %lld: %s\n", static_cast<long long>(tally["total"].get<std::int64_t>()),
              static_cast<long long>(tally["rejected"].get<std::int64_t>()), exact ? "exact" : "WRONG");
  return exact && failed == 0 ? 0 : 1;
}
