// The progress line of `graphrun run` on a terminal: nodes done, the time so far, and for a
// node that reports how far it is (every op that splits its work through parallel_for), its
// percentage and an estimate of the time it still needs.
#pragma once

#include "scheduler/executor.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace graphrun {

/// Shown on stderr only when stderr is a terminal, and only once a run has taken 0.5 s.
/// The executor's workers only update the RunProgress (atomics); the bar's own thread reads
/// it every 100 ms and is the only one that draws. Destroying the bar clears its line and
/// joins the thread, before anything else is printed: output never lands beside it.
class ProgressBar {
 public:
  ProgressBar(bool enabled, const std::vector<StepInfo>& steps);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// What a run should update, or null when no bar is shown.
  RunProgress* progress() { return thread_.joinable() ? &progress_ : nullptr; }

  /// The line for a snapshot, `elapsed` seconds into the run, with the running step's
  /// estimated seconds left (negative: no estimate yet). No ANSI codes.
  static std::string line(const RunProgress::Snapshot& s, const std::vector<StepInfo>& steps, double elapsed,
                          double left);

 private:
  void draw_until_stopped();

  const std::vector<StepInfo>& steps_;
  RunProgress progress_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace graphrun
