#pragma once
// Prometheus metrics: counters, gauges and histograms with labels, rendered in the text
// exposition format. Thread-safe (a mutex per family); cheap enough for per-request use.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace smsgw {

using Labels = std::vector<std::string>;  // values, in the order of the family's label names

class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  void inc(const Labels& labels, double by = 1);
  double value(const Labels& labels) const;
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<Labels, double> values_;
};

class GaugeFamily {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names);
  void set(const Labels& labels, double value);
  double value(const Labels& labels) const;
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<Labels, double> values_;
};

class HistogramFamily {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds);
  void observe(const Labels& labels, double value);
  void render(std::string& out) const;

 private:
  struct Series {
    std::vector<std::uint64_t> buckets;  // cumulative at render time
    double sum = 0;
    std::uint64_t count = 0;
  };
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<Labels, Series> series_;
};

// The gateway's metrics, one instance owned by the application and shared by reference.
struct Metrics {
  Metrics();
  // API
  CounterFamily http_requests;        // smsgw_http_requests_total{route,code}
  HistogramFamily http_duration;      // smsgw_http_request_duration_seconds{route}
  CounterFamily messages_accepted;    // smsgw_messages_accepted_total
  CounterFamily console_sign_ins;     // smsgw_console_sign_ins_total{result} ok|failed|locked|disabled
  // Dispatch
  CounterFamily sends;                // smsgw_carrier_sends_total{carrier,outcome}
  HistogramFamily send_duration;      // smsgw_carrier_send_duration_seconds{carrier}
  GaugeFamily carrier_up;             // smsgw_carrier_up{carrier}  (1 = breaker closed & adapter up)
  CounterFamily delivery_reports;     // smsgw_delivery_reports_total{carrier,status}
  CounterFamily inbound;              // smsgw_inbound_total{carrier,kind} reply|opt_out|opt_in|duplicate|invalid
  CounterFamily breaker_opened;       // smsgw_carrier_breaker_opened_total{carrier}
  GaugeFamily pending_reports;        // smsgw_delivery_reports_pending (kept for a later record)
  // Retention
  CounterFamily retention_pruned;     // smsgw_retention_pruned_rows_total{table}
  // Queue, sampled at scrape time by the collector below
  GaugeFamily messages_by_status;     // smsgw_messages{status}
  GaugeFamily oldest_due_age;         // smsgw_queue_oldest_due_age_seconds
  GaugeFamily in_flight;              // smsgw_dispatch_in_flight
  GaugeFamily store_disk_free;        // smsgw_store_disk_free_bytes (data_dir's file system)
  GaugeFamily store_database_size;    // smsgw_store_database_bytes (database file + WAL)
  GaugeFamily store_writable;         // smsgw_store_writable (1 = the last commit succeeded)
  // Scheduler
  CounterFamily schedule_runs;        // smsgw_schedule_runs_total{outcome} fired|caught_up|missed|failed
  GaugeFamily schedule_next_fire;     // smsgw_schedule_next_fire_timestamp_seconds (0 if none)
  // Calendar, set at start-up, on SIGHUP and at each local midnight
  GaugeFamily calendar_last_official_year;  // smsgw_calendar_last_official_year (0 if none)
  GaugeFamily calendar_next_year_missing;   // smsgw_calendar_next_year_missing (1 = a needed year is estimated)

  // Called at the start of render() to refresh sampled gauges.
  std::function<void(Metrics&)> collector;
  std::string render();
};

}  // namespace smsgw
