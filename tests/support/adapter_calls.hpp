#pragma once
// Calling an adapter one message at a time, as most adapter tests do: a Submission of text and
// the one SubmitResult it gets, in the shape the assertions read (the first carrier id).

#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "adapters/core/contract.hpp"

namespace smsgw::testing {

struct SendOutcome {
  std::error_code error;
  std::string carrier_message_id;  // the first carrier id, "" if none
  std::string carrier_batch_id;
  std::string detail;
  std::optional<std::chrono::milliseconds> retry_after;
};

inline SendOutcome outcome_of(adapters::SubmitResult r) {
  SendOutcome o;
  o.error = r.error;
  if (!r.carrier_ids.empty()) o.carrier_message_id = std::move(r.carrier_ids.front());
  o.carrier_batch_id = std::move(r.carrier_batch_id);
  o.detail = std::move(r.detail);
  o.retry_after = r.retry_after;
  return o;
}

inline adapters::Submission text_sms(std::int64_t id, std::string to, std::string text,
                                     int segments = 1) {
  adapters::Submission s;
  s.id = id;
  s.to = std::move(to);
  s.text = std::move(text);
  s.segments = segments;
  return s;
}

// Submits one message; `done` gets its result.
inline void send_async(adapters::Adapter& adapter, adapters::Submission sms,
                       std::function<void(SendOutcome)> done) {
  std::vector<adapters::Submission> batch;
  batch.push_back(std::move(sms));
  adapter.submit(std::move(batch), [done = std::move(done)](adapters::SubmitResult r) {
    done(outcome_of(std::move(r)));
  });
}

}  // namespace smsgw::testing
