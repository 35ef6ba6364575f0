// Listener and sessions, in the structure of Beast's advanced server example: do_x/on_x pairs,
// shared_from_this for lifetime, a deadline on every socket operation (one io thread, no strands).
// Request handling is the Router's; this file only moves bytes.

#include "api/server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <map>
#include <unordered_map>

#include "api/router.hpp"
#include "common/time.hpp"

namespace smsgw::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;

tcp::endpoint parse_listen(const std::string& listen) {
  std::string host;
  std::string_view port_text;
  if (!listen.empty() && listen.front() == '[') {
    auto close = listen.find("]:");
    if (close == std::string::npos) {
      throw std::runtime_error("api.listen \"" + listen + "\": expected [IPv6]:port");
    }
    host = listen.substr(1, close - 1);
    port_text = std::string_view(listen).substr(close + 2);
  } else {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos || listen.find(':') != colon) {
      throw std::runtime_error("api.listen \"" + listen +
                               "\": expected host:port (IPv6 as [addr]:port)");
    }
    host = listen.substr(0, colon);
    port_text = std::string_view(listen).substr(colon + 1);
  }
  if (host.empty() || host == "*") host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || p != port_text.data() + port_text.size() ||
      port > 65535) {
    throw std::runtime_error("api.listen \"" + listen + "\": invalid port");
  }
  boost::system::error_code aec;
  auto address = net::ip::make_address(host, aec);
  if (aec) {
    throw std::runtime_error("api.listen \"" + listen + "\": \"" + host +
                             "\" is not an IP address");
  }
  return {address, static_cast<unsigned short>(port)};
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

class Session;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  net::io_context& io;
  config::ApiConfig api;
  config::LimitsConfig limits;
  Router router;
  tcp::acceptor acceptor;
  net::steady_timer accept_retry;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  // Open connections per client address: one client must not hold every slot.
  std::map<net::ip::address, int> per_client;
  bool stopping = false;
  std::function<void()> on_stopped;

  Impl(net::io_context& io_, const config::Config& config, Dependencies deps)
      : io(io_),
        api(config.api),
        limits(config.limits),
        router(io_, config, std::move(deps)),
        acceptor(io_),
        accept_retry(io_) {}

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void forget(Session* s, const std::optional<net::ip::address>& client);
  void stop(std::function<void()> done);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Server::Impl> server,
          std::optional<net::ip::address> client)
      : stream_(std::move(socket)),
        server_(std::move(server)),
        client_(std::move(client)),
        client_text_(client_ ? client_->to_string() : std::string()) {}

  ~Session() { server_->forget(this, client_); }

  void run(bool reject) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), reject] {
      if (reject) {
        self->reject();
      } else {
        self->do_wait();
      }
    });
  }

  // Server stopping: a connection waiting for (or receiving) a request is closed now; one whose
  // request is being handled or answered closes after its response.
  void stop() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->phase_ != Phase::handling && self->phase_ != Phase::writing) {
        self->stream_.cancel();
      }
    });
  }

 private:
  enum class Phase { waiting, reading, handling, writing, closed };

  std::chrono::milliseconds request_timeout() const { return server_->api.request_timeout; }

  // Waits for the first byte of the next request: the idle timeout applies between keep-alive
  // requests. One deadline then covers the whole request, header and body: it is set when the
  // request starts (at accept for a connection's first request, which must arrive within it)
  // and never pushed back, so a client trickling a byte at a time cannot hold a slot longer.
  void do_wait() {
    phase_ = Phase::waiting;
    if (server_->stopping) return do_close();
    if (first_) {
      deadline_ = Clock::now() + request_timeout();
      stream_.expires_at(deadline_);
    }
    if (buffer_.size() > 0) return do_read_header();  // pipelined request already buffered
    if (!first_) stream_.expires_after(server_->api.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            beast::bind_front_handler(&Session::on_wait, shared_from_this()));
  }

  void on_wait(beast::error_code ec, std::size_t n) {
    buffer_.commit(n);
    if (ec) return do_close();  // eof, idle timeout, stop: nothing to answer
    do_read_header();
  }

  void do_read_header() {
    phase_ = Phase::reading;
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(server_->limits.max_body_bytes);
    started_ = Clock::now();
    if (!first_) {
      // A keep-alive request's deadline starts with its first byte.
      deadline_ = started_ + request_timeout();
    }
    stream_.expires_at(deadline_);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_read_header, shared_from_this()));
  }

  void on_read_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    // Route, method and token from the header alone: a request that is not allowed is answered
    // before one byte of its body is read (or asked for with 100 Continue).
    admission_ = server_->router.admit(parser_->get());
    admission_->started = started_;
    admission_->client = client_text_;
    if (admission_->reject) {
      Response res = std::move(*admission_->reject);
      const std::string_view label = admission_->label;
      admission_.reset();
      if (parser_->is_done()) {
        version_ = parser_->get().version();
        keep_alive_ = parser_->get().keep_alive();
        parser_.reset();
        server_->router.record(label, res.result_int(), started_);
        return do_write(std::move(res));
      }
      // The body was not read, so the connection cannot carry another request.
      return answer_and_close(std::move(res), label);
    }
    if (parser_->is_done()) return on_request();
    // curl and others wait for "100 Continue" before sending a large body.
    if (iequals(parser_->get()[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, parser_->get().version());
      return http::async_write(stream_, *continue_,
                               beast::bind_front_handler(&Session::on_continue,
                                                         shared_from_this()));
    }
    do_read_body();
  }

  void on_continue(beast::error_code ec, std::size_t) {
    continue_.reset();
    if (ec) return do_close();
    do_read_body();
  }

  void do_read_body() {
    stream_.expires_at(deadline_);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read_body, shared_from_this()));
  }

  void on_read_body(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    on_request();
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return answer_and_close(ProblemKind::body_too_large,
                              "the request body exceeds " +
                                  std::to_string(server_->limits.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return answer_and_close(ProblemKind::header_too_large, "the request header is too large");
    }
    // Our own cancellation, deadlines and a peer going away get no answer.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec.category() != beast::error_code(http::error::end_of_stream).category()) {
      return do_close();
    }
    answer_and_close(ProblemKind::malformed_request, "malformed HTTP request");
  }

  void answer_and_close(ProblemKind kind, std::string detail) {
    const std::string_view route =
        parser_ && parser_->is_header_done() ? route_template(parser_->get().target()) : "other";
    answer_and_close(make_problem(kind, detail), route);
  }

  void answer_and_close(Response res, std::string_view route) {
    if (parser_ && parser_->is_header_done()) version_ = parser_->get().version();
    parser_.reset();
    admission_.reset();
    keep_alive_ = false;
    server_->router.record(route, res.result_int(), started_);
    linger_ = true;
    do_write(std::move(res));
  }

  void reject() {
    keep_alive_ = false;
    started_ = Clock::now();
    Response res = make_problem(ProblemKind::unavailable, "too many connections; retry later");
    res.set(http::field::retry_after, "1");
    server_->router.record("other", res.result_int(), started_);
    do_write(std::move(res));
  }

  void on_request() {
    phase_ = Phase::handling;
    Request req = parser_->release();
    parser_.reset();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    Admission admission = std::move(*admission_);
    admission_.reset();
    server_->router.handle(std::move(req), std::move(admission), [self = shared_from_this()](Response res) {
      // Synchronous answers run inline; store completions are posted to the io thread first.
      net::dispatch(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->do_write(std::move(res));
      });
    });
  }

  void do_write(Response res) {
    phase_ = Phase::writing;
    res.version(version_);
    res.keep_alive(keep_alive_ && !server_->stopping);
    res.prepare_payload();
    res_ = std::move(res);
    stream_.expires_after(request_timeout());
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return do_close();
    if (!res_.keep_alive()) return do_close();
    res_ = {};
    first_ = false;
    do_wait();
  }

  void do_close() {
    phase_ = Phase::closed;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (linger_ && !ec) {
      // The client may still be sending the body we refused. Closing with unread input makes
      // the kernel send RST, which can destroy our error response before the client reads it;
      // so drain (and discard) for a short while first, like nginx's lingering close.
      linger_ = false;
      stream_.expires_after(std::chrono::seconds(2));
      return do_drain();
    }
    // No operation is pending any more: the session ends when the last handler returns.
  }

  void do_drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->do_drain();
                            });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<Admission> admission_;
  std::shared_ptr<Server::Impl> server_;
  std::optional<net::ip::address> client_;  // counted in server_->per_client
  std::string client_text_;                 // the same, formatted once (audit log, sign-in)
  Response res_;
  Phase phase_ = Phase::waiting;
  bool first_ = true;
  bool keep_alive_ = false;
  bool linger_ = false;
  unsigned version_ = 11;
  Clock::time_point started_ = Clock::now();
  Clock::time_point deadline_ = Clock::now();
};

void Server::Impl::do_accept() {
  // No strand: one thread runs the io_context, so every handler of a session is already
  // serialised, and a strand would only add an indirection to each of its operations.
  acceptor.async_accept(io,
                        beast::bind_front_handler(&Impl::on_accept, shared_from_this()));
}

void Server::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (stopping || ec == net::error::operation_aborted) return;
  if (ec) {
    // EMFILE and friends: back off briefly instead of spinning or giving up on the listener.
    spdlog::warn("api: accept failed: {}", ec.message());
    accept_retry.expires_after(std::chrono::milliseconds(100));
    accept_retry.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec && !self->stopping) self->do_accept();
    });
    return;
  }
  beast::error_code opt_ec;
  socket.set_option(tcp::no_delay(true), opt_ec);  // small responses on keep-alive: no Nagle
  std::optional<net::ip::address> client;
  if (auto ep = socket.remote_endpoint(opt_ec); !opt_ec) client = ep.address();
  bool reject = sessions.size() >= static_cast<std::size_t>(std::max(0, api.max_connections));
  if (client) {
    int& n = per_client[*client];
    if (n >= api.max_connections_per_client) reject = true;
    ++n;
  }
  auto session = std::make_shared<Session>(std::move(socket), shared_from_this(), client);
  sessions.emplace(session.get(), session);
  session->run(reject);
  do_accept();
}

void Server::Impl::forget(Session* s, const std::optional<net::ip::address>& client) {
  if (client) {
    if (auto it = per_client.find(*client); it != per_client.end() && --it->second <= 0) {
      per_client.erase(it);
    }
  }
  sessions.erase(s);
  if (stopping && sessions.empty() && on_stopped) {
    net::post(io, std::exchange(on_stopped, nullptr));
  }
}

void Server::Impl::stop(std::function<void()> done) {
  stopping = true;
  beast::error_code ec;
  acceptor.close(ec);
  accept_retry.cancel();
  on_stopped = std::move(done);
  std::vector<std::shared_ptr<Session>> live;
  live.reserve(sessions.size());
  for (auto& [ptr, weak] : sessions) {
    if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->stop();
  live.clear();
  if (sessions.empty() && on_stopped) net::post(io, std::exchange(on_stopped, nullptr));
}

Server::Server(boost::asio::io_context& io, const config::Config& config, Dependencies deps)
    : impl_(std::make_shared<Impl>(io, config, std::move(deps))) {}

Server::~Server() {
  // Sessions keep Impl alive; closing the acceptor ends the accept loop's reference.
  beast::error_code ec;
  impl_->acceptor.close(ec);
  impl_->accept_retry.cancel();
}

void Server::start() {
  const tcp::endpoint endpoint = parse_listen(impl_->api.listen);
  beast::error_code ec;
  auto fail = [&](const char* what) {
    throw std::runtime_error("api: cannot " + std::string(what) + " " + impl_->api.listen + ": " +
                             ec.message());
  };
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("open");
  impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) fail("configure");
  if (endpoint.address().is_v6()) {
    impl_->acceptor.set_option(net::ip::v6_only(true), ec);  // [::] does not also take IPv4
    ec.clear();
  }
  impl_->acceptor.bind(endpoint, ec);
  if (ec) fail("bind");
  impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) fail("listen on");
  spdlog::info("api: listening on {}", impl_->api.listen);
  impl_->do_accept();
}

unsigned short Server::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::reconfigure(const config::Config& config) {
  if (config.api.listen != impl_->api.listen) {
    spdlog::warn("api: listen address changes take effect after a restart");
  }
  const std::string listen = impl_->api.listen;
  impl_->api = config.api;
  impl_->api.listen = listen;
  impl_->limits = config.limits;
  impl_->router.reconfigure(config);
}

void Server::async_stop(std::function<void()> done) {
  net::post(impl_->io, [impl = impl_, done = std::move(done)]() mutable {
    impl->stop(std::move(done));
  });
}

void install_queue_collector(Metrics& metrics, store::Store& store, smsgw::Clock clock) {
  metrics.collector = [&store, clock = std::move(clock)](Metrics& m) {
    for (const auto& [status, n] : store.count_by_status()) {
      m.messages_by_status.set({std::string(to_string(status))}, static_cast<double>(n));
    }
    const UnixMs now = clock.now();
    auto oldest = store.oldest_due_since(now);
    m.oldest_due_age.set({}, oldest ? std::max<double>(0, (now - *oldest) / 1000.0) : 0.0);
    const auto usage = store.disk_usage();
    m.store_database_size.set({}, static_cast<double>(usage.database_bytes));
    if (usage.free_bytes) m.store_disk_free.set({}, static_cast<double>(*usage.free_bytes));
    m.store_writable.set({}, store.last_commit_ok() ? 1 : 0);
    m.pending_reports.set({}, static_cast<double>(store.pending_reports()));
  };
}

}  // namespace smsgw::api
