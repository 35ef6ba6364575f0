#pragma once
// A real api::Server (config.api.listen, usually 127.0.0.1:0) with its io_context on a thread of
// its own: what every API test fixture starts. Header-only: only the API tests link smsgw_api.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>

#include "api/server.hpp"

namespace smsgw::testing {

class ApiServer {
 public:
  ApiServer(const config::Config& config, api::Dependencies deps)
      : server_(std::make_unique<api::Server>(io_, config, std::move(deps))) {
    server_->start();
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ApiServer() {
    if (server_) stop();
    guard_.reset();
    if (thread_.joinable()) thread_.join();
  }
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  unsigned short port() const { return port_; }

  // Stops accepting and lets requests in progress finish: true if every session is gone within
  // `timeout` (then the io thread has ended too).
  bool stop(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto done = std::make_shared<std::promise<void>>();
    auto stopped = done->get_future();
    server_->async_stop([done] { done->set_value(); });
    if (stopped.wait_for(timeout) != std::future_status::ready) return false;
    guard_.reset();
    thread_.join();
    server_.reset();
    return true;
  }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_{
      boost::asio::make_work_guard(io_)};
  std::unique_ptr<api::Server> server_;
  std::thread thread_;
  unsigned short port_ = 0;
};

}  // namespace smsgw::testing
