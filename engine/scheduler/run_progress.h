// How far a run has got, for a progress display. The executor's workers update it with
// atomic stores (never a callback into the display, which would then draw from several
// threads at once); the display reads a snapshot from its own thread whenever it likes.
#pragma once

#include <atomic>
#include <cstdint>

namespace graphrun {

class RunProgress {
 public:
  /// A consistent-enough view: the steps finished, and the latest fraction a still-running
  /// step reported through gr_host.report_progress (step -1 when none is pending).
  struct Snapshot {
    int done = 0;
    int total = 0;
    int step = -1;
    double fraction = 0;  // of `step`'s own work, 0..1
  };

  Snapshot snapshot() const;

  /// The run starts with `total` steps (resets the rest).
  void start(int total);
  /// `step` finished.
  void step_done(int step);
  /// `step`, still running, has done `fraction` (0..1) of its work.
  void report(int step, double fraction);

 private:
  // step and fraction travel together in one word: a reader never pairs one step's
  // fraction with another's index.
  static uint64_t pack(int step, float fraction);
  std::atomic<int> done_{0}, total_{0};
  std::atomic<uint64_t> reported_{pack(-1, 0)};
};

}  // namespace graphrun
