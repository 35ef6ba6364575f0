#pragma once
// Drives an io_context from the test thread until a condition holds, or until it has nothing
// left to do: tests wait on conditions, never on fixed sleeps.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <optional>

namespace smsgw::testing {

// Runs handlers until `done()` is true; false if `timeout` passes first.
template <typename Predicate>
bool run_until(boost::asio::io_context& io, Predicate done,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  io.restart();
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.run_one_for(std::chrono::milliseconds(50));
    if (io.stopped()) io.restart();
  }
  return true;
}

// Runs `io` until it has no work left at all (no handler, no pending operation, no armed
// timer), for at most `timeout`; true if it ran dry. Use it before asserting that a handler
// was never called: once nothing is left that could call it, it never will be.
inline bool run_until_out_of_work(boost::asio::io_context& io, std::chrono::milliseconds timeout) {
  io.restart();
  io.run_for(timeout);
  return io.stopped();
}

// Runs what `io` and another worker (`flush` blocks until that worker has finished and
// answered everything submitted to it, e.g. Store::flush) have in hand, until neither has
// anything left; armed timers are not waited for. After it, whatever was going to happen
// without more time passing has happened, so an absence can be asserted. Returns the handlers
// run, or nullopt after `limit` of them (a loop that never goes idle).
template <typename Flush>
std::optional<std::size_t> drain(boost::asio::io_context& io, Flush flush,
                                 std::size_t limit = 10'000) {
  std::size_t ran = 0;
  for (;;) {
    flush();
    io.restart();
    std::size_t n = 0;
    // One at a time: poll() would never return from a handler that keeps re-posting itself.
    for (; io.poll_one() > 0; ++n) {
      if (++ran > limit) return std::nullopt;
    }
    if (n == 0) return ran;
  }
}

}  // namespace smsgw::testing
