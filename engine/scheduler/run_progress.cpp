#include "scheduler/run_progress.h"

#include <bit>

namespace graphrun {

uint64_t RunProgress::pack(int step, float fraction) {
  return uint64_t{static_cast<uint32_t>(step)} << 32 | std::bit_cast<uint32_t>(fraction);
}

RunProgress::Snapshot RunProgress::snapshot() const {
  Snapshot s;
  s.done = done_.load(std::memory_order_relaxed);
  s.total = total_.load(std::memory_order_relaxed);
  const uint64_t reported = reported_.load(std::memory_order_relaxed);
  s.step = static_cast<int>(static_cast<uint32_t>(reported >> 32));
  s.fraction = std::bit_cast<float>(static_cast<uint32_t>(reported));
  return s;
}

void RunProgress::start(int total) {
  done_.store(0, std::memory_order_relaxed);
  total_.store(total, std::memory_order_relaxed);
  reported_.store(pack(-1, 0), std::memory_order_relaxed);
}

void RunProgress::step_done(int step) {
  done_.fetch_add(1, std::memory_order_relaxed);
  // The finished step's fraction is no longer pending (unless another step reported since).
  uint64_t expected = reported_.load(std::memory_order_relaxed);
  if (static_cast<int>(static_cast<uint32_t>(expected >> 32)) == step)
    reported_.compare_exchange_strong(expected, pack(-1, 0), std::memory_order_relaxed);
}

void RunProgress::report(int step, double fraction) {
  reported_.store(pack(step, static_cast<float>(fraction)), std::memory_order_relaxed);
}

}  // namespace graphrun
