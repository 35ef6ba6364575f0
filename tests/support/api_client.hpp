#pragma once
// A keep-alive HTTP client for API tests (127.0.0.1 only): one curl easy handle, so requests
// through the same ApiClient reuse its connection, and `new_connections` shows whether they did.

#include <curl/curl.h>

#include <cctype>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace smsgw::testing {

struct ApiReply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  long new_connections = -1;                   // CURLINFO_NUM_CONNECTS
  std::string error;
  nlohmann::json doc() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// The `field` of every entry in a problem's `errors` (422 answers).
inline std::set<std::string> error_fields(const ApiReply& r) {
  std::set<std::string> out;
  const nlohmann::json doc = r.doc();
  if (doc.is_object() && doc.contains("errors")) {
    for (const auto& e : doc["errors"]) out.insert(e.value("field", ""));
  }
  return out;
}

class ApiClient {
 public:
  explicit ApiClient(unsigned short port) : base_("http://127.0.0.1:" + std::to_string(port)) {
    curl_ = curl_easy_init();
  }
  ~ApiClient() { curl_easy_cleanup(curl_); }
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // POST, PUT and PATCH send `body` as application/json unless `headers` names a Content-Type.
  ApiReply request(const std::string& method, const std::string& path, const std::string& token,
                   const std::string& body = "", const std::vector<std::string>& headers = {}) {
    ApiReply reply;
    curl_slist* list = nullptr;
    if (!token.empty()) list = curl_slist_append(list, ("Authorization: Bearer " + token).c_str());
    bool has_ct = false;
    for (const auto& h : headers) {
      if (h.rfind("Content-Type:", 0) == 0) has_ct = true;
      list = curl_slist_append(list, h.c_str());
    }
    const bool has_body = method == "POST" || method == "PUT" || method == "PATCH";
    if (has_body && !has_ct) list = curl_slist_append(list, "Content-Type: application/json");
    list = curl_slist_append(list, "Expect:");
    const std::string url = base_ + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_PROXY, "");
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 60'000L);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    if (has_body) {
      curl_easy_setopt(curl_, CURLOPT_POST, 1L);
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method == "POST" ? nullptr : method.c_str());
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method == "GET" ? nullptr : method.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &ApiClient::on_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &ApiClient::on_header);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &reply.headers);
    const CURLcode rc = curl_easy_perform(curl_);
    if (rc != CURLE_OK) {
      reply.error = curl_easy_strerror(rc);
    } else {
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
      curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &reply.new_connections);
    }
    curl_slist_free_all(list);
    return reply;
  }

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
  }
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* out) {
    std::string line(data, size * n);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
      (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
    }
    return size * n;
  }

  std::string base_;
  CURL* curl_ = nullptr;
};

}  // namespace smsgw::testing
