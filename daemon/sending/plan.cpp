#include "sending/plan.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "common/crypto.hpp"
#include "common/duration.hpp"
#include "common/phone.hpp"
#include "common/sms_encoding.hpp"
#include "common/text_check.hpp"
#include "common/time.hpp"
#include "schedule/quiet_hours.hpp"

namespace smsgw::sending {

using json = nlohmann::json;

namespace {

// Above this many recipients the 202 body omits the per-message list (SPEC allows it): a
// 100,000-recipient response would be megabytes, stored again with its idempotency key.
// Batches this large are streamed (never built in memory), so there is no list to give.
constexpr std::size_t kMaxListedMessages = kStreamAbove;

}  // namespace

std::optional<std::string> check_time_bounds(UnixMs t, UnixMs now,
                                             std::chrono::milliseconds horizon) {
  if (t < 0) return std::string("must not be before 1970-01-01T00:00:00Z");
  if (t > now && t - now > horizon.count()) {
    return "is more than " + format_duration(horizon) + " ahead (limits.max_schedule_ahead); at most " +
           format_rfc3339(now + horizon.count());
  }
  return std::nullopt;
}

namespace {

// The draw: each eligible target is ranked by SHA-256 of the seed and its number, and the
// `size` first are taken, kept in the targets' order. A person's rank depends only on the seed
// and their own number, so anyone can repeat the draw from the recorded seed and the same
// population, and adding or removing one person moves no one else's rank.
store::TargetList draw(const store::TargetList& targets, const FanoutSpec& spec, store::SampleSpec& sample) {
  std::vector<std::pair<std::string, std::uint32_t>> ranked;
  ranked.reserve(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const store::Target t = targets[i];
    if (!t.active) continue;
    if (!spec.mandatory && spec.opted_out.count(std::string(t.phone)) > 0) continue;
    std::string key = sample.seed;
    key += '\x1f';
    key.append(t.phone);
    ranked.emplace_back(sha256_raw(key), static_cast<std::uint32_t>(i));
  }
  sample.population = static_cast<std::int64_t>(ranked.size());
  store::TargetList out;
  if (sample.size > sample.population) return out;
  const auto take = static_cast<std::size_t>(sample.size);
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(take), ranked.end());
  std::vector<std::uint32_t> picked;
  picked.reserve(take);
  for (std::size_t i = 0; i < take; ++i) picked.push_back(ranked[i].second);
  std::sort(picked.begin(), picked.end());
  out.reserve(take);
  for (std::uint32_t i : picked) {
    const store::Target t = targets[i];
    out.add(t.phone, t.recipient_id, t.name, t.unit, t.title, t.active);
    sample.drawn.push_back({std::string(t.phone), std::string(t.name), std::string(t.unit)});
  }
  return out;
}

}  // namespace

SendPlan plan_send(const SendContext& ctx, SendRequest& sr, std::string source) {
  SendPlan out;
  std::vector<FieldError>& errors = out.errors;
  // Template, groups and params are all checked before anything is written.
  std::optional<templates::Parsed> parsed;
  if (sr.template_name) {
    auto row = ctx.store.get_template(*sr.template_name);
    if (!row) {
      errors.push_back({"template", "no template named \"" + *sr.template_name + "\""});
    } else {
      parsed = templates::parse(row->body);
      if (!parsed->ok()) {
        errors.push_back({"template", "the stored template does not parse: " +
                                          parsed->error->to_string()});
      }
    }
  }
  std::vector<std::string> unknown_groups;
  store::TargetList targets = ctx.store.resolve_targets(sr.groups, sr.to, unknown_groups);
  if (!unknown_groups.empty()) {
    std::string names;
    for (const auto& g : unknown_groups) names += (names.empty() ? "" : ", ") + g;
    errors.push_back({"groups", "unknown group(s): " + names});
  }
  if (errors.empty() && targets.empty()) {
    errors.push_back({"groups", "the groups have no members"});
  }
  if (errors.empty() && targets.size() > ctx.limits.max_recipients_per_request) {
    errors.push_back({sr.groups.empty() ? "to" : "groups",
                      "resolves to " + std::to_string(targets.size()) + " recipients; at most " +
                          std::to_string(ctx.limits.max_recipients_per_request) + " per request"});
  }
  if (!errors.empty()) {
    out.detail = errors.size() == 1 ? "1 field is invalid"
                                    : std::to_string(errors.size()) + " fields are invalid";
    return out;
  }

  const UnixMs now = ctx.now;
  FanoutSpec spec;
  if (parsed) spec.tmpl = std::move(parsed->tmpl);
  spec.text = std::move(sr.text);
  spec.params = std::move(sr.params);
  spec.signature = ctx.sms.signature;
  spec.max_text_chars = ctx.limits.max_text_chars;
  spec.dates = date_values(ctx.tz, now);
  if (sr.template_name && ctx.mappings) {
    spec.calls = ctx.mappings->find(*sr.template_name);
    spec.calls_owner = ctx.mappings;
  }
  spec.mandatory = sr.mandatory;
  if (!sr.mandatory) {
    if (targets.size() <= 16) {
      std::vector<std::string> phones;
      for (std::size_t i = 0; i < targets.size(); ++i) phones.emplace_back(targets[i].phone);
      spec.opted_out = ctx.store.suppressed_among(phones);
    } else {
      spec.opted_out = ctx.store.suppressed_phones();
    }
  }
  std::optional<store::SampleSpec> drawn;
  if (sr.sample) {
    // Without a seed, one is made and written back, so that a send held for approval draws
    // the same people when it is approved (router.cpp keeps it in the held request).
    if (sr.sample->seed.empty()) sr.sample->seed = random_hex(16);
    drawn = store::SampleSpec{sr.sample->seed, sr.sample->size, 0, {}};
    targets = draw(targets, spec, *drawn);
    if (drawn->size > drawn->population) {
      out.errors.push_back({"sample.size", "is more than the " + std::to_string(drawn->population) +
                                               " recipients who can be drawn (active and not opted out)"});
      out.detail = "1 field is invalid";
      return out;
    }
  }
  Fanout fan = build_fanout(std::move(targets), std::move(spec));
  if (!fan.errors.empty()) {
    out.errors = std::move(fan.errors);
    out.detail = "the message cannot be built for every recipient";
    return out;
  }

  const auto n = static_cast<std::int64_t>(fan.count);
  const std::int64_t first_id = n > 0 ? ctx.store.allocate_message_ids(n) : 0;
  store::NewBatch& batch = out.batch;
  batch.id = ctx.store.allocate_batch_id();
  batch.source = std::move(source);
  batch.created_at = now;
  batch.signature = ctx.sms.signature;
  if (sr.template_name) batch.template_name = *sr.template_name;
  batch.confirm = sr.confirm;
  batch.sample = drawn;
  for (const std::string& g : sr.groups) {
    if (std::find(batch.groups.begin(), batch.groups.end(), g) == batch.groups.end()) batch.groups.push_back(g);
  }
  if (ctx.sms.daily_cap_per_recipient > 0) {
    batch.daily_cap = {ctx.sms.daily_cap_per_recipient, ctx.tz.start_of_local_day(now)};
  }
  // Quiet hours move a non-urgent send into the morning; the 202 shows the real send_at.
  const UnixMs send_at =
      schedule::quiet_due(ctx.sms.quiet_hours, ctx.tz, sr.priority, sr.send_at.value_or(now));
  batch.common.id = first_id;
  batch.common.priority = sr.priority;
  batch.common.send_at = send_at;
  batch.common.expires_at = sr.expires_at;
  if (fan.stream) {
    batch.stream = std::move(fan.stream);
    batch.streamed = fan.count;
  } else {
    for (std::int64_t i = 0; i < n; ++i) {
      store::NewMessage& m = fan.messages[static_cast<std::size_t>(i)];
      m.id = first_id + i;
      m.priority = sr.priority;
      m.send_at = send_at;
      m.expires_at = sr.expires_at;
    }
    batch.messages = std::move(fan.messages);
  }
  batch.skips = std::move(fan.skips);
  std::optional<UnixMs> moved;
  if (send_at != sr.send_at.value_or(now)) moved = send_at;
  if (batch.daily_cap.cap > 0) {
    // The cap may turn messages into skips at commit: the body is rendered from what the
    // writer committed, inside its transaction.
    out.render = [moved](const store::NewBatch& committed) {
      return render_send_response(committed, moved);
    };
  } else {
    // Nothing changes at commit: render here, off the writer thread, which every request's
    // commit waits for.
    auto body = std::make_shared<std::string>(render_send_response(batch, moved));
    out.render = [body](const store::NewBatch&) { return std::move(*body); };
  }
  out.count = n;
  out.due_at = send_at;
  return out;
}

namespace {

// A JSON string: ids, E.164 numbers, RFC 3339 times and skip reasons are plain ASCII and go
// as they are; anything else takes nlohmann's escaping.
void append_json_string(std::string& out, std::string_view s) {
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    return c >= 0x20 && c != '"' && c != '\\' && static_cast<unsigned char>(c) < 0x80;
  });
  if (plain) {
    out += '"';
    out += s;
    out += '"';
  } else {
    out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

}  // namespace

// Written directly rather than through a DOM: it is built for every accepted request (up to
// 1,000 listed messages), and the DOM cost 2 us for one message and 84 us for 100. The keys are
// in the order nlohmann's sorted objects gave them, so the bytes are the same as before.
std::string render_send_response(const store::NewBatch& committed, std::optional<UnixMs> moved) {
  std::map<std::string, std::int64_t> by_reason;
  for (const auto& skip : committed.skips) ++by_reason[skip.reason];
  const bool listed = !committed.stream && committed.messages.size() <= kMaxListedMessages;
  std::string out;
  out.reserve(96 + (listed ? committed.messages.size() * 56 : 0));
  out += "{\"batch_id\":\"";
  out += std::to_string(committed.id);
  out += "\",\"count\":";
  out += std::to_string(committed.message_count());
  if (listed) {
    out += ",\"messages\":[";
    for (std::size_t i = 0; i < committed.messages.size(); ++i) {
      const auto& m = committed.messages[i];
      if (i > 0) out += ',';
      out += "{\"id\":\"";
      out += std::to_string(m.id);
      out += "\",\"status\":\"queued\",\"to\":";
      append_json_string(out, m.to);
      out += '}';
    }
    out += ']';
  }
  if (moved) {
    out += ",\"send_at\":";
    append_json_string(out, format_rfc3339(*moved));
  }
  if (committed.sample) {
    out += ",\"sample\":{\"seed\":";
    append_json_string(out, committed.sample->seed);
    out += ",\"size\":" + std::to_string(committed.sample->size) +
           ",\"population\":" + std::to_string(committed.sample->population) + ",\"drawn\":[";
    bool first = true;
    for (const store::SampleSpec::Drawn& d : committed.sample->drawn) {
      out += first ? "{\"to\":" : ",{\"to\":";
      first = false;
      append_json_string(out, d.phone);
      out += ",\"name\":";
      append_json_string(out, d.name);
      out += ",\"unit\":";
      append_json_string(out, d.unit);
      out += '}';
    }
    out += "]}";
  }
  out += ",\"skipped\":";
  out += std::to_string(committed.skips.size());
  out += ",\"skipped_by_reason\":{";
  bool first = true;
  for (const auto& [reason, n] : by_reason) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, reason);
    out += ':';
    out += std::to_string(n);
  }
  out += "}}";
  return out;
}

}  // namespace smsgw::sending
