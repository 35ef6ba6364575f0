#pragma once
// Giving freed heap memory back to the kernel after a large request.
//
// glibc keeps what a thread frees in that thread's arena for reuse, so after a 100,000-row
// import or fan-out the daemon's RSS would stay near its peak until the same thread needed as
// much again (and the next large request, on another thread, would add its own peak on top).
// Trimming returns the free pages of every arena; it costs about a millisecond, so it is done
// only after work that took far longer.

#include <chrono>

namespace smsgw {

// Work at least this long is worth a trim after it.
inline constexpr std::chrono::milliseconds kTrimAfter{20};

// malloc_trim(0) where the C library has it; nothing elsewhere.
void return_free_memory() noexcept;

}  // namespace smsgw
