#include "adapters/core/curl_multi.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <thread>

#include "adapters/core/failure.hpp"
#include "support/fake_http_carrier.hpp"
#include "support/run_until.hpp"

namespace smsgw::adapters {
namespace {

using namespace std::chrono_literals;
using smsgw::testing::FakeHttpCarrier;

using smsgw::testing::run_until;
using smsgw::testing::run_until_out_of_work;

struct Result {
  std::error_code ec;
  HttpResponse response;
  std::thread::id thread;
};

class CurlMultiTest : public ::testing::Test {
 protected:
  HttpRequest post(std::string body = R"({"hello":"world"})") {
    HttpRequest request;
    request.url = carrier_.url();
    request.headers = {"Content-Type: application/json"};
    request.body = std::move(body);
    return request;
  }

  std::optional<Result> perform_one(HttpRequest request) {
    std::optional<Result> result;
    multi_.perform(std::move(request), [&](std::error_code ec, HttpResponse response) {
      result = Result{ec, std::move(response), std::this_thread::get_id()};
    });
    if (!run_until(io_, [&] { return result.has_value(); })) return std::nullopt;
    return result;
  }

  boost::asio::io_context io_;
  FakeHttpCarrier carrier_;
  CurlMulti multi_{io_};
};

TEST_F(CurlMultiTest, SendsTheRequestAndReturnsTheResponse) {
  auto request = post(R"({"id":"1"})");
  request.headers.push_back("X-Test: yes");
  const auto result = perform_one(std::move(request));
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ec) << result->ec.message();
  EXPECT_EQ(result->response.status, 200);
  EXPECT_EQ(result->response.body, R"({"message_id":"fake-1"})");
  bool has_content_type = false;
  for (const auto& header : result->response.headers) {
    if (header.starts_with("Content-Type:")) has_content_type = true;
  }
  EXPECT_TRUE(has_content_type);

  const auto received = carrier_.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "POST");
  EXPECT_EQ(received[0].target, "/send");
  EXPECT_EQ(received[0].body, R"({"id":"1"})");
  EXPECT_EQ(received[0].header("x-test"), "yes");
  EXPECT_EQ(received[0].header("content-type"), "application/json");
}

TEST_F(CurlMultiTest, AnyHttpStatusIsAResponseNotAnError) {
  carrier_.set_reply(FakeHttpCarrier::Reply::of(503, "busy"));
  const auto result = perform_one(post());
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ec);
  EXPECT_EQ(result->response.status, 503);
  EXPECT_EQ(result->response.body, "busy");
}

TEST_F(CurlMultiTest, HandlerIsNeverCalledInsidePerform) {
  bool called = false;
  multi_.perform(post(), [&](std::error_code, HttpResponse) { called = true; });
  EXPECT_FALSE(called);
  EXPECT_EQ(multi_.in_flight(), 1u);
  ASSERT_TRUE(run_until(io_, [&] { return called; }));
  EXPECT_EQ(multi_.in_flight(), 0u);
}

TEST_F(CurlMultiTest, ManyConcurrentRequestsCompleteOnTheIoThread) {
  constexpr int kRequests = 500;
  carrier_.set_reply(FakeHttpCarrier::Reply::delayed(5ms));
  int completed = 0;
  int ok = 0;
  bool all_on_this_thread = true;
  const auto self = std::this_thread::get_id();
  for (int i = 0; i < kRequests; ++i) {
    multi_.perform(post(), [&](std::error_code ec, HttpResponse response) {
      ++completed;
      if (!ec && response.status == 200) ++ok;
      if (std::this_thread::get_id() != self) all_on_this_thread = false;
    });
  }
  EXPECT_EQ(multi_.in_flight(), static_cast<std::size_t>(kRequests));
  ASSERT_TRUE(run_until(io_, [&] { return completed == kRequests; }, 30s));
  EXPECT_EQ(ok, kRequests);
  EXPECT_TRUE(all_on_this_thread);
  EXPECT_EQ(carrier_.count(), static_cast<std::size_t>(kRequests));
  // Concurrency was real (more than one connection) but bounded by the per-host limit.
  EXPECT_GT(carrier_.connections(), 1u);
  EXPECT_LE(carrier_.connections(), 64u);
}

TEST_F(CurlMultiTest, SequentialRequestsReuseOneConnection) {
  for (int i = 0; i < 20; ++i) {
    const auto result = perform_one(post());
    ASSERT_TRUE(result);
    ASSERT_FALSE(result->ec) << result->ec.message();
  }
  EXPECT_EQ(carrier_.count(), 20u);
  EXPECT_EQ(carrier_.connections(), 1u);
}

TEST_F(CurlMultiTest, TimeoutIsATransientCurlError) {
  carrier_.set_reply(FakeHttpCarrier::Reply::delayed(5s));
  auto request = post();
  request.timeout = 200ms;
  const auto started = std::chrono::steady_clock::now();
  const auto result = perform_one(std::move(request));
  ASSERT_TRUE(result);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
  EXPECT_EQ(result->ec, std::error_code(CURLE_OPERATION_TIMEDOUT, curl_category()));
  EXPECT_TRUE(is_transient(result->ec));
  EXPECT_EQ(result->response.status, 0);
}

TEST_F(CurlMultiTest, RefusedConnectionIsTransient) {
  const auto port = carrier_.port();
  carrier_.stop();
  HttpRequest request = post();
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/send";
  const auto result = perform_one(std::move(request));
  ASSERT_TRUE(result);
  EXPECT_EQ(&result->ec.category(), &curl_category());
  EXPECT_EQ(result->ec.value(), CURLE_COULDNT_CONNECT);
  EXPECT_TRUE(is_transient(result->ec));
  EXPECT_FALSE(is_permanent(result->ec));
  EXPECT_FALSE(result->ec.message().empty());
}

TEST_F(CurlMultiTest, MalformedUrlIsPermanent) {
  HttpRequest request = post();
  request.url = "ftp://127.0.0.1/x";
  const auto result = perform_one(std::move(request));
  ASSERT_TRUE(result);
  ASSERT_TRUE(result->ec);
  EXPECT_TRUE(is_permanent(result->ec)) << result->ec.message();
}

TEST_F(CurlMultiTest, ACarrierRestartOnTheSamePortIsSurvived) {
  ASSERT_TRUE(perform_one(post()));
  const auto port = carrier_.port();
  carrier_.stop();  // the cached keep-alive connection is now dead
  FakeHttpCarrier::Options options;
  options.port = port;
  FakeHttpCarrier restarted(options);
  const auto result = perform_one(post());
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ec) << result->ec.message();
  EXPECT_EQ(result->response.status, 200);
  EXPECT_EQ(restarted.count(), 1u);
}

TEST_F(CurlMultiTest, CancelAllCompletesEveryTransferWithOperationCanceled) {
  carrier_.set_reply(FakeHttpCarrier::Reply::delayed(10s));
  int cancelled = 0;
  for (int i = 0; i < 5; ++i) {
    multi_.perform(post(), [&](std::error_code ec, HttpResponse) {
      if (ec == std::errc::operation_canceled) ++cancelled;
    });
  }
  ASSERT_TRUE(run_until(io_, [&] { return carrier_.count() == 5; }));
  multi_.cancel_all();
  EXPECT_EQ(multi_.in_flight(), 0u);
  ASSERT_TRUE(run_until(io_, [&] { return cancelled == 5; }));

  // The multi stays usable afterwards.
  carrier_.set_reply(FakeHttpCarrier::Reply{});
  const auto result = perform_one(post());
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ec);
}

// More transfers than the multi handle takes at once wait in CurlMulti; their waiting counts
// against their own timeout, so a backlog can never stretch a caller's deadline.
TEST_F(CurlMultiTest, WaitingBeyondTheActiveCapCountsAgainstTheTimeout) {
  carrier_.set_reply(FakeHttpCarrier::Reply::delayed(400ms));
  constexpr int kRequests = 400;  // well over the 128 transfers allowed in the multi at once
  int ok = 0, timed_out = 0, completed = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kRequests; ++i) {
    auto request = post();
    request.timeout = 600ms;
    multi_.perform(std::move(request), [&](std::error_code ec, HttpResponse) {
      ++completed;
      if (!ec) ++ok;
      if (ec == std::error_code(CURLE_OPERATION_TIMEDOUT, curl_category())) ++timed_out;
    });
  }
  ASSERT_TRUE(run_until(io_, [&] { return completed == kRequests; }, 20s));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GT(ok, 0);
  EXPECT_GT(timed_out, 0);  // the late ones waited out most of their 600 ms
  EXPECT_EQ(ok + timed_out, kRequests);
  EXPECT_LT(elapsed, 3s);  // nobody waited a full round plus a full timeout
  EXPECT_EQ(multi_.in_flight(), 0u);
}

TEST_F(CurlMultiTest, CancelAllAlsoCancelsWaitingTransfers) {
  carrier_.set_reply(FakeHttpCarrier::Reply::delayed(10s));
  constexpr int kRequests = 300;
  int cancelled = 0;
  for (int i = 0; i < kRequests; ++i) {
    multi_.perform(post(), [&](std::error_code ec, HttpResponse) {
      if (ec == std::errc::operation_canceled) ++cancelled;
    });
  }
  EXPECT_EQ(multi_.in_flight(), static_cast<std::size_t>(kRequests));
  multi_.cancel_all();
  EXPECT_EQ(multi_.in_flight(), 0u);
  ASSERT_TRUE(run_until(io_, [&] { return cancelled == kRequests; }));
}

TEST(CurlMultiLifetime, DestructorDropsHandlersOfRunningTransfers) {
  boost::asio::io_context io;
  FakeHttpCarrier carrier;
  carrier.set_reply(FakeHttpCarrier::Reply::delayed(10s));
  bool called = false;
  {
    CurlMulti multi(io);
    HttpRequest request;
    request.url = carrier.url();
    multi.perform(std::move(request), [&](std::error_code, HttpResponse) { called = true; });
    ASSERT_TRUE(run_until(io, [&] { return carrier.count() == 1; }));
  }
  // Once the io_context has nothing left that the multi started (long before the carrier's
  // 10 s reply), the handler can never be called.
  EXPECT_TRUE(run_until_out_of_work(io, 5s)) << "the destroyed multi left work behind";
  EXPECT_FALSE(called);
}

TEST(CurlCategory, MapsCodesToConditions) {
  const auto& category = curl_category();
  EXPECT_EQ(category.message(CURLE_COULDNT_CONNECT), curl_easy_strerror(CURLE_COULDNT_CONNECT));
  for (const CURLcode code : {CURLE_OPERATION_TIMEDOUT, CURLE_COULDNT_CONNECT,
                              CURLE_COULDNT_RESOLVE_HOST, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
                              CURLE_SSL_CONNECT_ERROR, CURLE_GOT_NOTHING}) {
    EXPECT_TRUE(is_transient(std::error_code(code, category))) << code;
  }
  for (const CURLcode code : {CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL}) {
    EXPECT_TRUE(is_permanent(std::error_code(code, category))) << code;
  }
}

TEST(CarrierCategory, EveryCodeIsTransientPermanentOrThrottled) {
  using E = carrier_errc;
  EXPECT_TRUE(is_throttled(E::throttled));
  EXPECT_FALSE(is_transient(E::throttled));
  EXPECT_FALSE(is_permanent(E::throttled));
  for (const E e : {E::timeout, E::connection_failed, E::server_error,
                    E::unavailable, E::bad_response}) {
    EXPECT_TRUE(is_transient(e)) << static_cast<int>(e);
    EXPECT_FALSE(is_permanent(e));
  }
  for (const E e : {E::rejected, E::invalid_number, E::unauthorized}) {
    EXPECT_TRUE(is_permanent(e)) << static_cast<int>(e);
    EXPECT_FALSE(is_transient(e));
  }
  EXPECT_FALSE(is_transient(std::error_code()));
  EXPECT_FALSE(is_permanent(std::error_code()));
  EXPECT_FALSE(is_throttled(std::error_code()));
  EXPECT_EQ(std::error_code(E::timeout).message(), "carrier timeout");
}

}  // namespace
}  // namespace smsgw::adapters
