// phone_bench: the cost of normalize_phone, the per-recipient step of POST /v1/messages (up to
// 100,000 numbers in one request), the CSV import and the schedules. A program that prints
// figures, not a test: it exits 0 whatever they are.
//
//   phone_bench [--numbers N] [--rounds R]   (default 100000 numbers, 5 rounds)
//
// Two sets, each normalised in several rounds: N distinct mainland mobiles in the forms
// clients send (bare 11 digits mostly, +86 / 86 / 0086 with separators, full-width digits),
// and N/10 numbers of other countries. The best round is reported (the others measure the
// machine), and the first: normalize_phone remembers the number type of each 10,000-number
// mainland block it has seen, so the first round pays libphonenumber once per block. Then
// classify_phone on the accepted mainland numbers (the dispatcher's step when carriers have
// routing rules).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/phone.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Mainland mobiles in the forms clients send them: bare 11 digits (most), +86 / 86 / 0086
// prefixes with separators, full-width digits as a Chinese IME writes them.
std::vector<std::string> mainland_inputs(int n) {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(n));
  // Prefixes in use by the operators, so the numbers are valid mobiles.
  static constexpr const char* kPrefixes[] = {"138", "139", "150", "186", "133", "189",
                                              "199", "177", "158", "130", "181", "192"};
  for (int i = 0; i < n; ++i) {
    const std::string subscriber = std::to_string(10'000'000 + (i * 7919) % 90'000'000);
    const std::string national = std::string(kPrefixes[i % 12]) + subscriber;
    switch (i % 10) {
      case 0: out.push_back("+86" + national); break;
      case 1: out.push_back("+86 " + national.substr(0, 3) + "-" + national.substr(3, 4) + "-" +
                            national.substr(7)); break;
      case 2: out.push_back("0086" + national); break;
      case 3: out.push_back("86" + national); break;
      case 4: {
        std::string fw;
        for (char c : national) {
          fw += "\xEF\xBC";
          fw += static_cast<char>(0x90 + (c - '0'));
        }
        out.push_back(fw);
        break;
      }
      default: out.push_back(national); break;
    }
  }
  return out;
}

// Numbers of other countries, written with + (a few per cent of this gateway's traffic).
std::vector<std::string> foreign_inputs(int n) {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const std::string s = std::to_string(1'000'000 + (i * 7919) % 9'000'000);  // 7 digits
    switch (i % 5) {
      case 0: out.push_back("+852 9" + s); break;        // Hong Kong mobile
      case 1: out.push_back("+44 7400 " + s.substr(1)); break;  // United Kingdom mobile
      case 2: out.push_back("+1 415 " + s); break;       // USA
      case 3: out.push_back("+49 170 " + s); break;      // Germany mobile
      default: out.push_back("+853 66" + s.substr(1)); break;  // Macau mobile
    }
  }
  return out;
}

struct Timing {
  double best_ms = 1e300, first_ms = 0;
  std::size_t accepted = 0;
};

Timing time_normalize(const std::vector<std::string>& inputs, int rounds) {
  Timing t;
  for (int r = 0; r < rounds; ++r) {
    std::size_t ok = 0;
    const auto start = Clock::now();
    for (const auto& in : inputs) ok += smsgw::normalize_phone(in).ok();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (r == 0) t.first_ms = ms;
    t.best_ms = std::min(t.best_ms, ms);
    t.accepted = ok;
  }
  return t;
}

void print(const char* what, const std::vector<std::string>& inputs, int rounds, const Timing& t) {
  std::printf("normalize_phone %-8s %7zu numbers, best of %d rounds: %8.1f ms, %6.0f ns/number "
              "(first round %.1f ms); accepted %zu\n",
              what, inputs.size(), rounds, t.best_ms,
              t.best_ms * 1e6 / static_cast<double>(inputs.size()), t.first_ms, t.accepted);
}

}  // namespace

int main(int argc, char** argv) {
  int numbers = 100'000;
  int rounds = 5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--numbers") && i + 1 < argc) {
      numbers = std::clamp(std::atoi(argv[++i]), 1, 10'000'000);
    } else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      rounds = std::clamp(std::atoi(argv[++i]), 1, 1000);
    } else {
      std::fprintf(stderr, "usage: phone_bench [--numbers N] [--rounds R]\n");
      return 2;
    }
  }
  const auto inputs = mainland_inputs(numbers);
  const auto foreign = foreign_inputs(std::max(1, numbers / 10));
  print("mainland", inputs, rounds, time_normalize(inputs, rounds));
  print("foreign", foreign, rounds, time_normalize(foreign, rounds));

  // What the dispatcher does once per claimed message when a carrier has routing rules.
  std::vector<std::string> e164;
  e164.reserve(inputs.size());
  for (const auto& in : inputs) {
    if (auto r = smsgw::normalize_phone(in); r.ok()) e164.push_back(std::move(r.e164));
  }
  double classify_ms = 1e300;
  std::size_t attributed = 0;
  for (int r = 0; r < rounds; ++r) {
    std::size_t known = 0;
    const auto start = Clock::now();
    for (const auto& n : e164) known += smsgw::classify_phone(n).cn_operator != smsgw::CnOperator::unknown;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    classify_ms = std::min(classify_ms, ms);
    attributed = known;
  }
  std::printf("classify_phone: %zu numbers, best of %d rounds: %.1f ms, %.0f ns/number; "
              "%zu with a mainland operator\n",
              e164.size(), rounds, classify_ms, classify_ms * 1e6 / static_cast<double>(e164.size()),
              attributed);
  return 0;
}
