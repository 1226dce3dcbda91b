#include "progress_bar.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

namespace graphrun {
namespace {

constexpr auto kFirstDraw = std::chrono::milliseconds(500);
constexpr auto kRedraw = std::chrono::milliseconds(100);
constexpr int kWidth = 24;

// "12.3 s", "2 min 05 s".
std::string duration(double seconds) {
  if (seconds < 60) return fmt::format("{:.1f} s", seconds);
  const int whole = static_cast<int>(seconds);
  return fmt::format("{} min {:02} s", whole / 60, whole % 60);
}

}  // namespace

ProgressBar::ProgressBar(bool enabled, const std::vector<StepInfo>& steps) : steps_(steps) {
  if (enabled && ::isatty(2)) thread_ = std::thread([this] { draw_until_stopped(); });
}

ProgressBar::~ProgressBar() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

// "[#########               ] 3/7 nodes  12.3 s  sol 37%, about 21.0 s left"
std::string ProgressBar::line(const RunProgress::Snapshot& s, const std::vector<StepInfo>& steps, double elapsed,
                              double left) {
  const bool running = s.step >= 0 && static_cast<size_t>(s.step) < steps.size();
  const double done = s.done + (running ? s.fraction : 0.0);
  const int filled = s.total ? std::clamp(static_cast<int>(kWidth * done / s.total), 0, kWidth) : 0;
  std::string text = fmt::format("[{:<{}}] {}/{} nodes  {}", std::string(static_cast<size_t>(filled), '#'), kWidth,
                                 s.done, s.total, duration(elapsed));
  if (running) {
    text += fmt::format("  {} {:.0f}%", steps[static_cast<size_t>(s.step)].label, 100 * s.fraction);
    if (left >= 0) text += ", about " + duration(left) + " left";
  }
  return text;
}

void ProgressBar::draw_until_stopped() {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  // The running step as first seen, and how far it was then: its rate since gives the estimate.
  auto seen_at = start;
  double seen_fraction = 0;
  int shown_step = -1;
  std::unique_lock lock(mutex_);
  bool drawn = false;
  if (!wake_.wait_for(lock, kFirstDraw, [this] { return stop_; })) {
    do {
      const RunProgress::Snapshot s = progress_.snapshot();
      const auto now = clock::now();
      if (s.step != shown_step) {
        shown_step = s.step;
        seen_at = now;
        seen_fraction = s.fraction;
      }
      const double elapsed = std::chrono::duration<double>(now - start).count();
      const double watched = std::chrono::duration<double>(now - seen_at).count();
      const double progressed = s.fraction - seen_fraction;
      // An estimate once the step has been watched a little and has moved.
      const double left = watched > 0.2 && progressed > 0.01 && s.fraction < 1 ? watched * (1 - s.fraction) / progressed : -1;
      std::cerr << "\r" << line(s, steps_, elapsed, left) << "\033[K" << std::flush;
      drawn = true;
    } while (!wake_.wait_for(lock, kRedraw, [this] { return stop_; }));
  }
  if (drawn) std::cerr << "\r\033[K" << std::flush;
}

}  // namespace graphrun
