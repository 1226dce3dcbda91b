// FFTW's planner is global to the process and not thread-safe by default; several built-in
// plugins plan transforms (from worker threads), so each makes the planner lock itself
// before its first plan. Needs fftw3_threads and fftw3f_threads linked.
#pragma once

#include <fftw3.h>

#include <mutex>

namespace graphrun::fftw {

inline void make_planners_thread_safe() {
  static std::once_flag once;
  std::call_once(once, [] {
    fftw_make_planner_thread_safe();
    fftwf_make_planner_thread_safe();
  });
}

}  // namespace graphrun::fftw
