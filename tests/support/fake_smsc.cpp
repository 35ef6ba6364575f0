#include "support/fake_smsc.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <map>

#include "adapters/smpp/pdu.hpp"

namespace smsgw::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace smpp = smsgw::adapters::smpp;

struct FakeSmsc::Impl : std::enable_shared_from_this<Impl> {
  struct Session : std::enable_shared_from_this<Session> {
    Session(Impl& o, tcp::socket s) : owner(o), socket(std::move(s)) {}
    Impl& owner;
    tcp::socket socket;
    std::string buffer;
    std::deque<std::string> out;
    bool bound = false;
    bool closed = false;
    std::size_t outstanding = 0;
    std::uint32_t next_sequence = 1;
    std::map<std::uint32_t, std::chrono::steady_clock::time_point> receipt_sent;  // by sequence

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
        const auto f = smpp::frame(buffer);
        if (f.error) return close();
        if (!f.length || buffer.size() < *f.length) return;
        const std::string pdu = buffer.substr(0, *f.length);
        buffer.erase(0, *f.length);
        handle(smpp::decode(pdu));
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
    void handle(const smpp::Decoded& d) {
      std::lock_guard lock(owner.mutex);
      if (owner.silent) return;
      if (d.error) {
        send(smpp::encode(smpp::Command::generic_nack, d.error->nack_status, d.header.sequence));
        return;
      }
      const auto& h = d.pdu->header;
      switch (d.pdu->command()) {
        case smpp::Command::bind_transceiver: {
          const auto& b = std::get<smpp::BindTransceiver>(d.pdu->body);
          std::uint32_t st = smpp::status::ok;
          if (bound) st = smpp::status::already_bound;
          else if (b.system_id != owner.options.system_id) st = smpp::status::invalid_system_id;
          else if (b.password != owner.options.password) st = smpp::status::invalid_password;
          if (st == smpp::status::ok) {
            bound = true;
            ++owner.binds;
          }
          send(smpp::encode(smpp::Command::bind_transceiver_resp, st, h.sequence, smpp::BindResp{"FAKESMSC", {}}));
          break;
        }
        case smpp::Command::submit_sm: {
          if (!bound) {
            send(smpp::encode(smpp::Command::submit_sm_resp, smpp::status::incorrect_bind_status, h.sequence));
            break;
          }
          ++outstanding;
          owner.max_outstanding = std::max(owner.max_outstanding, outstanding);
          if (outstanding > owner.options.window) owner.violated = true;
          answer_submit(h.sequence, std::get<smpp::ShortMessage>(d.pdu->body));
          break;
        }
        case smpp::Command::deliver_sm_resp:
          if (h.status == smpp::status::ok) {
            ++owner.acked;
            if (auto it = receipt_sent.find(h.sequence); it != receipt_sent.end()) {
              owner.latencies.push_back(std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - it->second).count());
              receipt_sent.erase(it);
            }
          } else {
            ++owner.nacked;
          }
          break;
        case smpp::Command::enquire_link:
          ++owner.enquire_links;
          send(smpp::encode(smpp::Command::enquire_link_resp, 0, h.sequence));
          break;
        case smpp::Command::enquire_link_resp:
          ++owner.enquire_link_resps;
          break;
        case smpp::Command::unbind:
          ++owner.unbinds;
          send(smpp::encode(smpp::Command::unbind_resp, 0, h.sequence));
          bound = false;
          break;
        default:
          break;  // responses to what we sent, and commands an SMSC may ignore
      }
    }
    // Called with the owner's mutex held.
    void answer_submit(std::uint32_t sequence, const smpp::ShortMessage& m) {
      std::uint32_t st = smpp::status::ok;
      if (!owner.statuses.empty()) {
        st = owner.statuses.front();
        owner.statuses.erase(owner.statuses.begin());
      }
      const auto arrived = std::chrono::steady_clock::now();
      Submit s{m.source_addr, m.dest_addr, m.short_message, "", m.esm_class, m.data_coding, m.registered_delivery, {}, sequence};
      for (const auto& t : m.tlvs) s.tlvs.emplace_back(t.tag, t.value);
      if (st == smpp::status::ok) {
        const std::uint64_t n = ++owner.ids;
        char buf[32];
        std::snprintf(buf, sizeof buf, owner.options.hex_ids ? "%llX" : "%llu",
                      static_cast<unsigned long long>(0x10000 + n));
        s.message_id = buf;
        ++owner.accepted;
        if (owner.options.record) owner.submit_log.push_back(s);
      }
      const bool drop = owner.drop_after_n > 0 && owner.accepted >= owner.drop_after_n;
      auto self = shared_from_this();
      auto respond = [self, sequence, st, s, drop, arrived] {
        --self->outstanding;
        self->send(smpp::encode(smpp::Command::submit_sm_resp, st, sequence,
                                st == smpp::status::ok ? smpp::Body{smpp::SubmitSmResp{s.message_id}} : smpp::Body{smpp::Empty{}}));
        if (st == smpp::status::ok && (s.registered_delivery & 1) && self->owner.options.receipts) {
          smpp::ShortMessage r;
          r.source_addr = s.dest_addr;
          r.dest_addr = s.source_addr;
          r.esm_class = 0x04;
          // Receipts name the id in decimal when answers were hex (a common SMSC habit).
          const std::string decimal = std::to_string(std::stoull(s.message_id, nullptr, self->owner.options.hex_ids ? 16 : 10));
          r.short_message = "id:" + decimal + " sub:001 dlvrd:001 submit date:2612010900 done date:2612010901 stat:DELIVRD err:000 text:";
          self->receipt_sent[self->next_sequence] = arrived;  // io thread only
          self->send(smpp::encode(smpp::Command::deliver_sm, 0, self->next_sequence++, r));
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

  Options options;
  asio::io_context io{1};
  tcp::acceptor acceptor;
  std::thread thread;
  mutable std::mutex mutex;
  std::vector<std::weak_ptr<Session>> sessions;
  std::vector<std::weak_ptr<asio::steady_timer>> timers;  // response delays under way
  std::vector<std::uint32_t> statuses;
  std::vector<Submit> submit_log;
  std::chrono::milliseconds delay{0};
  bool silent = false;
  std::size_t drop_after_n = 0;
  std::size_t binds = 0, acked = 0, nacked = 0, unbinds = 0, enquire_links = 0, enquire_link_resps = 0,
              max_outstanding = 0;
  bool violated = false;
  std::uint64_t ids = 0;
  std::size_t accepted = 0;
  std::vector<double> latencies;
  bool stopped = false;
};

FakeSmsc::FakeSmsc() : FakeSmsc(Options{}) {}

FakeSmsc::FakeSmsc(Options options) : impl_(std::make_shared<Impl>(std::move(options))) {
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([impl = impl_] { impl->io.run(); });
}

FakeSmsc::~FakeSmsc() { stop(); }

void FakeSmsc::stop() {
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
    // No io.stop(): with the acceptor and every socket closed, the pending operations finish
    // with errors and run() returns, so their handlers (and the sessions they hold) are freed.
  });
  if (impl_->thread.joinable()) impl_->thread.join();
}

void FakeSmsc::push_status(std::uint32_t status) {
  std::lock_guard lock(impl_->mutex);
  impl_->statuses.push_back(status);
}
void FakeSmsc::set_response_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(impl_->mutex);
  impl_->delay = delay;
}
void FakeSmsc::set_silent(bool silent) {
  std::lock_guard lock(impl_->mutex);
  impl_->silent = silent;
}
void FakeSmsc::drop_after(std::size_t submits) {
  std::lock_guard lock(impl_->mutex);
  impl_->drop_after_n = submits;
}
void FakeSmsc::send_mo(const std::string& from, const std::string& to, const std::string& text) {
  asio::post(impl_->io, [impl = impl_, from, to, text] {
    std::vector<std::shared_ptr<Impl::Session>> live;
    {
      std::lock_guard lock(impl->mutex);
      for (auto& w : impl->sessions) {
        if (auto s = w.lock(); s && s->bound) live.push_back(s);
      }
    }
    for (auto& s : live) {
      smpp::ShortMessage m;
      m.source_addr = from;
      m.dest_addr = to;
      m.data_coding = 0x08;
      m.short_message = text;
      s->send(smpp::encode(smpp::Command::deliver_sm, 0, s->next_sequence++, m));
    }
  });
}
std::vector<FakeSmsc::Submit> FakeSmsc::submits() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->submit_log;
}
std::size_t FakeSmsc::binds() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->binds;
}
std::size_t FakeSmsc::receipts_acked() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->acked;
}
std::size_t FakeSmsc::deliver_nacks() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->nacked;
}
std::size_t FakeSmsc::unbinds() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->unbinds;
}
std::size_t FakeSmsc::enquire_links() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->enquire_links;
}
std::size_t FakeSmsc::enquire_link_resps() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->enquire_link_resps;
}
void FakeSmsc::send_enquire_link() {
  asio::post(impl_->io, [impl = impl_] {
    std::vector<std::shared_ptr<Impl::Session>> live;
    {
      std::lock_guard lock(impl->mutex);
      for (auto& w : impl->sessions) {
        if (auto s = w.lock(); s && s->bound) live.push_back(s);
      }
    }
    for (auto& s : live) s->send(smpp::encode(smpp::Command::enquire_link, 0, s->next_sequence++));
  });
}
std::size_t FakeSmsc::max_outstanding() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->max_outstanding;
}
std::vector<double> FakeSmsc::receipt_latencies_ms() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->latencies;
}
std::size_t FakeSmsc::submit_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->accepted;
}
bool FakeSmsc::window_violated() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->violated;
}

}  // namespace smsgw::testing
