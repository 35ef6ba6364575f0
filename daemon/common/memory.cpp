#include "common/memory.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace smsgw {

void return_free_memory() noexcept {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace smsgw
