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

Fanout build_fanout(std::vector<store::Target>& targets,
                    const std::map<std::string, std::int64_t>& counts_today,
                    const FanoutSpec& spec) {
  Fanout out;
  // Hashing the (usually few) phones already messaged today keeps the loop O(1) per target.
  std::unordered_map<std::string_view, std::int64_t> today;
  if (spec.daily_cap > 0) {
    today.reserve(counts_today.size());
    for (const auto& [phone, n] : counts_today) {
      if (n > 0) today.emplace(phone, n);
    }
  }
  const Params empty_params;
  const ParamIndex params(spec.params != nullptr ? *spec.params : empty_params);
  const bool per_recipient = spec.tmpl != nullptr && uses_recipient_fields(*spec.tmpl);

  // Carrier template calls: rendered once when no mapping uses recipient fields.
  const bool have_calls = spec.calls != nullptr && !spec.calls->empty();
  bool calls_per_recipient = false;
  std::string shared_calls;
  std::vector<std::string> calls_missing;
  if (have_calls) {
    for (const auto& c : *spec.calls) calls_per_recipient = calls_per_recipient || c.per_recipient;
    if (!calls_per_recipient) {
      shared_calls = render_calls(*spec.calls, params, nullptr, spec.dates, calls_missing);
      if (!calls_missing.empty()) {
        for (const auto& m : calls_missing) {
          out.errors.push_back({"params", "a carrier template mapping needs " + m});
        }
        return out;
      }
    }
  }

  // The shared text (plain text, or a template without per-recipient placeholders).
  std::string shared;
  int shared_segments = 1;
  if (!per_recipient) {
    if (spec.tmpl != nullptr) {
      auto r = templates::render(*spec.tmpl, [&](std::string_view n) {
        return lookup_value(n, params, nullptr, spec.dates);
      });
      if (!r.missing.empty()) {
        for (const auto& m : r.missing) {
          out.errors.push_back({"params." + m, "is required by the template"});
        }
        return out;
      }
      shared = templates::apply_signature(r.text, spec.signature);
    } else {
      shared = templates::apply_signature(spec.text, spec.signature);
    }
    const SmsLength len = measure_sms(shared);
    if (static_cast<std::size_t>(len.chars) > spec.max_text_chars) {
      out.errors.push_back({spec.tmpl ? "template" : "text", too_long(len.chars, spec.max_text_chars)});
      return out;
    }
    shared_segments = std::max(1, len.segments);
  }

  out.messages.reserve(targets.size());
  std::int64_t inactive = 0, capped = 0;
  // Missing names with how many recipients lack each and one example, for the 422; indexed by
  // name, since a template may lack 100,000 names for each of 100,000 recipients.
  std::vector<std::pair<std::string, std::pair<std::int64_t, std::string>>> missing;
  std::unordered_map<std::string, std::size_t> missing_at;
  std::int64_t too_long_count = 0;
  int longest = 0;
  for (auto& t : targets) {
    if (!t.active) {
      out.skips.push_back({std::move(t.phone), "inactive"});
      ++inactive;
      continue;
    }
    if (spec.daily_cap > 0 && !today.empty()) {
      auto it = today.find(t.phone);
      if (it != today.end() && it->second >= spec.daily_cap) {
        out.skips.push_back({std::move(t.phone), "daily_cap"});
        ++capped;
        continue;
      }
    }
    store::NewMessage m;
    if (per_recipient) {
      const RecipientFields rf{t.name, t.title, t.unit};
      auto r = templates::render(*spec.tmpl, [&](std::string_view n) {
        return lookup_value(n, params, &rf, spec.dates);
      });
      if (!r.missing.empty()) {
        for (const auto& name : r.missing) {
          const auto [it, added] = missing_at.try_emplace(name, missing.size());
          if (added) {
            missing.push_back({name, {1, t.phone}});
          } else {
            ++missing[it->second].second.first;
          }
        }
        continue;
      }
      m.text = templates::apply_signature(r.text, spec.signature);
      const SmsLength len = measure_sms(m.text);
      if (static_cast<std::size_t>(len.chars) > spec.max_text_chars) {
        ++too_long_count;
        longest = std::max(longest, len.chars);
      }
      m.segments = std::max(1, len.segments);
    } else {
      m.text = shared;
      m.segments = shared_segments;
    }
    if (have_calls) {
      if (calls_per_recipient) {
        const RecipientFields rf{t.name, t.title, t.unit};
        const std::size_t before = calls_missing.size();
        m.carrier_calls = render_calls(*spec.calls, params, &rf, spec.dates, calls_missing);
        if (calls_missing.size() > before && calls_missing.size() > 100) calls_missing.resize(100);
      } else {
        m.carrier_calls = shared_calls;
      }
    }
    m.to = std::move(t.phone);
    out.messages.push_back(std::move(m));
  }
  if (!calls_missing.empty()) {
    // Per recipient: the first few, deduplicated; a recipient field left empty is the usual cause.
    std::sort(calls_missing.begin(), calls_missing.end());
    calls_missing.erase(std::unique(calls_missing.begin(), calls_missing.end()), calls_missing.end());
    for (const auto& m : calls_missing) {
      out.errors.push_back({"params", "a carrier template mapping needs " + m +
                                          " (empty for some recipients, or not given)"});
    }
  }
  for (const auto& [name, info] : missing) {
    const bool builtin = name == "name" || name == "title" || name == "unit";
    std::string msg = builtin ? "is empty for " + std::to_string(info.first) +
                                    " recipient(s), e.g. " + mask_phone(info.second) +
                                    "; fill it in or give a default in the template"
                              : "is required by the template";
    out.errors.push_back({"params." + name, std::move(msg)});
  }
  if (too_long_count > 0) {
    out.errors.push_back({"template", std::to_string(too_long_count) + " rendered texts are too long; " +
                                          too_long(longest, spec.max_text_chars)});
  }
  if (!out.errors.empty()) {
    out.messages.clear();
    out.skips.clear();
    return out;
  }
  if (inactive > 0) out.skipped_by_reason["inactive"] = inactive;
  if (capped > 0) out.skipped_by_reason["daily_cap"] = capped;
  return out;
}

}  // namespace smsgw::sending
