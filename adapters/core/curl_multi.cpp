#include "adapters/core/curl_multi.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "adapters/core/failure.hpp"

namespace smsgw::adapters {
namespace {

namespace asio = boost::asio;

class CurlCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "curl"; }
  std::string message(int value) const override {
    return curl_easy_strerror(static_cast<CURLcode>(value));
  }
  std::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<CURLcode>(value)) {
      // The request may never have reached the carrier, or its answer got lost: try again.
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_CONNECT:
      case CURLE_OPERATION_TIMEDOUT:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE:
      case CURLE_WEIRD_SERVER_REPLY:
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
      case CURLE_AGAIN:
      case CURLE_SEND_FAIL_REWIND:
      case CURLE_OUT_OF_MEMORY:
      case CURLE_WRITE_ERROR:
      case CURLE_READ_ERROR:
        return failure::transient;
      default:
        // Malformed URL, unsupported protocol, certificate problems: the same request would
        // fail the same way until someone fixes the configuration.
        return failure::permanent;
    }
  }
};

// A response larger than this is not a carrier acknowledgement; stop reading rather than let a
// misbehaving peer grow memory without bound.
constexpr std::size_t kMaxResponseBytes = 1 << 20;
// Idle easy handles kept for reuse; creating one per request costs allocations on the hot path.
constexpr std::size_t kMaxIdleEasyHandles = 256;
// Transfers inside the multi handle at once. Beyond the connection limit curl would only park
// them in its own pending list, and curl 7.88 walks that list on every remove_handle: with
// 2,000 sends in flight that walk took a third of the dispatcher's CPU. Waiting here is O(1).
constexpr std::size_t kMaxActiveTransfers = 128;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

}  // namespace

const std::error_category& curl_category() noexcept {
  static const CurlCategory category;
  return category;
}

// One socket curl asked us to watch. Shared with the pending waits so that a wait completing
// after curl dropped the socket finds `closed` instead of freed memory.
struct SocketState {
  explicit SocketState(asio::io_context& io, curl_socket_t fd) : descriptor(io, fd), fd(fd) {}
  asio::posix::stream_descriptor descriptor;
  curl_socket_t fd;
  int want = 0;  // CURL_POLL_IN / OUT / INOUT
  bool read_pending = false;
  bool write_pending = false;
  bool closed = false;
};

struct Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;  // CURLOPT_POSTFIELDS points here: it must live as long as the transfer
  HttpResponse response;
  CurlMulti::Handler handler;
  char error[CURL_ERROR_SIZE] = {};
  std::chrono::milliseconds timeout{0};
  std::chrono::steady_clock::time_point queued_at{};
};

struct CurlMulti::Impl {
  explicit Impl(asio::io_context& io_context) : io(io_context), timer(io_context) {}

  asio::io_context& io;
  CURLM* multi = nullptr;
  asio::steady_timer timer;
  bool timer_armed = false;
  bool immediate_posted = false;
  std::unordered_map<curl_socket_t, std::shared_ptr<SocketState>> sockets;
  std::unordered_set<Transfer*> active;
  std::deque<Transfer*> waiting;  // prepared, not yet in the multi handle (kMaxActiveTransfers)
  std::vector<CURL*> idle_easy;
  // Waits and timer handlers may already be queued when the Impl goes away; they hold a
  // weak_ptr to this and do nothing once it has expired.
  std::shared_ptr<int> alive = std::make_shared<int>(0);

  // --- curl callbacks -------------------------------------------------------------------------

  static int on_socket(CURL*, curl_socket_t fd, int what, void* userp, void* socketp) {
    auto* self = static_cast<Impl*>(userp);
    if (what == CURL_POLL_REMOVE) {
      self->forget_socket(fd);
      return 0;
    }
    auto it = self->sockets.find(fd);
    if (it != self->sockets.end() && socketp == nullptr) {
      // curl sees a new socket under a number we still track: the old one was closed behind our
      // back (e.g. the resolver's socketpair). The stale registration must not be reused.
      self->forget_socket(fd);
      it = self->sockets.end();
    }
    if (it == self->sockets.end()) {
      auto state = std::make_shared<SocketState>(self->io, fd);
      it = self->sockets.emplace(fd, std::move(state)).first;
      curl_multi_assign(self->multi, fd, it->second.get());
    }
    it->second->want = what;
    self->arm(it->second);
    return 0;
  }

  static int on_timer(CURLM*, long timeout_ms, void* userp) {
    static_cast<Impl*>(userp)->schedule_timeout(timeout_ms);
    return 0;
  }
  static int on_close_socket(void* clientp, curl_socket_t fd) {
    static_cast<Impl*>(clientp)->forget_socket(fd);
    return ::close(fd);
  }

  static std::size_t on_write(char* data, std::size_t size, std::size_t count, void* userp) {
    auto* transfer = static_cast<Transfer*>(userp);
    const std::size_t bytes = size * count;
    if (transfer->response.body.size() + bytes > kMaxResponseBytes) return 0;
    transfer->response.body.append(data, bytes);
    return bytes;
  }

  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* userp) {
    auto* transfer = static_cast<Transfer*>(userp);
    const std::size_t bytes = size * count;
    std::string_view line(data, bytes);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.starts_with("HTTP/")) {
      // A new status line (after 100 Continue or a redirect): only the last response counts.
      transfer->response.headers.clear();
    } else if (!line.empty()) {
      transfer->response.headers.emplace_back(line);
    }
    return bytes;
  }

  // --- socket bookkeeping ---------------------------------------------------------------------

  // Stops watching fd without closing it: curl owns the socket and closes it itself.
  void forget_socket(curl_socket_t fd) {
    const auto it = sockets.find(fd);
    if (it == sockets.end()) return;
    auto state = it->second;
    sockets.erase(it);
    state->closed = true;
    state->descriptor.release();  // cancels pending waits; they see `closed`
  }

  void arm(const std::shared_ptr<SocketState>& state) {
    if ((state->want & CURL_POLL_IN) && !state->read_pending) {
      state->read_pending = true;
      state->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                                   [this, state](const boost::system::error_code& ec) {
                                     state->read_pending = false;
                                     on_ready(state, ec, CURL_CSELECT_IN, CURL_POLL_IN);
                                   });
    }
    if ((state->want & CURL_POLL_OUT) && !state->write_pending) {
      state->write_pending = true;
      state->descriptor.async_wait(asio::posix::stream_descriptor::wait_write,
                                   [this, state](const boost::system::error_code& ec) {
                                     state->write_pending = false;
                                     on_ready(state, ec, CURL_CSELECT_OUT, CURL_POLL_OUT);
                                   });
    }
  }

  void on_ready(const std::shared_ptr<SocketState>& state, const boost::system::error_code& ec,
                int select, int poll_bit) {
    // `closed` is checked before touching `this`: it is set for every socket when Impl dies.
    if (state->closed) return;
    if (ec == asio::error::operation_aborted) return;
    // Readiness curl no longer asked for (it changed its mind while the wait was queued).
    if ((state->want & poll_bit) == 0) return;
    socket_action(state->fd, ec ? CURL_CSELECT_ERR : select);
    // After an error curl fails the transfer; waiting again would only spin on the same error.
    if (!ec && !state->closed) arm(state);
  }

  // Re-arming the steady_timer costs a timerfd_settime syscall, and curl moves its deadline
  // after nearly every event; at thousands of requests per second that dominated the profile.
  // So: "now" is a single post, a later deadline keeps the earlier one armed (firing early is
  // harmless), and "no timeout" leaves the timer alone. After every timeout action we ask curl
  // for its real next deadline, because curl does not repeat a deadline it already reported.
  void schedule_timeout(long timeout_ms) {
    if (timeout_ms < 0) return;
    if (timeout_ms == 0) {
      if (immediate_posted) return;
      immediate_posted = true;
      asio::post(io, [this, alive = std::weak_ptr<int>(this->alive)] {
        if (alive.expired()) return;
        immediate_posted = false;
        on_timeout();
      });
      return;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    if (timer_armed && timer.expiry() <= deadline) return;
    timer_armed = true;
    timer.expires_at(deadline);
    timer.async_wait([this, alive = std::weak_ptr<int>(this->alive)](
                         const boost::system::error_code& ec) {
      // Aborted: superseded by an earlier deadline, or the Impl is going away.
      if (ec || alive.expired()) return;
      timer_armed = false;
      on_timeout();
    });
  }

  void on_timeout() {
    socket_action(CURL_SOCKET_TIMEOUT, 0);
    long next_ms = -1;
    curl_multi_timeout(multi, &next_ms);
    schedule_timeout(next_ms);
  }

  void socket_action(curl_socket_t fd, int select) {
    int running = 0;
    curl_multi_socket_action(multi, fd, select, &running);
    check_multi_info();
  }

  // --- transfers ------------------------------------------------------------------------------

  void check_multi_info() {
    int pending = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &pending)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      const CURLcode result = message->data.result;
      Transfer* transfer = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&transfer));
      std::error_code ec;
      if (result == CURLE_OK) {
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &transfer->response.status);
      } else {
        ec = std::error_code(static_cast<int>(result), curl_category());
        transfer->response.status = 0;
      }
      finish(transfer, ec);
    }
    start_waiting();
  }

  // Detaches the transfer and posts its handler: handlers may call perform() or cancel_all()
  // again, which must not happen inside curl's callbacks.
  void finish(Transfer* transfer, std::error_code ec) {
    const bool was_active = active.erase(transfer) > 0;
    std::unique_ptr<Transfer> owned(transfer);
    if (was_active) curl_multi_remove_handle(multi, owned->easy);
    recycle(owned->easy);
    curl_slist_free_all(owned->headers);
    asio::post(io, [handler = std::move(owned->handler), ec,
                    response = std::move(owned->response)]() mutable {
      handler(ec, std::move(response));
    });
  }

  // Moves waiting transfers into the multi handle while there is room. The time spent waiting
  // counts against the request's timeout, so a caller's deadline holds whatever the backlog.
  void start_waiting() {
    while (!waiting.empty() && active.size() < kMaxActiveTransfers) {
      Transfer* transfer = waiting.front();
      waiting.pop_front();
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - transfer->queued_at);
      if (waited >= transfer->timeout) {
        transfer->response.status = 0;
        finish(transfer, std::error_code(CURLE_OPERATION_TIMEDOUT, curl_category()));
        continue;
      }
      curl_easy_setopt(transfer->easy, CURLOPT_TIMEOUT_MS,
                       static_cast<long>((transfer->timeout - waited).count()));
      if (curl_multi_add_handle(multi, transfer->easy) != CURLM_OK) {
        finish(transfer, std::error_code(CURLE_FAILED_INIT, curl_category()));
        continue;
      }
      active.insert(transfer);
    }
  }

  void recycle(CURL* easy) {
    if (idle_easy.size() < kMaxIdleEasyHandles) {
      curl_easy_reset(easy);
      idle_easy.push_back(easy);
    } else {
      curl_easy_cleanup(easy);
    }
  }

  CURL* take_easy() {
    if (!idle_easy.empty()) {
      CURL* easy = idle_easy.back();
      idle_easy.pop_back();
      return easy;
    }
    return curl_easy_init();
  }
};

CurlMulti::CurlMulti(asio::io_context& io) : impl_(std::make_unique<Impl>(io)) {
  global_init();
  impl_->multi = curl_multi_init();
  if (impl_->multi == nullptr) throw std::runtime_error("curl_multi_init failed");
  CURLM* multi = impl_->multi;
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, impl_.get());
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, impl_.get());
  // Beyond this, curl queues transfers until a connection to that host frees up.
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 256L);
}

CurlMulti::~CurlMulti() {
  Impl& impl = *impl_;
  for (Transfer* transfer : impl.active) {
    curl_multi_remove_handle(impl.multi, transfer->easy);
    curl_easy_cleanup(transfer->easy);
    curl_slist_free_all(transfer->headers);
    delete transfer;
  }
  impl.active.clear();
  for (Transfer* transfer : impl.waiting) {
    curl_easy_cleanup(transfer->easy);
    curl_slist_free_all(transfer->headers);
    delete transfer;
  }
  impl.waiting.clear();
  for (CURL* easy : impl.idle_easy) curl_easy_cleanup(easy);
  impl.idle_easy.clear();
  // Closes the cached connections through on_close_socket, which still needs the Impl.
  curl_multi_cleanup(impl.multi);
  while (!impl.sockets.empty()) impl.forget_socket(impl.sockets.begin()->first);
  impl.timer.cancel();
  impl.alive.reset();
}

void CurlMulti::perform(HttpRequest request, Handler handler) {
  Impl& impl = *impl_;
  auto transfer = std::make_unique<Transfer>();
  transfer->handler = std::move(handler);
  transfer->body = std::move(request.body);
  CURL* easy = impl.take_easy();
  if (easy == nullptr) {
    asio::post(impl.io, [handler = std::move(transfer->handler)]() {
      handler(std::error_code(CURLE_OUT_OF_MEMORY, curl_category()), HttpResponse{});
    });
    return;
  }
  transfer->easy = easy;

  for (const auto& header : request.headers) {
    transfer->headers = curl_slist_append(transfer->headers, header.c_str());
  }
  // curl would otherwise wait for "100 Continue" before sending larger bodies.
  transfer->headers = curl_slist_append(transfer->headers, "Expect:");

  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::on_write);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Impl::on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &Impl::on_close_socket);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, &impl);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  // Timeouts must not use SIGALRM: the daemon owns its signals.
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  // Never pick up http_proxy from the environment: carriers are reached directly.
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);

  if (request.method == "POST") {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(transfer->body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->body.data());
  } else if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (!transfer->body.empty()) {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(transfer->body.size()));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->body.data());
    }
  }

  // curl copies the URL and custom method strings, so `request` may go away now.
  transfer->timeout = request.timeout;
  transfer->queued_at = std::chrono::steady_clock::now();
  impl.waiting.push_back(transfer.release());
  impl.start_waiting();
}

void CurlMulti::cancel_all() {
  Impl& impl = *impl_;
  std::vector<Transfer*> transfers(impl.waiting.begin(), impl.waiting.end());
  impl.waiting.clear();
  transfers.insert(transfers.end(), impl.active.begin(), impl.active.end());
  for (Transfer* transfer : transfers) {
    transfer->response.status = 0;
    impl.finish(transfer, std::make_error_code(std::errc::operation_canceled));
  }
}

std::size_t CurlMulti::in_flight() const noexcept {
  return impl_->active.size() + impl_->waiting.size();
}

}  // namespace smsgw::adapters
