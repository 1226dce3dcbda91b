// Happens-before edges ThreadSanitizer cannot see by itself. oneTBB's scheduler is a prebuilt,
// uninstrumented library: when a task hands data to another thread (a step to its
// successors, a parallel_for chunk to its caller), the synchronization happens inside it,
// invisible to TSan, which then reports the hand-off as a race. The engine marks each
// hand-off with a release on the sending side and an acquire on the receiving side, on an
// address both agree on. Outside a TSan build these compile to nothing.
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

/// What this thread wrote so far is visible to whoever later calls tsan_acquire(token).
inline void tsan_release([[maybe_unused]] const void* token) {
#ifdef GRAPHRUN_TSAN
  __tsan_release(const_cast<void*>(token));
#endif
}

/// Sees everything written before every earlier tsan_release(token).
inline void tsan_acquire([[maybe_unused]] const void* token) {
#ifdef GRAPHRUN_TSAN
  __tsan_acquire(const_cast<void*>(token));
#endif
}

}  // namespace graphrun
