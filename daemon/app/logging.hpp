#pragma once
// Where smsgwd's log lines go: to the systemd journal (with syslog priorities, no timestamp of
// our own since journald stamps every entry) when stderr is connected to it, else to stderr
// with a timestamped pattern.

namespace smsgw::app {

// True when stderr is the journal stream systemd gave this process: JOURNAL_STREAM holds
// "<st_dev>:<st_ino>" of that stream and matches fstat(2) of fd 2 (as sd_journal_print(3)
// describes; a child that redirected stderr must not log to the journal).
bool stderr_is_journal();

// Installs the default logger "smsgwd". Call once, before anything logs.
void setup_logging();

}  // namespace smsgw::app
