// End-to-end: `smsgwctl backup` against a running smsgwd under write load, then a restore into a
// fresh data_dir served by a second daemon. Real binaries, real HTTP on 127.0.0.1.

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.hpp"
#include "common/time.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_http_carrier.hpp"
#include "support/http_client.hpp"

namespace smsgw::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kToken = "backup-e2e-token";

std::string config(unsigned short api_port, unsigned short carrier_port) {
  return "[daemon]\n"
         "data_dir = \"data\"\n"
         "shutdown_grace = \"3s\"\n"
         "[api]\n"
         "listen = \"127.0.0.1:" + std::to_string(api_port) + "\"\n"
         "[[api.tokens]]\nname = \"admin\"\nsha256 = \"" + sha256_hex(kToken) + "\"\n"
         "scopes = [\"send\", \"read\", \"admin\"]\n"
         "[[carriers]]\nname = \"primary\"\ntype = \"http\"\n"
         "url = \"http://127.0.0.1:" + std::to_string(carrier_port) + "/send\"\n"
         "rate = 100000\n"
         "[sms]\nquiet_hours = \"off\"\n";
}

// Sent far in the future: the dispatcher leaves them alone, so the test measures the store only.
json send_body(int n) {
  json to = json::array();
  for (int i = 0; i < n; ++i) to.push_back("+86138" + std::to_string(10000000 + i));
  return {{"to", to},
          {"text", "backup test message, long enough to fill pages: 廉政提醒 " + std::string(120, '.')},
          {"send_at", format_rfc3339(now_ms() + 300LL * 86'400'000)}};
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

TEST(BackupE2E, BackupUnderWriteLoadHoldsEveryAcknowledgedMessageAndRestores) {
  const std::string dir = make_temp_dir("smsgw-backup");
  FakeHttpCarrier carrier(FakeHttpCarrier::Options{});
  const unsigned short port = free_loopback_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  DaemonProcess daemon(SMSGWD_PATH, dir, config(port, carrier.port()));
  ASSERT_TRUE(daemon.start(base)) << daemon.log();

  // A database of several backup steps (1,024 pages each), so the daemon commits between steps.
  std::vector<std::string> acknowledged;
  std::mutex mutex;
  const auto accept = [&](const HttpResult& r) {
    ASSERT_EQ(r.status, 202) << r.body;
    const json doc = json::parse(r.body);
    std::lock_guard lock(mutex);
    for (const auto& m : doc["messages"]) acknowledged.push_back(m["id"].get<std::string>());
  };
  for (int i = 0; i < 12; ++i)
    accept(http_request("POST", base + "/v1/messages", kToken, send_body(1000).dump()));

  std::atomic<bool> stop{false};
  std::atomic<int> posted_during{0};
  std::thread load([&] {
    while (!stop.load()) {
      const auto r = http_request("POST", base + "/v1/messages", kToken, send_body(1).dump());
      if (r.status != 202) {
        ADD_FAILURE() << "POST during the backup: " << r.status << " " << r.body;
        return;
      }
      accept(r);
      posted_during.fetch_add(1);
    }
  });
  // Load is running before the backup starts.
  while (posted_during.load() < 20) std::this_thread::sleep_for(1ms);

  std::vector<std::string> before;
  {
    std::lock_guard lock(mutex);
    before = acknowledged;
  }
  const std::string backup = dir + "/backup.db";
  const int during_at_start = posted_during.load();
  const CommandResult result =
      run_command(std::string(SMSGWCTL_PATH) + " backup " + quote(backup) + " --data-dir " + quote(dir + "/data"));
  const int during_backup = posted_during.load() - during_at_start;
  stop = true;
  load.join();
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("quick_check ok"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(" messages, "), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(backup + ".tmp"));
  // Writers were not blocked while the copy ran (WAL snapshot, not a lock).
  RecordProperty("posts_during_backup", during_backup);

  {
    SQLite::Database db(backup, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA quick_check").getString(), "ok");
    EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "delete");  // one self-contained file
    std::set<std::string> ids;
    SQLite::Statement all(db, "SELECT id FROM messages");
    while (all.executeStep()) ids.insert(all.getColumn(0).getString());
    // The API's ids are the database's: a missing one is a lost acknowledgement.
    std::size_t missing = 0;
    for (const auto& id : before) missing += ids.count(id) == 0 ? 1 : 0;
    EXPECT_EQ(missing, 0u) << "of " << before.size() << " acknowledged before the backup";
    EXPECT_GE(ids.size(), before.size());
  }

  // The copy never replaces an existing file without --force.
  const CommandResult again =
      run_command(std::string(SMSGWCTL_PATH) + " backup " + quote(backup) + " --data-dir " + quote(dir + "/data"));
  EXPECT_EQ(again.status, 2) << again.output;
  EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
  const CommandResult forced = run_command(std::string(SMSGWCTL_PATH) + " backup " + quote(backup) +
                                           " --force --db " + quote(dir + "/data/smsgw.db"));
  EXPECT_EQ(forced.status, 0) << forced.output;

  // Restore as documented: a fresh data_dir holding only the backup as smsgw.db.
  const std::string restored = make_temp_dir("smsgw-restore");
  fs::create_directories(restored + "/data");
  fs::copy_file(backup, restored + "/data/smsgw.db");
  const unsigned short port2 = free_loopback_port();
  const std::string base2 = "http://127.0.0.1:" + std::to_string(port2);
  DaemonProcess second(SMSGWD_PATH, restored, config(port2, carrier.port()));
  ASSERT_TRUE(second.start(base2)) << second.log();
  for (const std::string& id : {before.front(), before.back()}) {
    const auto r = http_request("GET", base2 + "/v1/messages/" + id, kToken);
    ASSERT_EQ(r.status, 200) << id << ": " << r.body;
    EXPECT_EQ(json::parse(r.body)["id"], id);
  }
  // And the restored daemon takes new work.
  EXPECT_EQ(http_request("POST", base2 + "/v1/messages", kToken, send_body(1).dump()).status, 202);

  daemon.signal(SIGTERM);
  second.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), 0);
  EXPECT_EQ(second.wait_exit(10s), 0);
  fs::remove_all(dir);
  fs::remove_all(restored);
}

// "600" for owner read and write.
std::string mode_of(const std::string& path) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%o", static_cast<unsigned>(fs::status(path).permissions() & fs::perms::mask));
  return buf;
}

// The backup holds every number and text: owner-only even when the operator's umask is 022,
// both for a new PATH and for one replaced with --force (an old 0644 file must not keep its mode).
TEST(BackupE2E, BackupIsCreatedOwnerOnlyWhateverTheUmask) {
  const std::string dir = make_temp_dir("smsgw-backup-mode");
  FakeHttpCarrier carrier(FakeHttpCarrier::Options{});
  const unsigned short port = free_loopback_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  DaemonProcess daemon(SMSGWD_PATH, dir, config(port, carrier.port()));
  ASSERT_TRUE(daemon.start(base)) << daemon.log();
  ASSERT_EQ(http_request("POST", base + "/v1/messages", kToken, send_body(3).dump()).status, 202);

  const std::string backup = dir + "/backup.db";
  const std::string ctl = "umask 022; " + std::string(SMSGWCTL_PATH) + " backup " + quote(backup);
  const CommandResult created = run_command(ctl + " --data-dir " + quote(dir + "/data"));
  ASSERT_EQ(created.status, 0) << created.output;
  EXPECT_EQ(mode_of(backup), "600");

  // A world-readable file in the way, as an older smsgwctl would have left it.
  fs::permissions(backup, fs::perms::owner_read | fs::perms::owner_write |
                              fs::perms::group_read | fs::perms::others_read);
  const CommandResult forced = run_command(ctl + " --force --data-dir " + quote(dir + "/data"));
  ASSERT_EQ(forced.status, 0) << forced.output;
  EXPECT_EQ(mode_of(backup), "600");
  for (const char* suffix : {".tmp", ".tmp-journal", "-journal"})
    EXPECT_FALSE(fs::exists(backup + suffix)) << suffix;

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace smsgw::testing
