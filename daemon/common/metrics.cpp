#include "common/metrics.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace smsgw {
namespace {

// Prometheus text format 0.0.4: label values escape backslash, double quote and newline.
void append_label_value(std::string& out, const std::string& value) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

// HELP text escapes only backslash and newline.
void append_help(std::string& out, const std::string& name, const std::string& help,
                 const char* type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    // Integral values (counts) print without an exponent or trailing zeros.
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    out += buf;
  } else {
    // Shortest form that reads back as the same double: "0.1", not "0.10000000000000001".
    char buf[32];
    for (int precision = 15; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
    out += buf;
  }
}

// `{a="x",b="y"` plus an optional extra label (for `le`), closed with `}`; nothing if empty.
void append_labels(std::string& out, const std::vector<std::string>& names, const Labels& values,
                   const char* extra_name = nullptr, const std::string* extra_value = nullptr) {
  if (names.empty() && extra_name == nullptr) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    append_label_value(out, i < values.size() ? values[i] : std::string());
    out += '"';
  }
  if (extra_name != nullptr) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    append_label_value(out, *extra_value);
    out += '"';
  }
  out += '}';
}

void check_arity(const std::vector<std::string>& names, const Labels& labels) {
  // A label count mismatch is a programmer error; rendering it would produce invalid output.
  if (labels.size() != names.size()) {
    throw std::invalid_argument("metrics: wrong number of label values");
  }
}

std::string format_bound(double b) {
  std::string s;
  append_number(s, b);
  return s;
}

}  // namespace

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void CounterFamily::inc(const Labels& labels, double by) {
  check_arity(label_names_, labels);
  std::lock_guard lock(mutex_);
  values_[labels] += by;
}

double CounterFamily::value(const Labels& labels) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void CounterFamily::render(std::string& out) const {
  append_help(out, name_, help_, "counter");
  std::lock_guard lock(mutex_);
  // A counter without labels is always exposed, so a fresh process shows 0 rather than nothing.
  if (label_names_.empty() && values_.empty()) {
    out += name_;
    out += " 0\n";
    return;
  }
  for (const auto& [labels, v] : values_) {
    out += name_;
    append_labels(out, label_names_, labels);
    out += ' ';
    append_number(out, v);
    out += '\n';
  }
}

GaugeFamily::GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void GaugeFamily::set(const Labels& labels, double value) {
  check_arity(label_names_, labels);
  std::lock_guard lock(mutex_);
  values_[labels] = value;
}

double GaugeFamily::value(const Labels& labels) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void GaugeFamily::render(std::string& out) const {
  append_help(out, name_, help_, "gauge");
  std::lock_guard lock(mutex_);
  if (label_names_.empty() && values_.empty()) {
    out += name_;
    out += " 0\n";
    return;
  }
  for (const auto& [labels, v] : values_) {
    out += name_;
    append_labels(out, label_names_, labels);
    out += ' ';
    append_number(out, v);
    out += '\n';
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {
  for (std::size_t i = 1; i < bounds_.size(); ++i) {
    if (!(bounds_[i - 1] < bounds_[i])) {
      throw std::invalid_argument("metrics: histogram bounds must be increasing");
    }
  }
}

void HistogramFamily::observe(const Labels& labels, double value) {
  check_arity(label_names_, labels);
  std::lock_guard lock(mutex_);
  Series& s = series_[labels];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size(), 0);
  // Stored per bucket (not cumulative) so observe() touches one slot; render accumulates.
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) {
      ++s.buckets[i];
      break;
    }
  }
  s.sum += value;
  ++s.count;
}

void HistogramFamily::render(std::string& out) const {
  append_help(out, name_, help_, "histogram");
  std::lock_guard lock(mutex_);
  const std::string bucket_name = name_ + "_bucket";
  static const std::string inf = "+Inf";
  for (const auto& [labels, s] : series_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      const std::string le = format_bound(bounds_[i]);
      out += bucket_name;
      append_labels(out, label_names_, labels, "le", &le);
      out += ' ';
      append_number(out, static_cast<double>(cumulative));
      out += '\n';
    }
    out += bucket_name;
    append_labels(out, label_names_, labels, "le", &inf);
    out += ' ';
    append_number(out, static_cast<double>(s.count));
    out += '\n';

    out += name_;
    out += "_sum";
    append_labels(out, label_names_, labels);
    out += ' ';
    append_number(out, s.sum);
    out += '\n';

    out += name_;
    out += "_count";
    append_labels(out, label_names_, labels);
    out += ' ';
    append_number(out, static_cast<double>(s.count));
    out += '\n';
  }
}

Metrics::Metrics()
    : http_requests("smsgw_http_requests_total", "HTTP requests by route template and status code.",
                    {"route", "code"}),
      http_duration("smsgw_http_request_duration_seconds",
                    "Time from a complete request to its response, by route template.", {"route"},
                    {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}),
      messages_accepted("smsgw_messages_accepted_total",
                        "Messages committed to the queue by the API.", {}),
      console_sign_ins("smsgw_console_sign_ins_total",
                       "Console sign-ins by result: ok, failed (wrong name or password), locked "
                       "(refused while a name or an address is locked), disabled.",
                       {"result"}),
      sends("smsgw_carrier_sends_total", "Carrier send attempts by outcome.",
            {"carrier", "outcome"}),
      send_duration("smsgw_carrier_send_duration_seconds",
                    "Duration of one carrier send attempt.", {"carrier"},
                    {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}),
      carrier_up("smsgw_carrier_up", "1 if the carrier's breaker is closed and its adapter is up.",
                 {"carrier"}),
      delivery_reports("smsgw_delivery_reports_total",
                       "Delivery reports received from carriers, by status.",
                       {"carrier", "status"}),
      inbound("smsgw_inbound_total",
              "Inbound messages (replies) received from carriers, by kind; duplicate = a carrier "
              "id stored already, invalid = no usable sender number.",
              {"carrier", "kind"}),
      breaker_opened("smsgw_carrier_breaker_opened_total",
                     "Times the carrier's circuit breaker opened (failure ratio over its window).",
                     {"carrier"}),
      pending_reports("smsgw_delivery_reports_pending",
                      "Delivery reports kept until the send they belong to is recorded.", {}),
      retention_pruned("smsgw_retention_pruned_rows_total",
                       "Rows deleted by the [retention] rules, by table.", {"table"}),
      messages_by_status("smsgw_messages", "Messages in the store by status.", {"status"}),
      oldest_due_age("smsgw_queue_oldest_due_age_seconds",
                     "Age of the oldest message that is due but not yet sent (0 if none).", {}),
      in_flight("smsgw_dispatch_in_flight", "Carrier requests outstanding.", {}),
      store_disk_free("smsgw_store_disk_free_bytes",
                      "Bytes an unprivileged process may still write on the data_dir's file system.",
                      {}),
      store_database_size("smsgw_store_database_bytes",
                          "Size of the SQLite database on disk: main file plus WAL.", {}),
      store_writable("smsgw_store_writable",
                     "1 if the store's last writes committed, 0 while they fail (disk full, read-only).",
                     {}),
      schedule_runs("smsgw_schedule_runs_total",
                    "Schedule occurrences by outcome (fired, caught_up, missed, failed) since start.",
                    {"outcome"}),
      schedule_next_fire("smsgw_schedule_next_fire_timestamp_seconds",
                         "Unix time of the next schedule firing (0 if none is enabled).", {}),
      calendar_last_official_year(
          "smsgw_calendar_last_official_year",
          "Highest year with an official holiday calendar loaded (built in or from calendar_dir).",
          {}),
      calendar_next_year_missing(
          "smsgw_calendar_next_year_missing",
          "1 if a year the daemon needs has no official calendar loaded (next year from 1 "
          "December, or the current year) and is estimated; 0 otherwise.",
          {}) {}

std::string Metrics::render() {
  if (collector) collector(*this);
  std::string out;
  out.reserve(8192);
  http_requests.render(out);
  http_duration.render(out);
  messages_accepted.render(out);
  console_sign_ins.render(out);
  sends.render(out);
  send_duration.render(out);
  carrier_up.render(out);
  delivery_reports.render(out);
  inbound.render(out);
  breaker_opened.render(out);
  pending_reports.render(out);
  retention_pruned.render(out);
  messages_by_status.render(out);
  oldest_due_age.render(out);
  in_flight.render(out);
  store_disk_free.render(out);
  store_database_size.render(out);
  store_writable.render(out);
  schedule_runs.render(out);
  schedule_next_fire.render(out);
  calendar_last_official_year.render(out);
  calendar_next_year_missing.render(out);
  return out;
}

}  // namespace smsgw
