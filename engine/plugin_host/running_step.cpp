#include "plugin_host/running_step.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace graphrun {
namespace {

// Read from the crash handler, which must not allocate: in the graphrun executable the linker
// makes this local-exec (no allocation ever). No initial-exec attribute: that would also
// bind the Python module's TLS to the static block, which a module opened with dlopen
// cannot rely on ("cannot allocate memory in static TLS block"); the module installs no
// crash handler.
thread_local const RunningStep* t_current = nullptr;

void write_text(const char* text) {
  size_t left = std::strlen(text);
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<size_t>(n);
  }
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV (invalid memory access)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGFPE: return "SIGFPE (arithmetic exception)";
    case SIGILL: return "SIGILL (illegal instruction)";
    default: return "a fatal signal";
  }
}

void on_fatal_signal(int sig) {
  // Only async-signal-safe calls from here on: write(2) and raise.
  write_text("graphrun: crashed with ");
  write_text(signal_name(sig));
  if (const RunningStep* step = t_current) {
    write_text(" in node '");
    write_text(step->node);
    write_text("' (op '");
    write_text(step->op);
    write_text("' from plugin ");
    write_text(step->plugin);
    write_text(")\ngraphrun: plugins run inside the graphrun process; this is a bug in that op's kernel\n");
  } else {
    write_text(" outside any node's kernel\n");
  }
  // SA_RESETHAND restored the default action: the re-raised signal ends the process once
  // this handler returns (and a faulting instruction faults again).
  raise(sig);
}

}  // namespace

const RunningStep* current_step() { return t_current; }

RunningStepScope::RunningStepScope(const RunningStep* step) : previous_(t_current) { t_current = step; }
RunningStepScope::~RunningStepScope() { t_current = previous_; }

void install_crash_reporter() {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  // An alternate stack for the main thread, so a stack overflow can still be reported.
  static char alt_stack[64 * 1024];
  stack_t ss{};
  ss.ss_sp = alt_stack;
  ss.ss_size = sizeof alt_stack;
  sigaltstack(&ss, nullptr);
  struct sigaction action {};
  action.sa_handler = &on_fatal_signal;
  action.sa_flags = SA_RESETHAND | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) sigaction(sig, &action, nullptr);
}

}  // namespace graphrun
