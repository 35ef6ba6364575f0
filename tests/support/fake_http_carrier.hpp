#pragma once
// A fake carrier: an HTTP/1.1 server on 127.0.0.1 with its own io_context thread, for adapter
// tests, e2e tests against a real smsgwd, and the dispatch benchmark. Keep-alive, many
// concurrent connections, and a reply behaviour that tests can change at any time.
//
// Thread safety: every public member may be called from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace smsgw::testing {

class FakeHttpCarrier {
 public:
  struct Received {
    std::uint64_t number = 0;  // 1-based, in arrival order
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    nlohmann::json json;  // the parsed body; null when the body is not JSON

    // Case-insensitive header lookup; "" when absent.
    std::string header(const std::string& name) const;
  };

  struct Reply {
    int status = 200;
    // nullopt: {"message_id":"fake-<n>"} with n = Received::number. "" sends an empty body.
    std::optional<std::string> body;
    std::chrono::milliseconds delay{0};  // before answering (or dropping)
    bool drop_connection = false;        // close the socket instead of answering
    std::vector<std::pair<std::string, std::string>> headers;  // extra response headers

    // g++ 12 warns (-Werror) on designated initializers that skip members; these read better.
    static Reply of(int status, std::optional<std::string> body = std::nullopt) {
      Reply reply;
      reply.status = status;
      reply.body = std::move(body);
      return reply;
    }
    static Reply delayed(std::chrono::milliseconds delay, int status = 200) {
      Reply reply;
      reply.status = status;
      reply.delay = delay;
      return reply;
    }
    static Reply dropped() {
      Reply reply;
      reply.drop_connection = true;
      return reply;
    }
  };

  using Behaviour = std::function<Reply(const Received&)>;

  struct Options {
    unsigned short port = 0;  // 0 = ephemeral; a fixed port lets a test restart the "carrier"
    // False keeps only counters: a benchmark pushing millions of requests must not hoard them.
    bool record = true;
  };

  FakeHttpCarrier();
  explicit FakeHttpCarrier(Options options);
  ~FakeHttpCarrier();  // stop()
  FakeHttpCarrier(const FakeHttpCarrier&) = delete;
  FakeHttpCarrier& operator=(const FakeHttpCarrier&) = delete;

  unsigned short port() const noexcept { return port_; }
  std::string url(const std::string& path = "/send") const;

  // Runs on the server thread for every request; replaces the previous behaviour.
  void set_behaviour(Behaviour behaviour);
  void set_reply(Reply reply);  // the same reply for every request

  std::vector<Received> received() const;
  std::size_t count() const;           // requests received so far
  std::size_t connections() const;     // TCP connections accepted so far
  bool wait_for_count(std::size_t n, std::chrono::milliseconds timeout) const;

  // Closes the listener and every connection and joins the thread. Idempotent.
  void stop();
  // Forgets received requests and counters and restores the default 200 reply.
  void reset();

  struct Server;  // implementation, in the .cpp

 private:
  friend struct Server;
  void record(Received received);
  Reply reply_for(const Received& received) const;

  Options options_;
  unsigned short port_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<Received> received_;
  std::size_t count_ = 0;
  std::atomic<std::uint64_t> numbering_{0};
  std::atomic<std::size_t> connections_{0};
  std::shared_ptr<const Behaviour> behaviour_;
  std::shared_ptr<Server> server_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace smsgw::testing
