// SMS polls (issue 14): POST /v1/polls creates one; GET /v1/polls, /v1/polls/{name} and
// /v1/polls/{name}/tally (JSON or CSV) read it; GET /v1/polls/{name}/ballots lists every vote
// with what became of it, so a tally can be checked one vote at a time. Votes themselves
// arrive as replies (routes_inbound.cpp, the carriers) and are cast in the store.
#include <string>

#include <nlohmann/json.hpp>

#include "api/http_util.hpp"
#include "api/json_fields.hpp"
#include "api/router_impl.hpp"
#include "common/phone.hpp"
#include "common/time.hpp"
#include "twoway/keywords.hpp"

namespace smsgw::api {

namespace http = boost::beast::http;
using json = nlohmann::json;

namespace {

constexpr std::size_t kMaxOptions = 100;

json poll_json(const store::PollRow& p, UnixMs now) {
  json options = json::array();
  for (const auto& o : p.options) options.push_back({{"code", o.code}, {"label", o.label}});
  const char* state = now < p.opens_at ? "scheduled" : now < p.closes_at ? "open" : "closed";
  return {{"name", p.name},         {"keyword", p.keyword},     {"options", std::move(options)},
          {"opens_at", time_or_null(p.opens_at)}, {"closes_at", time_or_null(p.closes_at)},
          {"counts", p.counts},     {"groups", p.groups},       {"state", state},
          {"created_by", p.created_by}, {"created_at", time_or_null(p.created_at)}};
}

json tally_json(const store::PollTally& t) {
  json options = json::array();
  for (const auto& o : t.poll.options) options.push_back({{"code", o.code}, {"label", o.label}, {"votes", o.votes}});
  json by_outcome = json::object();
  for (const char* outcome : store::kBallotOutcomes) {
    auto it = t.by_outcome.find(outcome);
    by_outcome[outcome] = it == t.by_outcome.end() ? 0 : it->second;
  }
  return {{"name", t.poll.name}, {"total", t.total}, {"rejected", t.rejected},
          {"options", std::move(options)}, {"ballots_by_outcome", std::move(by_outcome)}};
}

std::optional<UnixMs> time_field(const json& doc, const char* name, std::vector<FieldError>& errors) {
  auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) {
    errors.push_back({name, "is required (RFC 3339)"});
    return std::nullopt;
  }
  std::optional<UnixMs> t;
  if (it->is_string()) t = parse_rfc3339(it->get_ref<const std::string&>());
  if (!t) errors.push_back({name, "must be an RFC 3339 time such as 2026-12-20T09:00:00+08:00"});
  return t;
}

}  // namespace

void Router::Impl::create_poll(Call& call, Request& req) {
  auto doc = json_body(call, req);
  if (!doc) return;
  std::vector<FieldError> errors;
  unknown_fields(*doc, {"name", "keyword", "options", "opens_at", "closes_at", "counts", "groups"}, errors);
  store::PollRow poll;
  auto name = string_field(*doc, "name", errors);
  if (!name || !valid_name(*name)) {
    errors.push_back({"name", "is required: letters, digits, '_', '-' and '.', at most 64"});
  } else {
    poll.name = *name;
  }
  if (auto keyword = string_field(*doc, "keyword", errors)) {
    poll.keyword = twoway::normalize_reply(*keyword);
    const bool digit_last = !poll.keyword.empty() && poll.keyword.back() >= '0' && poll.keyword.back() <= '9';
    if (poll.keyword.empty() || poll.keyword.size() > 32 || poll.keyword.find(' ') != std::string::npos ||
        digit_last || poll.keyword.find_first_of("\n\t") != std::string::npos) {
      errors.push_back({"keyword", "must be one word of at most 32 bytes not ending in a digit, such as TP or 投票"});
    }
  } else if (!doc->contains("keyword")) {
    errors.push_back({"keyword", "is required, such as TP (a vote is \"TP 07\")"});
  }
  const auto options = doc->find("options");
  if (options == doc->end() || !options->is_array() || options->empty() || options->size() > kMaxOptions) {
    errors.push_back({"options", "must be a list of 1 to " + std::to_string(kMaxOptions) +
                                     " {\"code\", \"label\"}"});
  } else {
    std::unordered_set<std::string> seen;
    for (std::size_t i = 0; i < options->size(); ++i) {
      const json& o = (*options)[i];
      const std::string at = "options[" + std::to_string(i) + "]";
      if (!o.is_object()) {
        errors.push_back({at, "must be {\"code\", \"label\"}"});
        continue;
      }
      store::PollOption opt;
      auto code = o.find("code");
      auto label = o.find("label");
      const std::string normal = code != o.end() && code->is_string() ? twoway::normal_code(code->get<std::string>()) : "";
      if (normal.empty() || code->get_ref<const std::string&>().size() > 16 || normal.find_first_of("\n\t") != std::string::npos) {
        errors.push_back({at + ".code", "must be a text of 1 to 16 bytes, such as 07"});
      } else if (!seen.insert(normal).second) {
        errors.push_back({at + ".code", "reads the same as an earlier option's code"});
      } else {
        opt.code = code->get<std::string>();
      }
      if (label == o.end() || !label->is_string() || label->get_ref<const std::string&>().empty() ||
          label->get_ref<const std::string&>().size() > 200) {
        errors.push_back({at + ".label", "must be a text of 1 to 200 bytes"});
      } else if (auto why = control_character_problem(label->get_ref<const std::string&>())) {
        errors.push_back({at + ".label", *why});
      } else {
        opt.label = label->get<std::string>();
      }
      for (const auto& [key, value] : o.items()) {
        if (key != "code" && key != "label") errors.push_back({at + "." + key, "unknown field"});
      }
      poll.options.push_back(std::move(opt));
    }
  }
  auto opens = time_field(*doc, "opens_at", errors);
  auto closes = time_field(*doc, "closes_at", errors);
  if (opens && closes) {
    if (*closes <= *opens) errors.push_back({"closes_at", "must be after opens_at"});
    if (*closes <= now()) errors.push_back({"closes_at", "must be in the future"});
    poll.opens_at = *opens;
    poll.closes_at = *closes;
  }
  if (auto counts = doc->find("counts"); counts != doc->end() && !counts->is_null()) {
    if (!counts->is_string() || (*counts != "first" && *counts != "last")) {
      errors.push_back({"counts", "must be \"first\" (a phone's first vote counts) or \"last\""});
    } else {
      poll.counts = counts->get<std::string>();
    }
  }
  if (auto groups = doc->find("groups"); groups != doc->end() && !groups->is_null()) {
    if (!groups->is_array() || groups->size() > 100) {
      errors.push_back({"groups", "must be a list of at most 100 group names"});
    } else {
      for (const auto& g : *groups) {
        if (!g.is_string() || !deps.store.get_group(g.get<std::string>())) {
          errors.push_back({"groups", "unknown group: " + (g.is_string() ? g.get<std::string>() : g.dump())});
        } else {
          poll.groups.push_back(g.get<std::string>());
        }
      }
    }
  }
  if (!errors.empty()) return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  if (deps.store.get_poll(poll.name)) {
    return problem(call, ProblemKind::conflict, "a poll named \"" + poll.name + "\" exists already");
  }
  poll.created_by = call.actor ? call.actor->name : "";
  poll.created_at = now();
  auto entry = audit(call, "poll.create", "poll", poll.name);
  entry.detail = dump(json{{"keyword", poll.keyword}, {"options", poll.options.size()}, {"counts", poll.counts}});
  const std::string name_ = poll.name;
  deps.store.async_create_poll(
      std::move(poll),
      [self = shared_from_this(), call, name_](std::error_code ec, store::WriteResult r, std::int64_t) mutable {
        self->on_io([self, call, name_, ec, r]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, "not found",
                                      "the name is taken, or another poll with this keyword is open in this window");
          }
          auto got = self->deps.store.get_poll(name_);
          if (!got) return self->problem(call, ProblemKind::internal, "the poll vanished");
          Response res = json_response(201, dump(poll_json(*got, self->now())));
          res.set(http::field::location, "/v1/polls/" + name_);
          self->finish(call, std::move(res));
        });
      },
      std::move(entry));
}

void Router::Impl::list_polls(Call& call) {
  json polls = json::array();
  for (const auto& p : deps.store.list_polls()) polls.push_back(poll_json(p, now()));
  finish(call, json_response(200, dump(json{{"polls", std::move(polls)}})));
}

void Router::Impl::get_poll(Call& call, std::string_view name) {
  auto t = deps.store.poll_tally(std::string(name));
  if (!t) return problem(call, ProblemKind::not_found, "no poll with this name");
  json j = poll_json(t->poll, now());
  j["tally"] = tally_json(*t);
  finish(call, json_response(200, dump(j)));
}

void Router::Impl::poll_tally(Call& call, std::string_view name, std::string_view target) {
  bool csv = false;
  std::vector<FieldError> errors;
  const bool ok = for_each_query_param(target, [&](const std::string& key, const std::string& value) {
    if (key == "format") {
      if (value == "csv") csv = true;
      else if (value != "json" && !value.empty()) errors.push_back({"format", "must be json or csv"});
    } else {
      errors.push_back({key, "unknown query parameter"});
    }
  });
  if (!ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  auto t = deps.store.poll_tally(std::string(name));
  if (!t) return problem(call, ProblemKind::not_found, "no poll with this name");
  if (!csv) return finish(call, json_response(200, dump(tally_json(*t))));
  std::string out = "\xEF\xBB\xBF" "code,label,votes\r\n";
  for (const auto& o : t->poll.options) out += csv_cell(o.code) + "," + csv_cell(o.label) + "," + std::to_string(o.votes) + "\r\n";
  out += ",total," + std::to_string(t->total) + "\r\n,rejected," + std::to_string(t->rejected) + "\r\n";
  Response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/csv; charset=utf-8");
  res.set(http::field::content_disposition, "attachment; filename=\"poll-" + t->poll.name + "-tally.csv\"");
  res.body() = std::move(out);
  finish(call, std::move(res));
}

void Router::Impl::poll_ballots(Call& call, const Principal& who, std::string_view name, std::string_view target) {
  std::string outcome;
  std::int64_t after = 0;
  int limit = 100;
  bool csv = false;
  std::vector<FieldError> errors;
  const bool ok = for_each_query_param(target, [&](const std::string& key, const std::string& value) {
    if (value.empty()) return;
    if (key == "outcome") {
      bool known = false;
      for (const char* o : store::kBallotOutcomes) known = known || value == o;
      if (!known) errors.push_back({"outcome", "must be one of counted, changed, duplicate, late, early, not_member, unknown_code"});
      else outcome = value;
    } else if (key == "limit") {
      auto n = parse_id(value);
      if (!n || *n > 1000) errors.push_back({"limit", "must be an integer from 1 to 1000"});
      else limit = static_cast<int>(*n);
    } else if (key == "cursor") {
      auto n = parse_id(value);
      if (!n) errors.push_back({"cursor", "is not a cursor from next_cursor"});
      else after = *n;
    } else if (key == "format") {
      if (value == "csv") csv = true;
      else if (value != "json") errors.push_back({"format", "must be json or csv"});
    } else {
      errors.push_back({key, "unknown query parameter"});
    }
  });
  if (!ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  auto poll = deps.store.get_poll(std::string(name));
  if (!poll) return problem(call, ProblemKind::not_found, "no poll with this name");
  const bool masked = who.masks_numbers();
  if (csv) {
    std::string out = "\xEF\xBB\xBF" "from,code,at,outcome,inbound_id\r\n";
    for (std::int64_t from = 0;;) {
      const store::BallotPage page = deps.store.list_ballots(poll->id, outcome, from, 1000);
      for (const auto& b : page.rows) {
        out += csv_cell(masked ? mask_phone(b.from) : b.from) + "," + csv_cell(b.code) + "," + format_rfc3339(b.at) +
               "," + b.outcome + "," + std::to_string(b.inbound_id) + "\r\n";
      }
      if (page.next_after == 0) break;
      from = page.next_after;
    }
    Response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/csv; charset=utf-8");
    res.set(http::field::content_disposition, "attachment; filename=\"poll-" + poll->name + "-ballots.csv\"");
    res.body() = std::move(out);
    return finish(call, std::move(res));
  }
  const store::BallotPage page = deps.store.list_ballots(poll->id, outcome, after, limit);
  json rows = json::array();
  for (const auto& b : page.rows) {
    rows.push_back({{"id", std::to_string(b.id)}, {"from", masked ? mask_phone(b.from) : b.from}, {"code", b.code},
                    {"at", time_or_null(b.at)}, {"outcome", b.outcome}, {"inbound_id", std::to_string(b.inbound_id)}});
  }
  finish(call, json_response(200, dump(json{{"ballots", std::move(rows)},
                                            {"next_cursor", page.next_after ? json(std::to_string(page.next_after)) : json(nullptr)}})));
}

}  // namespace smsgw::api
