#include "adapters/builtin.hpp"

#include "adapters/aliyun/aliyun_adapter.hpp"
#include "adapters/cmcc_mas/cmcc_mas_adapter.hpp"
#include "adapters/cmpp/cmpp_adapter.hpp"
#include "adapters/file/file_adapter.hpp"
#include "adapters/http/http_adapter.hpp"
#include "adapters/smpp/smpp_adapter.hpp"
#include "adapters/tencent/tencent_adapter.hpp"

namespace smsgw::adapters {

void register_builtin_adapters(adapters::Registry& registry) {
  registry.add("file", file::factory());
  registry.add("http", http::factory());
  registry.add("cmcc-mas", cmcc_mas::factory());
  registry.add("aliyun", aliyun::factory());
  registry.add("tencent", tencent::factory());
  registry.add("smpp", smpp::factory());
  registry.add("cmpp", cmpp::factory());
}

}  // namespace smsgw::adapters
