#pragma once
// A fake Alibaba Cloud SMS (dysmsapi 2017-05-25) on loopback, over FakeHttpCarrier. It checks
// every request as Aliyun does: the V3 (ACS3-HMAC-SHA256) or RPC (HMAC-SHA1) signature, the
// timestamp (15 minutes), the nonce (never twice: SignatureNonceUsed), then the action's
// parameters (approved sign name and template codes, <= 1,000 / 100 numbers, numbers valid),
// and answers {"Code", "Message", "BizId", "RequestId"}. QuerySendDetails lists what it took.
// Faults: a queue of Codes for the next sends, and "answer lost" (the send is taken, then the
// answer is held past the client's timeout).

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fake_http_carrier.hpp"

namespace smsgw::testing {

class FakeAliyun {
 public:
  struct Account {
    std::string key_id = "testId";
    std::string secret = "testSecret";
    std::string sign_name = "某某区纪委";
    std::set<std::string> templates = {"SMS_100001", "SMS_100002"};
  };
  struct Send {
    std::string action;                 // SendSms | SendBatchSms
    std::string signature;              // "v3" | "rpc"
    std::vector<std::string> numbers;   // as sent
    std::vector<std::string> params;    // TemplateParam per number (JSON text)
    std::string template_code, out_id, biz_id, extension;
  };
  struct Fault {
    std::string code;                   // e.g. "isv.BUSINESS_LIMIT_CONTROL"
    std::string message;
    std::chrono::milliseconds lose_answer{0};  // > 0: take the send, answer this late
  };

  FakeAliyun();
  // `http`: the server's options (a benchmark keeps no record of requests).
  explicit FakeAliyun(Account account, FakeHttpCarrier::Options http = {});
  std::string endpoint() const;  // http://127.0.0.1:<port>
  FakeHttpCarrier& http() { return http_; }

  void push_fault(Fault fault);  // consumed one per send
  // What QuerySendDetails says of this number's sends: SendStatus (1 waiting, 2 failed,
  // 3 delivered; default 3) and ErrCode.
  void set_detail(const std::string& number, int send_status, std::string err_code);
  std::vector<Send> sends() const;       // the sends it accepted
  std::vector<std::string> refusals() const;  // Codes of requests it refused, in order
  std::size_t queries() const;
  std::size_t accepted_numbers() const;  // over all accepted sends

  // An SmsReport push body for the numbers of accepted sends: delivered unless listed in
  // `failed` (number -> err_code).
  nlohmann::json reports(const std::vector<std::pair<std::string, std::string>>& failed = {}) const;

 private:
  FakeHttpCarrier::Reply answer(const FakeHttpCarrier::Received& r);
  FakeHttpCarrier::Reply refuse(int status, const std::string& code, const std::string& message);

  Account account_;
  FakeHttpCarrier http_;
  mutable std::mutex mutex_;
  std::vector<Fault> faults_;
  std::vector<Send> sends_;
  std::vector<std::string> refusals_;
  std::set<std::string> nonces_;
  std::map<std::string, std::pair<int, std::string>> details_;
  std::size_t queries_ = 0;
  std::size_t accepted_numbers_ = 0;
  int biz_ = 0;
};

}  // namespace smsgw::testing
