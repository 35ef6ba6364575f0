#include "api/send.hpp"

#include <nlohmann/json.hpp>
#include <unordered_set>

#include "common/duration.hpp"
#include "common/phone.hpp"
#include "common/sms_encoding.hpp"
#include "common/text_check.hpp"
#include "common/time.hpp"
#include "twoway/keywords.hpp"

namespace smsgw::api {

using json = nlohmann::json;

std::optional<store::ConfirmSpec> parse_confirm(const json& c, UnixMs now, const config::LimitsConfig& limits,
                                                std::vector<FieldError>& errors) {
  const std::size_t before = errors.size();
  if (!c.is_object()) {
    errors.push_back({"confirm", "must be an object such as {\"yes\": [\"1\"], \"no\": [\"2\"], \"until\": \"...\"}"});
    return std::nullopt;
  }
  store::ConfirmSpec out;
  for (const auto& [key, value] : c.items()) {
    if (key != "yes" && key != "no" && key != "until") errors.push_back({"confirm." + key, "unknown field"});
  }
  std::unordered_set<std::string> seen;
  for (auto [key, list] : {std::pair{"yes", &out.yes}, std::pair{"no", &out.no}}) {
    const std::string field = std::string("confirm.") + key;
    auto it = c.find(key);
    if (it == c.end() || it->is_null()) {
      if (std::string_view(key) == "yes") errors.push_back({field, "is required: the replies that confirm, e.g. [\"1\", \"是\"]"});
      continue;
    }
    if (!it->is_array() || it->size() > 20) {
      errors.push_back({field, "must be an array of at most 20 replies"});
      continue;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& w = (*it)[i];
      const std::string at = field + "[" + std::to_string(i) + "]";
      if (!w.is_string()) {
        errors.push_back({at, "must be a string"});
        continue;
      }
      std::string normal = twoway::normalize_reply(w.get_ref<const std::string&>());
      if (normal.empty() || normal.size() > 64) {
        errors.push_back({at, "must be 1 to 64 bytes of letters, digits or characters"});
      } else if (!seen.insert(normal).second) {
        errors.push_back({at, "is listed twice (replies are compared ignoring case and width)"});
      } else {
        list->push_back(std::move(normal));
      }
    }
  }
  if (auto it = c.find("yes"); it != c.end() && it->is_array() && it->empty()) {
    errors.push_back({"confirm.yes", "needs at least one reply"});
  }
  auto until = c.find("until");
  if (until == c.end() || !until->is_string()) {
    errors.push_back({"confirm.until", "is required: an RFC 3339 time after which replies no longer count"});
  } else if (auto t = parse_rfc3339(until->get_ref<const std::string&>()); !t) {
    errors.push_back({"confirm.until", "must be an RFC 3339 date-time with an offset, e.g. 2026-12-03T18:00:00+08:00"});
  } else if (*t <= now) {
    errors.push_back({"confirm.until", "is in the past"});
  } else if (auto why = check_time_bounds(*t, now, limits.max_schedule_ahead)) {
    errors.push_back({"confirm.until", *why});
  } else {
    out.until = *t;
  }
  if (errors.size() != before) return std::nullopt;
  return out;
}

// Collects every field error rather than stopping at the first, so a client fixes its request
// in one round trip. Returns the detail for the problem (empty if the request is valid).
std::string validate_send(const json& doc, const config::LimitsConfig& limits, UnixMs now,
                          SendRequest& out, std::vector<FieldError>& errors) {
  std::string detail;
  static const std::unordered_set<std::string_view> known = {
      "to", "groups", "text", "template", "params", "send_at", "expires_at", "priority",
      "mandatory", "confirm", "sample"};
  for (const auto& [key, value] : doc.items()) {
    if (known.count(key) == 0) errors.push_back({key, "unknown field"});
  }
  auto present = [&](const char* f) {
    auto it = doc.find(f);
    return it != doc.end() && !it->is_null();
  };

  // to
  auto to_it = doc.find("to");
  std::unordered_set<std::string> seen;
  auto add_number = [&](const json& v, const std::string& field) {
    if (!v.is_string()) {
      errors.push_back({field, "must be a string"});
      return;
    }
    PhoneResult p = normalize_phone(v.get_ref<const std::string&>());
    if (!p.ok()) {
      errors.push_back({field, p.error});
      return;
    }
    if (seen.insert(p.e164).second) out.to.push_back(std::move(p.e164));
  };
  if (!present("to")) {
    if (!present("groups")) errors.push_back({"to", "is required (or groups)"});
  } else if (to_it->is_string()) {
    add_number(*to_it, "to");
  } else if (to_it->is_array()) {
    if (to_it->empty()) {
      errors.push_back({"to", "must not be empty"});
    } else if (to_it->size() > limits.max_recipients_per_request) {
      errors.push_back({"to", "at most " + std::to_string(limits.max_recipients_per_request) +
                                  " recipients per request"});
    } else {
      out.to.reserve(to_it->size());
      for (std::size_t i = 0; i < to_it->size(); ++i) {
        add_number((*to_it)[i], "to[" + std::to_string(i) + "]");
      }
    }
  } else {
    errors.push_back({"to", "must be a phone number or an array of phone numbers"});
  }

  // groups
  if (present("groups")) {
    const json& g = doc["groups"];
    if (!g.is_array() || g.empty()) {
      errors.push_back({"groups", "must be a non-empty array of group names"});
    } else {
      std::unordered_set<std::string> names;
      for (std::size_t i = 0; i < g.size(); ++i) {
        if (!g[i].is_string() || g[i].get_ref<const std::string&>().empty()) {
          errors.push_back({"groups[" + std::to_string(i) + "]", "must be a group name"});
        } else if (names.insert(g[i].get<std::string>()).second) {
          out.groups.push_back(g[i].get<std::string>());
        }
      }
    }
  }

  // text or template (exactly one)
  const bool has_text = present("text"), has_template = present("template");
  if (has_text && has_template) {
    errors.push_back({"template", "give either text or template, not both"});
  } else if (!has_text && !has_template) {
    errors.push_back({"text", "is required (or template)"});
  } else if (has_template) {
    const json& t = doc["template"];
    if (!t.is_string() || t.get_ref<const std::string&>().empty()) {
      errors.push_back({"template", "must be a template name"});
    } else {
      out.template_name = t.get<std::string>();
    }
  } else if (!doc["text"].is_string()) {
    errors.push_back({"text", "must be a string"});
  } else {
    out.text = doc["text"].get<std::string>();
    SmsLength len = measure_sms(out.text);
    if (out.text.empty()) {
      errors.push_back({"text", "must not be empty"});
    } else if (auto bad = control_character_problem(out.text, Newlines::allow)) {
      errors.push_back({"text", std::move(*bad)});
    } else if (static_cast<std::size_t>(len.chars) > limits.max_text_chars) {
      errors.push_back({"text", "is " + std::to_string(len.chars) + " characters; at most " +
                                    std::to_string(limits.max_text_chars) + " are allowed"});
    }
  }
  if (present("params")) {
    if (!has_template) {
      errors.push_back({"params", "only with a template"});
    } else {
      out.params = parse_params(doc["params"], errors);
    }
  }

  auto parse_time = [&](const char* field) -> std::optional<UnixMs> {
    auto it = doc.find(field);
    if (it == doc.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
      errors.push_back({field, "must be an RFC 3339 date-time string"});
      return std::nullopt;
    }
    auto t = parse_rfc3339(it->get_ref<const std::string&>());
    if (!t) {
      errors.push_back(
          {field, "must be an RFC 3339 date-time with an offset, e.g. 2026-11-26T09:30:00+08:00"});
      return std::nullopt;
    }
    if (auto why = check_time_bounds(*t, now, limits.max_schedule_ahead)) {
      errors.push_back({field, *why});
      return std::nullopt;
    }
    return t;
  };
  out.send_at = parse_time("send_at");
  out.expires_at = parse_time("expires_at");
  if (out.expires_at) {
    if (*out.expires_at <= now) {
      errors.push_back({"expires_at", "is in the past"});
    } else if (out.send_at && *out.expires_at <= *out.send_at) {
      errors.push_back({"expires_at", "must be after send_at"});
    }
  }

  if (auto it = doc.find("priority"); it != doc.end() && !it->is_null()) {
    std::optional<Priority> p;
    if (it->is_string()) p = parse_priority(it->get_ref<const std::string&>());
    if (p) {
      out.priority = *p;
    } else {
      errors.push_back({"priority", "must be \"normal\" or \"urgent\""});
    }
  }

  if (auto it = doc.find("confirm"); it != doc.end() && !it->is_null()) {
    out.confirm = parse_confirm(*it, now, limits, errors);
  }

  if (auto it = doc.find("sample"); it != doc.end() && !it->is_null()) {
    const std::size_t before = errors.size();
    SendRequest::Sample sample;
    if (!it->is_object()) {
      errors.push_back({"sample", "must be an object such as {\"size\": 30, \"seed\": \"2026-12 听证会\"}"});
    } else {
      for (const auto& [key, value] : it->items()) {
        if (key != "size" && key != "seed") errors.push_back({"sample." + key, "unknown field"});
      }
      const auto size = it->find("size");
      if (size == it->end() || !size->is_number_integer() || size->get<std::int64_t>() < 1 ||
          size->get<std::int64_t>() > static_cast<std::int64_t>(limits.max_recipients_per_request)) {
        errors.push_back({"sample.size", "is required: how many to draw, from 1 to " +
                                             std::to_string(limits.max_recipients_per_request)});
      } else {
        sample.size = size->get<std::int64_t>();
      }
      if (auto seed = it->find("seed"); seed != it->end() && !seed->is_null()) {
        if (!seed->is_string() || seed->get_ref<const std::string&>().empty() ||
            seed->get_ref<const std::string&>().size() > 128) {
          errors.push_back({"sample.seed", "must be a text of 1 to 128 bytes"});
        } else if (auto why = control_character_problem(seed->get_ref<const std::string&>())) {
          errors.push_back({"sample.seed", *why});
        } else {
          sample.seed = seed->get<std::string>();
        }
      }
    }
    if (errors.size() == before) out.sample = std::move(sample);
  }

  if (auto it = doc.find("mandatory"); it != doc.end() && !it->is_null()) {
    if (it->is_boolean()) {
      out.mandatory = it->get<bool>();
    } else {
      errors.push_back({"mandatory", "must be true or false"});
    }
  }

  if (!errors.empty() && detail.empty()) {
    detail = errors.size() == 1 ? "1 field is invalid"
                                : std::to_string(errors.size()) + " fields are invalid";
  }
  return detail;
}


}  // namespace smsgw::api
