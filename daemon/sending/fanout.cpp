#include "sending/fanout.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/phone.hpp"
#include "common/sms_encoding.hpp"
#include "common/text_check.hpp"
#include "sending/mappings.hpp"
#include "templates/signature.hpp"

namespace smsgw::sending {

using json = nlohmann::json;

DateValues date_values(const TimeZone& tz, UnixMs now) {
  const CivilTime c = tz.to_local(now);
  char buf[64];
  DateValues d;
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  d.today = buf;
  d.today_cn = std::to_string(c.year) + "年" + std::to_string(c.month) + "月" +
               std::to_string(c.day) + "日";
  std::snprintf(buf, sizeof buf, "%02d:%02d", c.hour, c.minute);
  d.now = buf;
  d.year = std::to_string(c.year);
  d.month = std::to_string(c.month);
  d.day = std::to_string(c.day);
  return d;
}

Params parse_params(const json& j, std::vector<FieldError>& errors) {
  Params out;
  if (j.is_null()) return out;
  if (!j.is_object()) {
    errors.push_back({"params", "must be an object of strings"});
    return out;
  }
  for (const auto& [key, value] : j.items()) {
    if (auto bad = control_character_problem(key)) {
      errors.push_back({"params", "parameter names " + *bad});
    } else if (value.is_string()) {
      reject_control_characters(errors, "params." + key, value.get_ref<const std::string&>());
      out.emplace_back(key, value.get<std::string>());
    } else if (value.is_number() || value.is_boolean()) {
      out.emplace_back(key, value.dump());
    } else {
      errors.push_back({"params." + key, "must be a string"});
    }
  }
  return out;
}

ParamIndex::ParamIndex(const Params& params) : params_(params) {
  if (params.size() <= kLinear) return;
  by_name_.reserve(params.size());
  for (const auto& [k, v] : params) by_name_.emplace(k, &v);  // emplace keeps the first
}

const std::string* ParamIndex::find(std::string_view name) const {
  if (params_.size() <= kLinear) {
    for (const auto& [k, v] : params_) {
      if (k == name) return &v;
    }
    return nullptr;
  }
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::optional<std::string> lookup_value(std::string_view name, const ParamIndex& params,
                                        const RecipientFields* recipient,
                                        const DateValues& dates) {
  if (recipient != nullptr) {
    std::string_view v;
    if (name == "name") v = recipient->name;
    else if (name == "title") v = recipient->title;
    else if (name == "unit") v = recipient->unit;
    if (!v.empty()) return std::string(v);
  }
  if (const std::string* v = params.find(name)) return *v;
  if (name == "today") return dates.today;
  if (name == "today_cn") return dates.today_cn;
  if (name == "now") return dates.now;
  if (name == "year") return dates.year;
  if (name == "month") return dates.month;
  if (name == "day") return dates.day;
  return std::nullopt;
}

bool uses_recipient_fields(const templates::Template& t) {
  for (const auto& n : templates::placeholders(t)) {
    if (n == "name" || n == "title" || n == "unit") return true;
  }
  return false;
}

namespace {

std::string too_long(int chars, std::size_t max) {
  return "the final text is " + std::to_string(chars) + " characters; at most " +
         std::to_string(max) + " are allowed";
}

// Renders every carrier call for one recipient (rf null: none). Names with no value go to
// `missing` (as "<carrier>: <name>"); returns the stored form, "" if a value was missing.
std::string render_calls(const std::vector<CarrierCall>& calls, const ParamIndex& params,
                         const RecipientFields* rf, const DateValues& dates,
                         std::vector<std::string>& missing) {
  std::vector<std::vector<std::string>> values(calls.size());
  bool complete = true;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    for (const auto& [name, parsed] : calls[i].params) {
      auto r = templates::render(*parsed.tmpl, [&](std::string_view n) {
        return lookup_value(n, params, rf, dates);
      });
      for (const auto& m : r.missing) {
        missing.push_back(calls[i].carrier + ": " + m);
        complete = false;
      }
      values[i].push_back(std::move(r.text));
    }
  }
  return complete ? encode_calls(calls, values) : std::string();
}

}  // namespace

namespace {

// What was missing or too long across a fan-out, for the 422.
struct Problems {
  // Missing names with how many recipients lack each and one example; indexed by name, since
  // a template may lack 100,000 names for each of 100,000 recipients.
  std::vector<std::pair<std::string, std::pair<std::int64_t, std::string>>> missing;
  std::unordered_map<std::string, std::size_t> missing_at;
  std::vector<std::string> calls_missing;
  std::int64_t too_long_count = 0;
  int longest = 0;

  void add_missing(const std::string& name, std::string_view phone) {
    const auto [it, added] = missing_at.try_emplace(name, missing.size());
    if (added) {
      missing.push_back({name, {1, std::string(phone)}});
    } else {
      ++missing[it->second].second.first;
    }
  }

  void to_errors(std::vector<FieldError>& errors, std::size_t max_text_chars) {
    if (!calls_missing.empty()) {
      // Per recipient: the first few, deduplicated; a recipient field left empty is the usual cause.
      std::sort(calls_missing.begin(), calls_missing.end());
      calls_missing.erase(std::unique(calls_missing.begin(), calls_missing.end()), calls_missing.end());
      for (const auto& m : calls_missing) {
        errors.push_back({"params", "a carrier template mapping needs " + m +
                                        " (empty for some recipients, or not given)"});
      }
    }
    for (const auto& [name, info] : missing) {
      const bool builtin = name == "name" || name == "title" || name == "unit";
      std::string msg = builtin ? "is empty for " + std::to_string(info.first) +
                                      " recipient(s), e.g. " + mask_phone(info.second) +
                                      "; fill it in or give a default in the template"
                                : "is required by the template";
      errors.push_back({"params." + name, std::move(msg)});
    }
    if (too_long_count > 0) {
      errors.push_back({"template", std::to_string(too_long_count) + " rendered texts are too long; " +
                                        too_long(longest, max_text_chars)});
    }
  }
};

// Renders the messages of one fan-out: the parts shared by every recipient once, the rest per
// recipient. Keeps references into `spec`, which must outlive it and not move.
class Renderer {
 public:
  explicit Renderer(const FanoutSpec& spec)
      : spec_(spec),
        params_(spec.params),
        per_recipient_(spec.tmpl != nullptr && uses_recipient_fields(*spec.tmpl)),
        have_calls_(spec.calls != nullptr && !spec.calls->empty()) {
    // Carrier template calls: rendered once when no mapping uses recipient fields.
    if (have_calls_) {
      for (const auto& c : *spec.calls) calls_per_recipient_ = calls_per_recipient_ || c.per_recipient;
      if (!calls_per_recipient_) {
        std::vector<std::string> calls_missing;
        shared_calls_ = render_calls(*spec.calls, params_, nullptr, spec.dates, calls_missing);
        for (const auto& m : calls_missing) {
          errors.push_back({"params", "a carrier template mapping needs " + m});
        }
        if (!errors.empty()) return;
      }
    }
    // The shared text (plain text, or a template without per-recipient placeholders).
    if (per_recipient_) return;
    if (spec.tmpl != nullptr) {
      auto r = templates::render(*spec.tmpl, [&](std::string_view n) {
        return lookup_value(n, params_, nullptr, spec.dates);
      });
      if (!r.missing.empty()) {
        for (const auto& m : r.missing) errors.push_back({"params." + m, "is required by the template"});
        return;
      }
      shared_ = templates::apply_signature(r.text, spec.signature);
    } else {
      shared_ = templates::apply_signature(spec.text, spec.signature);
    }
    const SmsLength len = measure_sms(shared_);
    if (static_cast<std::size_t>(len.chars) > spec.max_text_chars) {
      errors.push_back({spec.tmpl ? "template" : "text", too_long(len.chars, spec.max_text_chars)});
      return;
    }
    shared_segments_ = std::max(1, len.segments);
  }

  // Errors of the shared parts: no message can be built.
  std::vector<FieldError> errors;

  // Sets m's text, segments and carrier_calls for `t`. False, with the reasons in `problems`,
  // when a value is missing or the text is too long.
  bool render(const store::Target& t, store::NewMessage& m, Problems& problems) const {
    bool ok = true;
    if (per_recipient_) {
      const RecipientFields rf{t.name, t.title, t.unit};
      auto r = templates::render(*spec_.tmpl, [&](std::string_view n) {
        return lookup_value(n, params_, &rf, spec_.dates);
      });
      if (!r.missing.empty()) {
        for (const auto& name : r.missing) problems.add_missing(name, t.phone);
        return false;
      }
      m.text = templates::apply_signature(r.text, spec_.signature);
      const SmsLength len = measure_sms(m.text);
      if (static_cast<std::size_t>(len.chars) > spec_.max_text_chars) {
        ++problems.too_long_count;
        problems.longest = std::max(problems.longest, len.chars);
        ok = false;
      }
      m.segments = std::max(1, len.segments);
    } else {
      m.text = shared_;
      m.segments = shared_segments_;
    }
    if (!have_calls_) {
      m.carrier_calls.clear();
    } else if (calls_per_recipient_) {
      const RecipientFields rf{t.name, t.title, t.unit};
      auto& missing = problems.calls_missing;
      const std::size_t before = missing.size();
      m.carrier_calls = render_calls(*spec_.calls, params_, &rf, spec_.dates, missing);
      if (missing.size() > before) {
        ok = false;
        if (missing.size() > 100) missing.resize(100);
      }
    } else {
      m.carrier_calls = shared_calls_;
    }
    return ok;
  }

 private:
  const FanoutSpec& spec_;
  const ParamIndex params_;
  const bool per_recipient_;
  const bool have_calls_;
  bool calls_per_recipient_ = false;
  std::string shared_calls_;
  std::string shared_;
  int shared_segments_ = 1;
};

// The targets and everything needed to render their messages again at commit.
class FanoutStream final : public store::MessageStream {
 public:
  FanoutStream(store::TargetList targets, FanoutSpec spec)
      : targets_(std::move(targets)), spec_(std::move(spec)), renderer_(spec_) {}

  const Renderer& renderer() const { return renderer_; }
  const store::TargetList& targets() const { return targets_; }
  void pick(std::size_t target) { picked_.push_back(static_cast<std::uint32_t>(target)); }

  std::size_t size() const override { return picked_.size(); }

  void get(std::size_t i, store::NewMessage& out) const override {
    const store::Target t = targets_[picked_[i]];
    Problems ignored;  // every message rendered once already, with the same inputs
    renderer_.render(t, out, ignored);
    out.to.assign(t.phone);
  }

 private:
  store::TargetList targets_;
  const FanoutSpec spec_;
  const Renderer renderer_;  // refers to spec_: declared after it
  std::vector<std::uint32_t> picked_;  // the targets that get a message, in order
};

}  // namespace

Fanout build_fanout(store::TargetList targets, FanoutSpec spec, std::size_t stream_above) {
  Fanout out;
  const std::size_t max_text_chars = spec.max_text_chars;
  const std::unordered_set<std::string> opted_out =
      spec.mandatory ? std::unordered_set<std::string>{} : std::move(spec.opted_out);
  auto stream = std::make_shared<FanoutStream>(std::move(targets), std::move(spec));
  const Renderer& renderer = stream->renderer();
  if (!renderer.errors.empty()) {
    out.errors = renderer.errors;
    return out;
  }
  const store::TargetList& list = stream->targets();
  const auto suppressed = [&](std::string_view phone) {
    return !opted_out.empty() && opted_out.count(std::string(phone)) > 0;
  };
  std::size_t active = 0;
  for (std::size_t i = 0; i < list.size(); ++i) active += list[i].active && !suppressed(list[i].phone) ? 1 : 0;
  const bool streamed = active > stream_above;
  if (!streamed) out.messages.reserve(active);

  std::int64_t inactive = 0;
  std::int64_t opted = 0;
  Problems problems;
  store::NewMessage scratch;  // a streamed batch checks each message, then drops it
  for (std::size_t i = 0; i < list.size(); ++i) {
    const store::Target t = list[i];
    if (!t.active) {
      out.skips.push_back({std::string(t.phone), "inactive"});
      ++inactive;
      continue;
    }
    if (suppressed(t.phone)) {
      out.skips.push_back({std::string(t.phone), "opted_out"});
      ++opted;
      continue;
    }
    store::NewMessage& m = streamed ? scratch : out.messages.emplace_back();
    if (!renderer.render(t, m, problems)) continue;  // the 422 lists why; nothing is stored
    if (streamed) {
      stream->pick(i);
    } else {
      m.to.assign(t.phone);
    }
  }
  problems.to_errors(out.errors, max_text_chars);
  if (!out.errors.empty()) {
    out.messages.clear();
    out.skips.clear();
    return out;
  }
  if (streamed) {
    out.count = stream->size();
    out.stream = std::move(stream);
  } else {
    out.count = out.messages.size();
  }
  if (inactive > 0) out.skipped_by_reason["inactive"] = inactive;
  if (opted > 0) out.skipped_by_reason["opted_out"] = opted;
  return out;
}

}  // namespace smsgw::sending
