#pragma once
// Drives an io_context from the test thread until a condition holds: tests wait on conditions,
// never on fixed sleeps.

#include <boost/asio/io_context.hpp>
#include <chrono>

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

}  // namespace smsgw::testing
