#include "support/fake_ismg.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <mutex>
#include <map>
#include <set>
#include <thread>

namespace smsgw::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace cmpp = smsgw::adapters::cmpp;

struct FakeIsmg::Impl : std::enable_shared_from_this<Impl> {
  struct Session : std::enable_shared_from_this<Session> {
    Session(Impl& o, tcp::socket s) : owner(o), socket(std::move(s)) {}
    Impl& owner;
    tcp::socket socket;
    std::string buffer;
    std::deque<std::string> out;
    bool connected = false;
    bool closed = false;
    std::size_t outstanding = 0;
    std::uint32_t next_sequence = 1;
    std::set<std::uint32_t> seen;
    std::map<std::uint32_t, std::chrono::steady_clock::time_point> report_sent;  // io thread only

    cmpp::Version version() const { return owner.options.version; }
    void start() { read(); }
    void read() {
      auto self = shared_from_this();
      auto chunk = std::make_shared<std::array<char, 4096>>();
      socket.async_read_some(asio::buffer(*chunk), [self, chunk](std::error_code ec, std::size_t n) {
        if (ec) return self->close();
        self->buffer.append(chunk->data(), n);
        self->drain();
        if (!self->closed) self->read();
      });
    }
    void drain() {
      while (!closed) {
        const auto f = cmpp::frame(buffer);
        if (f.error) return close();
        if (!f.length || buffer.size() < *f.length) return;
        const std::string pdu = buffer.substr(0, *f.length);
        buffer.erase(0, *f.length);
        handle(cmpp::decode(version(), pdu));
      }
    }
    void send(std::string pdu) {
      if (closed) return;
      out.push_back(std::move(pdu));
      if (out.size() == 1) write();
    }
    void write() {
      auto self = shared_from_this();
      asio::async_write(socket, asio::buffer(out.front()), [self](std::error_code ec, std::size_t) {
        if (ec) return self->close();
        self->out.pop_front();
        if (!self->out.empty()) self->write();
      });
    }
    void close() {
      if (closed) return;
      closed = true;
      boost::system::error_code ignored;
      socket.close(ignored);
    }
    void handle(const cmpp::Decoded& d) {
      std::lock_guard lock(owner.mutex);
      if (owner.silent) {
        if (d.pdu && d.pdu->command() == cmpp::Command::submit && !seen.insert(d.header.sequence).second) ++owner.resent;
        return;
      }
      if (d.error) return close();  // CMPP has no generic_nack: a broken peer is dropped
      const auto& h = d.pdu->header;
      switch (d.pdu->command()) {
        case cmpp::Command::connect: {
          const auto& c = std::get<cmpp::Connect>(d.pdu->body);
          std::uint32_t status = 0;
          if (c.source_addr != owner.options.sp_id) {
            status = 2;
          } else if (c.authenticator != cmpp::authenticator_source(c.source_addr, owner.options.secret, c.timestamp)) {
            status = 3;
          } else if (c.version != static_cast<std::uint8_t>(version())) {
            status = 4;
          }
          cmpp::ConnectResp resp;
          resp.status = status;
          resp.version = static_cast<std::uint8_t>(version());
          resp.authenticator = cmpp::authenticator_ismg(
              version(), status, c.authenticator, owner.options.forged_authenticator ? "forged" : owner.options.secret);
          if (status == 0) {
            connected = true;
            ++owner.connects;
          } else {
            ++owner.refused;
          }
          send(cmpp::encode(version(), cmpp::Command::connect_resp, h.sequence, resp));
          break;
        }
        case cmpp::Command::submit: {
          if (!connected) return close();
          if (owner.options.record && !seen.insert(h.sequence).second) ++owner.resent;
          ++outstanding;
          owner.max_outstanding = std::max(owner.max_outstanding, outstanding);
          if (outstanding > owner.options.window) owner.violated = true;
          answer_submit(h.sequence, std::get<cmpp::Submit>(d.pdu->body));
          break;
        }
        case cmpp::Command::deliver_resp:
          if (std::get<cmpp::DeliverResp>(d.pdu->body).result == 0) {
            ++owner.acked;
            if (auto it = report_sent.find(h.sequence); it != report_sent.end()) {
              owner.latencies.push_back(std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - it->second).count());
              report_sent.erase(it);
            }
          } else {
            ++owner.nacked;
          }
          break;
        case cmpp::Command::active_test:
          ++owner.active_tests;
          send(cmpp::encode(version(), cmpp::Command::active_test_resp, h.sequence));
          break;
        case cmpp::Command::active_test_resp:
          ++owner.active_test_resps;
          break;
        case cmpp::Command::terminate:
          ++owner.terminates;
          send(cmpp::encode(version(), cmpp::Command::terminate_resp, h.sequence));
          connected = false;
          break;
        case cmpp::Command::terminate_resp:
          ++owner.terminate_resps;
          close();
          break;
        default:
          break;
      }
    }
    // Called with the owner's mutex held.
    void answer_submit(std::uint32_t sequence, const cmpp::Submit& s) {
      std::uint32_t result = 0;
      if (!owner.results.empty()) {
        result = owner.results.front();
        owner.results.erase(owner.results.begin());
      }
      const auto arrived = std::chrono::steady_clock::now();
      Submit logged{s, 0, sequence};
      if (result == 0) {
        // Above 2^53 on purpose: the id must be handled as an opaque 64-bit value.
        logged.msg_id = 0x0123456789000000ull + (++owner.ids);
        if (owner.options.record) owner.submit_log.push_back(logged);
      }
      const bool drop = owner.drop_after_n > 0 && owner.ids >= owner.drop_after_n;
      const bool report = result == 0 && s.registered_delivery == 1 && owner.options.reports;
      const std::string stat = owner.options.report_stat;
      auto self = shared_from_this();
      auto respond = [self, sequence, result, logged, drop, report, stat, arrived] {
        --self->outstanding;
        self->send(cmpp::encode(self->version(), cmpp::Command::submit_resp, sequence,
                                cmpp::SubmitResp{logged.msg_id, result}));
        if (report) {
          cmpp::Deliver d;
          d.msg_id = logged.msg_id + 1000;
          d.dest_id = logged.pdu.src_id;
          d.service_id = logged.pdu.service_id;
          d.src_terminal_id = logged.pdu.dest_terminal_ids.empty() ? "" : logged.pdu.dest_terminal_ids[0];
          d.registered_delivery = 1;
          cmpp::StatusReport r;
          r.msg_id = logged.msg_id;
          r.stat = stat;
          r.submit_time = "2612010900";
          r.done_time = "2612010901";
          r.dest_terminal_id = d.src_terminal_id;
          r.smsc_sequence = sequence;
          d.report = r;
          self->report_sent[self->next_sequence] = arrived;
          self->send(cmpp::encode(self->version(), cmpp::Command::deliver, self->next_sequence++, d));
        }
        if (drop) self->close();
      };
      if (owner.delay.count() > 0) {
        auto timer = std::make_shared<asio::steady_timer>(socket.get_executor(), owner.delay);
        owner.timers.push_back(timer);  // stop() cancels it: a long delay must not hold the thread
        timer->async_wait([timer, respond](std::error_code ec) {
          if (!ec) respond();
        });
      } else {
        respond();
      }
    }
  };

  explicit Impl(Options o) : options(std::move(o)), acceptor(io) {
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
  }
  void accept() {
    auto self = shared_from_this();
    acceptor.async_accept([self](std::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto s = std::make_shared<Session>(*self, std::move(socket));
      {
        std::lock_guard lock(self->mutex);
        self->sessions.push_back(s);
      }
      s->start();
      self->accept();
    });
  }
  template <typename F>
  void each_connected(F f) {
    asio::post(io, [self = shared_from_this(), f] {
      std::vector<std::shared_ptr<Session>> live;
      {
        std::lock_guard lock(self->mutex);
        for (auto& w : self->sessions) {
          if (auto s = w.lock(); s && s->connected && !s->closed) live.push_back(s);
        }
      }
      for (auto& s : live) f(*s);
    });
  }

  Options options;
  asio::io_context io{1};
  tcp::acceptor acceptor;
  std::thread thread;
  mutable std::mutex mutex;
  std::vector<std::weak_ptr<Session>> sessions;
  std::vector<std::weak_ptr<asio::steady_timer>> timers;  // response delays under way
  std::vector<std::uint32_t> results;
  std::vector<Submit> submit_log;
  std::chrono::milliseconds delay{0};
  bool silent = false;
  std::size_t drop_after_n = 0;
  std::size_t connects = 0, refused = 0, resent = 0, acked = 0, nacked = 0, terminates = 0,
              terminate_resps = 0, active_tests = 0, active_test_resps = 0, max_outstanding = 0;
  bool violated = false;
  std::uint64_t ids = 0;
  std::vector<double> latencies;
  bool stopped = false;
};

FakeIsmg::FakeIsmg() : FakeIsmg(Options{}) {}

FakeIsmg::FakeIsmg(Options options) : impl_(std::make_shared<Impl>(std::move(options))) {
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([impl = impl_] { impl->io.run(); });
}

FakeIsmg::~FakeIsmg() { stop(); }

void FakeIsmg::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  asio::post(impl_->io, [impl = impl_] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    std::vector<std::shared_ptr<Impl::Session>> live;
    {
      std::lock_guard lock(impl->mutex);
      for (auto& w : impl->sessions) {
        if (auto s = w.lock()) live.push_back(s);
      }
    }
    for (auto& s : live) s->close();
    std::vector<std::weak_ptr<asio::steady_timer>> timers;
    {
      std::lock_guard lock(impl->mutex);
      timers.swap(impl->timers);
    }
    for (auto& w : timers) {
      if (auto t = w.lock()) t->cancel();
    }
  });
  if (impl_->thread.joinable()) impl_->thread.join();
}

void FakeIsmg::push_result(std::uint32_t result) {
  std::lock_guard lock(impl_->mutex);
  impl_->results.push_back(result);
}
void FakeIsmg::set_response_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(impl_->mutex);
  impl_->delay = delay;
}
void FakeIsmg::set_silent(bool silent) {
  std::lock_guard lock(impl_->mutex);
  impl_->silent = silent;
}
void FakeIsmg::drop_after(std::size_t submits) {
  std::lock_guard lock(impl_->mutex);
  impl_->drop_after_n = submits;
}
void FakeIsmg::send_mo(const std::string& from, const std::string& dest_id, const std::string& ucs2) {
  impl_->each_connected([from, dest_id, ucs2](Impl::Session& s) {
    cmpp::Deliver d;
    d.msg_id = 0x0ABCDEF000000000ull + s.next_sequence;
    d.dest_id = dest_id;
    d.msg_fmt = 8;
    d.src_terminal_id = from;
    d.registered_delivery = 0;
    d.msg_content = ucs2;
    s.send(cmpp::encode(s.version(), cmpp::Command::deliver, s.next_sequence++, d));
  });
}
void FakeIsmg::send_terminate() {
  impl_->each_connected([](Impl::Session& s) {
    s.send(cmpp::encode(s.version(), cmpp::Command::terminate, s.next_sequence++));
  });
}
void FakeIsmg::send_active_test() {
  impl_->each_connected([](Impl::Session& s) {
    s.send(cmpp::encode(s.version(), cmpp::Command::active_test, s.next_sequence++));
  });
}

#define SMSGW_FAKE_ISMG_COUNTER(name, field)   \
  std::size_t FakeIsmg::name() const {         \
    std::lock_guard lock(impl_->mutex);        \
    return impl_->field;                       \
  }
SMSGW_FAKE_ISMG_COUNTER(connects, connects)
SMSGW_FAKE_ISMG_COUNTER(refused_connects, refused)
SMSGW_FAKE_ISMG_COUNTER(resent, resent)
SMSGW_FAKE_ISMG_COUNTER(deliver_acks, acked)
SMSGW_FAKE_ISMG_COUNTER(deliver_nacks, nacked)
SMSGW_FAKE_ISMG_COUNTER(terminates, terminates)
SMSGW_FAKE_ISMG_COUNTER(terminate_resps, terminate_resps)
SMSGW_FAKE_ISMG_COUNTER(active_tests, active_tests)
SMSGW_FAKE_ISMG_COUNTER(active_test_resps, active_test_resps)
SMSGW_FAKE_ISMG_COUNTER(max_outstanding, max_outstanding)
#undef SMSGW_FAKE_ISMG_COUNTER

std::vector<FakeIsmg::Submit> FakeIsmg::submits() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->submit_log;
}
std::vector<double> FakeIsmg::receipt_latencies_ms() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->latencies;
}
std::size_t FakeIsmg::submit_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->ids;
}
bool FakeIsmg::window_violated() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->violated;
}

}  // namespace smsgw::testing
