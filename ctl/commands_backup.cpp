// smsgwctl backup: a consistent copy of the live database, taken with SQLite's online backup API
// while smsgwd keeps running. Unlike every other command it does not use the HTTP API: it opens
// the database file directly (same host), so it needs read access to the data_dir (run it as the
// service user or root).
//
// Consistency: the source connection holds one read transaction for the whole copy. In WAL mode
// that is a snapshot: the daemon's writer is never blocked by it, and the backup never restarts
// because of the daemon's commits (it would, endlessly under load, without the snapshot).

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"

namespace smsgw::ctl {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBackupUsage = "backup PATH [--data-dir DIR | --db FILE] [--force]";
constexpr int kPagesPerStep = 1024;  // 4 MiB at the default page size

class BackupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// fsync a file or directory by path; a backup that is renamed before its bytes are durable could
// be an empty file after a power cut.
void sync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) throw BackupError("cannot open " + path + " to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw BackupError("cannot sync " + path + ": " + std::strerror(err));
}

void remove_quietly(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

void remove_temp(const std::string& tmp) {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) remove_quietly(tmp + suffix);
}

// The backup holds every recipient's number and every text, so it is created owner-only whatever
// the caller's umask. SQLite opens an existing file as it is (an empty file is an empty
// database), and gives its -journal and -wal files the mode of the database file, so creating
// `tmp` as 0600 first makes all of them 0600; the rename keeps the mode. O_EXCL|O_NOFOLLOW:
// never write through a file or symlink someone else put there.
void create_private(const std::string& tmp) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw BackupError("cannot create " + tmp + ": " + std::strerror(errno));
  // open() applied the umask; an unusual one (say 0177) must not leave the file unreadable.
  const int rc = ::fchmod(fd, 0600);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw BackupError("cannot chmod 0600 " + tmp + ": " + std::strerror(err));
}

std::string human_bytes(std::uintmax_t n) {
  char buf[32];
  if (n >= 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1024.0 * 1024.0));
  } else if (n >= 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%ju B", n);
  }
  return buf;
}

struct Copied {
  std::int64_t messages = 0;
  int pages = 0;
};

// Copies `source` into `tmp` page by page from one read snapshot, switches the copy to a
// single-file journal mode and checks it. Throws BackupError or SQLite::Exception.
Copied copy_database(const std::string& source, const std::string& tmp) {
  SQLite::Database src(source, SQLite::OPEN_READONLY, 5000);
  SQLite::Database dst(tmp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  src.exec("BEGIN");
  // The first read starts the snapshot the whole copy is taken from.
  const std::int64_t source_messages = src.execAndGet("SELECT COUNT(*) FROM messages").getInt64();
  Copied out;
  {
    SQLite::Backup backup(dst, src);
    for (;;) {
      const int rc = backup.executeStep(kPagesPerStep);
      if (rc == SQLITE_DONE) break;
      // BUSY/LOCKED concern the destination (nobody else should have it open): wait and retry.
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    out.pages = backup.getTotalPageCount();
  }
  src.exec("COMMIT");
  // The copy inherits WAL mode from the live database; a backup is one self-contained file.
  dst.exec("PRAGMA journal_mode = DELETE");
  SQLite::Statement check(dst, "PRAGMA quick_check");
  std::vector<std::string> problems;
  while (check.executeStep()) {
    const std::string line = check.getColumn(0).getString();
    if (line != "ok") problems.push_back(line);
  }
  if (!problems.empty()) {
    std::string msg = "the copy failed PRAGMA quick_check:";
    for (std::size_t i = 0; i < problems.size() && i < 5; ++i) msg += "\n  " + problems[i];
    throw BackupError(msg);
  }
  out.messages = dst.execAndGet("SELECT COUNT(*) FROM messages").getInt64();
  if (out.messages != source_messages)
    throw BackupError("the copy holds " + std::to_string(out.messages) + " messages, the snapshot " +
                      std::to_string(source_messages));
  return out;
}

}  // namespace

int cmd_backup(const Client& /*client*/, const std::vector<std::string>& args) {
  const auto a = parse_command_args(
      args, {{"data-dir", false, false}, {"db", false, false}, {"force", false, true}}, "backup");
  expect_positionals(a, 1, kBackupUsage);
  if (a.has("data-dir") && a.has("db")) throw UsageError("backup: give --data-dir or --db, not both");
  const std::string source =
      a.get("db") ? *a.get("db")
                  : (fs::path(a.get("data-dir").value_or("/var/lib/smsgw")) / "smsgw.db").string();
  const std::string target = a.positionals[0];
  const std::string tmp = target + ".tmp";
  const bool force = a.has("force");

  std::error_code ec;
  if (!fs::exists(source, ec))
    throw UsageError("backup: no database at " + source + " (use --data-dir DIR or --db FILE)");
  if (fs::exists(target, ec)) {
    if (fs::equivalent(source, target, ec)) throw UsageError("backup: PATH is the live database");
    if (!force) throw UsageError("backup: " + target + " exists (use --force to replace it)");
  }
  const fs::path target_dir = fs::absolute(target, ec).parent_path();
  if (!fs::is_directory(target_dir, ec))
    throw UsageError("backup: directory " + target_dir.string() + " does not exist");

  const auto started = std::chrono::steady_clock::now();
  remove_temp(tmp);  // left over by an interrupted run: it is ours
  Copied copied;
  try {
    create_private(tmp);
    copied = copy_database(source, tmp);
    sync_path(tmp, false);
    fs::rename(tmp, target);  // atomic: PATH is either the old file or the complete new one
    sync_path(target_dir.string(), true);
  } catch (const SQLite::Exception& e) {
    remove_temp(tmp);
    std::cerr << "smsgwctl: backup failed: " << e.what();
    if (e.getErrorCode() == SQLITE_CANTOPEN || e.getErrorCode() == SQLITE_READONLY ||
        e.getErrorCode() == SQLITE_PERM)
      std::cerr << " (run as the service user or root: it needs read access to the data_dir)";
    std::cerr << '\n';
    return kApiError;
  } catch (const std::exception& e) {
    remove_temp(tmp);
    std::cerr << "smsgwctl: backup failed: " << e.what() << '\n';
    return kApiError;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::uintmax_t size = fs::file_size(target, ec);
  char took[32];
  std::snprintf(took, sizeof took, "%.2f s", seconds);
  std::cout << "backup " << target << ": " << copied.messages << " messages, "
            << human_bytes(ec ? 0 : size) << ", quick_check ok, " << took << '\n';
  return kOk;
}

}  // namespace smsgw::ctl
