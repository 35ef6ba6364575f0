#include "support/http_client.hpp"

#include <curl/curl.h>

#include <memory>

namespace smsgw::testing {
namespace {

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

HttpResult http_request(const std::string& method, const std::string& url, const std::string& token,
                        const std::string& body, const std::vector<std::string>& extra_headers,
                        long timeout_ms) {
  HttpResult result;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl{curl_easy_init(), curl_easy_cleanup};
  curl_slist* headers = nullptr;
  if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  bool has_content_type = false;
  for (const auto& h : extra_headers) {
    if (h.rfind("Content-Type:", 0) == 0) has_content_type = true;
    headers = curl_slist_append(headers, h.c_str());
  }
  if (!body.empty() && !has_content_type)
    headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");

  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROXY, "");
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  if (!body.empty() || method == "POST") {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &result.body);
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    result.error = curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &result.status);
    char* ct = nullptr;
    curl_easy_getinfo(curl.get(), CURLINFO_CONTENT_TYPE, &ct);
    if (ct != nullptr) result.content_type = ct;
  }
  curl_slist_free_all(headers);
  return result;
}

}  // namespace smsgw::testing
