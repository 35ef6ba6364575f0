#include "adapters/file/file_adapter.hpp"

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "adapters/core/failure.hpp"
#include "common/clock.hpp"
#include "common/time.hpp"

namespace smsgw::adapters::file {
namespace {

namespace fs = std::filesystem;
using adapters::carrier_errc;

class FileAdapter final : public adapters::Adapter {
 public:
  FileAdapter(boost::asio::io_context& io, std::string path, Clock clock)
      : io_(io), path_(std::move(path)), clock_(std::move(clock)) {}
  ~FileAdapter() override { close(); }

  void start() override {
    // An error here is reported again by every send; opening early just surfaces it sooner.
    std::string ignored;
    open(ignored);
  }

  std::size_t max_batch() const override { return 1000; }
  // It writes whatever it is given: with a template mapping configured the outbox shows the
  // carrier template call a cloud carrier would receive.
  bool sends_templates() const override { return true; }

  void submit(std::vector<adapters::Submission> batch, adapters::ResultHandler on_result) override {
    std::vector<adapters::SubmitResult> results;
    results.reserve(batch.size());
    for (const auto& s : batch) {
      adapters::SubmitResult r;
      if (stopped_) {
        r.id = s.id;
        r.error = carrier_errc::unavailable;
        r.detail = "carrier stopped";
      } else {
        r = write(s);
      }
      results.push_back(std::move(r));
    }
    boost::asio::post(io_, [on_result = std::move(on_result), results = std::move(results)]() mutable {
      for (auto& r : results) on_result(std::move(r));
    });
  }

  void async_stop(std::function<void()> done) override {
    stopped_ = true;
    close();
    boost::asio::post(io_, std::move(done));
  }

  bool up() const override { return !stopped_; }

 private:
  bool open(std::string& error) {
    if (file_ != nullptr) return true;
    std::error_code ec;
    const fs::path path(path_);
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    if (ec) {
      error = "cannot create folder for " + path_ + ": " + ec.message();
      return false;
    }
    file_ = std::fopen(path_.c_str(), "ae");  // append, close-on-exec
    if (file_ == nullptr) {
      error = "cannot open " + path_ + ": " + std::strerror(errno);
      return false;
    }
    return true;
  }

  void close() {
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
  }

  adapters::SubmitResult write(const adapters::Submission& sms) {
    adapters::SubmitResult outcome;
    outcome.id = sms.id;
    std::string error;
    if (!open(error)) {
      outcome.error = carrier_errc::unavailable;
      outcome.detail = std::move(error);
      return outcome;
    }
    nlohmann::json line = {{"at", format_rfc3339(clock_.now())},
                           {"id", std::to_string(sms.id)},  // a string, as on the http carrier
                           {"to", sms.to},
                           {"segments", sms.segments}};
    if (sms.template_call) {
      // What a template carrier would receive, so the outbox shows a mapping at work.
      nlohmann::json params = sms.template_call->named ? nlohmann::json::object()
                                                       : nlohmann::json::array();
      for (const auto& [name, value] : sms.template_call->params) {
        if (sms.template_call->named) {
          params[name] = value;
        } else {
          params.push_back(value);
        }
      }
      line["template"] = {{"code", sms.template_call->code}, {"params", std::move(params)}};
    } else {
      line["text"] = sms.text;
    }
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text.push_back('\n');
    // One fwrite per line keeps lines whole for a reader tailing the file.
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() ||
        std::fflush(file_) != 0) {
      outcome.error = carrier_errc::unavailable;
      outcome.detail = "cannot write " + path_ + ": " + std::strerror(errno);
      // Reopen next time: the error may have been a full disk that has since been cleared.
      close();
      return outcome;
    }
    outcome.carrier_ids.push_back("file-" + std::to_string(sms.id));
    return outcome;
  }

  boost::asio::io_context& io_;
  std::string path_;
  Clock clock_;  // the daemon's: a line's "at" matches the message's history (--fake-now too)
  std::FILE* file_ = nullptr;
  bool stopped_ = false;
};

}  // namespace

std::string resolve_path(const config::CarrierConfig& carrier) {
  const fs::path path(carrier.options["path"].value_or(std::string()));
  if (path.is_absolute() || carrier.source_path.empty()) return path.string();
  return (fs::path(carrier.source_path).parent_path() / path).lexically_normal().string();
}

std::vector<std::string> validate(const config::CarrierConfig& carrier) {
  std::vector<std::string> problems;
  for (const auto& [key, node] : carrier.options) {
    if (key.str() != "path") {
      problems.push_back(config::describe(carrier, &node, key.str(),
                                          "unknown key for a file carrier (known: path)"));
    }
  }
  const toml::node* path = carrier.options.get("path");
  if (path == nullptr) {
    problems.push_back(config::describe(carrier, nullptr, "path", "is required"));
  } else if (!path->is_string() || path->as_string()->get().empty()) {
    problems.push_back(config::describe(carrier, path, "path", "must be a non-empty string"));
  }
  return problems;
}

std::unique_ptr<adapters::Adapter> create(const adapters::AdapterContext& context) {
  return std::make_unique<FileAdapter>(context.io, resolve_path(context.config), context.clock);
}

adapters::Registry::Factory factory() { return {&validate, &create}; }

}  // namespace smsgw::adapters::file
