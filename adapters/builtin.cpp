#include "adapters/builtin.hpp"

#include "adapters/file/file_adapter.hpp"
#include "adapters/http/http_adapter.hpp"

namespace smsgw::adapters {

void register_builtin_adapters(adapters::Registry& registry) {
  registry.add("file", file::factory());
  registry.add("http", http::factory());
}

}  // namespace smsgw::adapters
