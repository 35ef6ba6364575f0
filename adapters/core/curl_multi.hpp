#pragma once
// One libcurl multi handle driven by the io_context (CURLMOPT_SOCKETFUNCTION/TIMERFUNCTION on
// Asio sockets and a steady_timer, as curl's asiohiper example): many concurrent HTTP requests
// on the io thread, no thread per request, connections reused across requests.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace smsgw::adapters {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::chrono::milliseconds timeout{10'000};          // whole request
  std::chrono::milliseconds connect_timeout{5'000};
};

struct HttpResponse {
  long status = 0;  // 0 when no response (see error)
  std::string body;
  std::vector<std::string> headers;  // raw "Name: value" lines
};

// CURLcode values as std::error_code; equivalent to failure::transient for timeouts,
// connection errors and the like.
const std::error_category& curl_category() noexcept;

class CurlMulti {
 public:
  explicit CurlMulti(boost::asio::io_context& io);
  ~CurlMulti();  // aborts transfers still running; their handlers are NOT called
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  using Handler = std::function<void(std::error_code, HttpResponse)>;
  // Handler runs on the io thread exactly once (never synchronously inside perform).
  // ec is set only for transport failures (curl_category); any HTTP status is a response.
  void perform(HttpRequest request, Handler handler);

  // Aborts every transfer in progress, calling each handler with operation_canceled.
  void cancel_all();

  std::size_t in_flight() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace smsgw::adapters
