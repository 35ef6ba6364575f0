#include "support/fake_http_carrier.hpp"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <set>

namespace smsgw::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

FakeHttpCarrier::Reply default_reply(const FakeHttpCarrier::Received&) { return {}; }

}  // namespace

struct FakeHttpCarrier::Server : std::enable_shared_from_this<FakeHttpCarrier::Server> {
  class Session;

  Server(FakeHttpCarrier& owner, unsigned short port) : owner(owner), acceptor(io) {
    const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
    acceptor.open(endpoint.protocol());
    // A test may stop the carrier and start another on the same port while old connections
    // sit in TIME_WAIT.
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
  }

  void do_accept();
  void shutdown();

  FakeHttpCarrier& owner;
  asio::io_context io{1};
  tcp::acceptor acceptor;
  std::set<std::shared_ptr<Session>> sessions;
};

class FakeHttpCarrier::Server::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server& server, tcp::socket socket)
      : server_(server), socket_(std::move(socket)), timer_(server.io) {}

  void start() { do_read(); }

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
  }

 private:
  void do_read() {
    request_ = {};
    http::async_read(socket_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec) return finish();
    Received received;
    received.number = server_.owner.numbering_.fetch_add(1) + 1;
    received.method = std::string(request_.method_string());
    received.target = std::string(request_.target());
    for (const auto& field : request_) {
      received.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    }
    received.body = std::move(request_.body());
    received.json = nlohmann::json::parse(received.body, nullptr, /*allow_exceptions=*/false);
    if (received.json.is_discarded()) received.json = nullptr;

    reply_ = server_.owner.reply_for(received);
    keep_alive_ = request_.keep_alive();
    const std::uint64_t number = received.number;
    server_.owner.record(std::move(received));

    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(reply_.status));
    response_.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : reply_.headers) response_.set(name, value);
    response_.body() = reply_.body ? *reply_.body
                                   : "{\"message_id\":\"fake-" + std::to_string(number) + "\"}";
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();

    if (reply_.delay.count() > 0) {
      timer_.expires_after(reply_.delay);
      timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (wait_ec) return self->finish();
        self->respond();
      });
    } else {
      respond();
    }
  }

  void respond() {
    if (reply_.drop_connection) {
      close();
      return finish();
    }
    http::async_write(socket_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || !self->keep_alive_) {
                          self->close();
                          return self->finish();
                        }
                        self->do_read();
                      });
  }

  void finish() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    server_.sessions.erase(shared_from_this());
  }

  Server& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  Reply reply_;
  bool keep_alive_ = true;
};

void FakeHttpCarrier::Server::do_accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
    if (!ec) {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      self->owner.connections_.fetch_add(1);
      auto session = std::make_shared<Session>(*self, std::move(socket));
      self->sessions.insert(session);
      session->start();
    }
    self->do_accept();
  });
}

void FakeHttpCarrier::Server::shutdown() {
  boost::system::error_code ignored;
  acceptor.close(ignored);
  // Copy: closing a session may erase it from the set once its handlers run.
  const auto open = sessions;
  for (const auto& session : open) session->close();
}

std::string FakeHttpCarrier::Received::header(const std::string& name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

FakeHttpCarrier::FakeHttpCarrier() : FakeHttpCarrier(Options{}) {}

FakeHttpCarrier::FakeHttpCarrier(Options options)
    : options_(options), behaviour_(std::make_shared<const Behaviour>(&default_reply)) {
  server_ = std::make_shared<Server>(*this, options_.port);
  port_ = server_->acceptor.local_endpoint().port();
  server_->do_accept();
  thread_ = std::thread([server = server_] { server->io.run(); });
}

FakeHttpCarrier::~FakeHttpCarrier() { stop(); }

std::string FakeHttpCarrier::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void FakeHttpCarrier::set_behaviour(Behaviour behaviour) {
  auto shared = std::make_shared<const Behaviour>(std::move(behaviour));
  std::lock_guard lock(mutex_);
  behaviour_ = std::move(shared);
}

void FakeHttpCarrier::set_reply(Reply reply) {
  set_behaviour([reply](const Received&) { return reply; });
}

std::vector<FakeHttpCarrier::Received> FakeHttpCarrier::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::size_t FakeHttpCarrier::count() const {
  std::lock_guard lock(mutex_);
  return count_;
}

std::size_t FakeHttpCarrier::connections() const { return connections_.load(); }

bool FakeHttpCarrier::wait_for_count(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return count_ >= n; });
}

void FakeHttpCarrier::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  asio::post(server_->io, [server = server_] { server->shutdown(); });
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

void FakeHttpCarrier::reset() {
  std::lock_guard lock(mutex_);
  received_.clear();
  count_ = 0;
  numbering_ = 0;
  connections_ = 0;
  behaviour_ = std::make_shared<const Behaviour>(&default_reply);
}

void FakeHttpCarrier::record(Received received) {
  {
    std::lock_guard lock(mutex_);
    ++count_;
    if (options_.record) received_.push_back(std::move(received));
  }
  changed_.notify_all();
}

FakeHttpCarrier::Reply FakeHttpCarrier::reply_for(const Received& received) const {
  std::shared_ptr<const Behaviour> behaviour;
  {
    std::lock_guard lock(mutex_);
    behaviour = behaviour_;
  }
  // Called outside the lock so a behaviour may itself inspect the carrier.
  return (*behaviour)(received);
}

}  // namespace smsgw::testing
