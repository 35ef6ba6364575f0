#pragma once
// A small blocking HTTP client over libcurl for tests (127.0.0.1 only).

#include <string>
#include <vector>

namespace smsgw::testing {

struct HttpResult {
  long status = 0;       // 0 when the request failed at the transport level
  std::string body;
  std::string content_type;
  std::string error;     // curl's message when status == 0
};

HttpResult http_request(const std::string& method, const std::string& url,
                        const std::string& token = "", const std::string& body = "",
                        const std::vector<std::string>& extra_headers = {},
                        long timeout_ms = 10'000);

}  // namespace smsgw::testing
