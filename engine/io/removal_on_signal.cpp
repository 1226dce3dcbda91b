// The registry is a list of fixed-size chunks of atomic slots: the signal handler walks it
// without locks or allocation (only unlink, sigaction and raise, all async-signal-safe).
#include "io/removal_on_signal.h"

#include <unistd.h>

#include <csignal>
#include <mutex>

namespace graphrun::io::detail {
namespace {

struct Chunk {
  std::atomic<const char*> slots[128]{};
  std::atomic<Chunk*> next{nullptr};
};

Chunk first_chunk;  // later chunks are never freed: the handler may be walking them
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

void remove_registered_files_and_die(int signal) {
  for (Chunk* chunk = &first_chunk; chunk; chunk = chunk->next.load(std::memory_order_acquire))
    for (auto& slot : chunk->slots)
      if (const char* path = slot.load(std::memory_order_acquire)) ::unlink(path);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  ::sigaction(signal, &default_action, nullptr);
  // Blocked while this handler runs; delivered (and fatal) as soon as it returns.
  ::raise(signal);
}

/// Handles each signal whose disposition is the default (again: code may have reset it since).
void install_handlers() {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  for (int signal : kSignals) {
    struct sigaction old {};
    if (::sigaction(signal, nullptr, &old) != 0) continue;
    if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
    struct sigaction action {};
    action.sa_handler = remove_registered_files_and_die;
    sigemptyset(&action.sa_mask);
    for (int other : kSignals) sigaddset(&action.sa_mask, other);
    ::sigaction(signal, &action, nullptr);
  }
}

}  // namespace

SignalRemovalSlot remove_on_signal(const char* path) {
  install_handlers();
  for (Chunk* chunk = &first_chunk;;) {
    for (auto& slot : chunk->slots) {
      const char* expected = nullptr;
      if (slot.compare_exchange_strong(expected, path, std::memory_order_acq_rel)) return &slot;
    }
    Chunk* next = chunk->next.load(std::memory_order_acquire);
    if (!next) {
      auto* fresh = new Chunk;
      if (chunk->next.compare_exchange_strong(next, fresh, std::memory_order_acq_rel))
        next = fresh;
      else
        delete fresh;  // another thread appended one first; `next` now holds it
    }
    chunk = next;
  }
}

void forget_on_signal(SignalRemovalSlot slot) {
  if (slot) slot->store(nullptr, std::memory_order_release);
}

}  // namespace graphrun::io::detail
