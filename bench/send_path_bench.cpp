// send_path_bench: the in-process steps of POST /v1/messages after the JSON is parsed, for a
// request of one number and of 100: build_fanout (the messages from the targets) and
// render_send_response (the 202 body). No daemon, no store: these run for every accepted
// request (on the io thread for small ones), so their cost is a share of the acceptance rate.
// A program that prints figures, not a test: it exits 0 whatever they are.
//
//   send_path_bench [--rounds R]   (default 5; the best round is reported)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "sending/fanout.hpp"
#include "sending/plan.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace smsgw;

constexpr const char* kText = "【区纪委】请各位同志于明天上午九点参加廉政工作会议。";

store::TargetList targets(int n) {
  store::TargetList list;
  for (int i = 0; i < n; ++i) list.add("+861390000" + std::to_string(1000 + i), std::nullopt, {}, {}, {}, true);
  return list;
}

store::NewBatch batch_of(int n) {
  store::NewBatch b;
  b.id = 4242;
  for (int i = 0; i < n; ++i) {
    store::NewMessage m;
    m.id = 1'000'000 + i;
    m.to = "+861390000" + std::to_string(1000 + i);
    m.text = kText;
    b.messages.push_back(std::move(m));
  }
  return b;
}

// Best of `rounds` rounds of `iterations` calls: nanoseconds per call.
double best_ns(int rounds, int iterations, const std::function<void()>& fn) {
  double best = 1e18;
  for (int r = 0; r < rounds; ++r) {
    const auto start = Clock::now();
    for (int i = 0; i < iterations; ++i) fn();
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / iterations;
    best = std::min(best, ns);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: send_path_bench [--rounds R]\n");
      return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  std::size_t sink = 0;  // keeps the work from being optimised away
  std::printf("%-44s %12s\n", "step", "ns per call");
  for (int n : {1, 100}) {
    const int iterations = n == 1 ? 200'000 : 5'000;
    const double fan = best_ns(rounds, iterations, [&] {
      sending::FanoutSpec spec;
      spec.text = kText;
      sink += sending::build_fanout(targets(n), std::move(spec)).count;
    });
    std::printf("%-44s %12.0f\n", ("build_fanout, " + std::to_string(n) + " number(s), text").c_str(), fan);
    const store::NewBatch b = batch_of(n);
    const double render = best_ns(rounds, iterations, [&] { sink += sending::render_send_response(b, std::nullopt).size(); });
    std::printf("%-44s %12.0f\n", ("render_send_response, " + std::to_string(n) + " message(s)").c_str(), render);
  }
  std::fprintf(stderr, "(%zu)\n", sink);
  return 0;
}
