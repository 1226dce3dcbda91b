// Happens-before edges ThreadSanitizer cannot see by itself. oneTBB is a prebuilt,
// uninstrumented library: when it hands a task to another thread (a run to a worker, a
// step to its successors, a parallel_for chunk out and back), the synchronization happens
// inside it, invisible to TSan, which would then report every hand-off as a race.
//
// So the engine marks each hand-off itself, on one address for all of them: whoever gives
// work to oneTBB or finishes a task calls tsan_hand_off(); whoever starts a task, or resumes
// after waiting for oneTBB, calls tsan_take_over() before reading anything the task was
// given (even its lambda's captures). A task then sees what every task that finished before
// it started wrote: coarser than oneTBB's real edges, but races between tasks that run at
// the same time (two runs sharing state, two chunks writing the same bytes) are still
// reported. Outside a TSan build these compile to nothing.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define GRAPHRUN_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GRAPHRUN_TSAN 1
#endif
#endif

#ifdef GRAPHRUN_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace graphrun {

#ifdef GRAPHRUN_TSAN
inline char tsan_tbb_token;
#endif

/// What this thread wrote so far is visible to whoever calls tsan_take_over() later.
inline void tsan_hand_off() {
#ifdef GRAPHRUN_TSAN
  __tsan_release(&tsan_tbb_token);
#endif
}

/// Sees what was written before every earlier tsan_hand_off().
inline void tsan_take_over() {
#ifdef GRAPHRUN_TSAN
  __tsan_acquire(&tsan_tbb_token);
#endif
}

}  // namespace graphrun
