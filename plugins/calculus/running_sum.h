// The running sums behind `integrate`: a row's outputs are initial + the sum of the interval
// terms before them, added left to right. Rows longer than a block are cut into blocks whose
// offsets come from a first pass, so the sums parallelise over blocks as well as rows.
#pragma once

#include "integral_terms.h"

#include <algorithm>
#include <cstdint>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace graphrun::calculus {

/// Terms computed at once into a stack buffer, then summed.
inline constexpr int64_t kTermBatch = 256;

/// One run of output positions [begin, end) of a row, summed from `sum`.
template <typename T> struct SumLane {
  const T* row;
  T* dst;
  int64_t begin, end;
  T sum;
};

/// The sum of the terms behind output positions [begin, end) of a row (terms begin-1 ..
/// end-2; position 0 has none), in a fixed order of 8 partial sums.
template <typename T>
T block_total(const IntegralTerms<T>& terms, const T* row, int64_t begin, int64_t end) {
  T buf[kTermBatch];
  T lanes[8] = {};
  for (int64_t k = std::max<int64_t>(begin, 1); k < end; k += kTermBatch) {
    const int64_t len = std::min(kTermBatch, end - k);
    terms.fill(row, k - 1, len, buf);
    int64_t j = 0;
    for (; j + 8 <= len; j += 8)
      for (int l = 0; l < 8; ++l) lanes[l] += buf[j + l];
    for (; j < len; ++j) lanes[j % 8] += buf[j];
  }
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

/// block_total of a row's first block [0, end) when the row continues one held by another
/// MPI rank: `before` is the term of the interval from that rank's last sample to this
/// row's first, and stands where block_total would have put it had the row been whole (the
/// first of the sum's order), so a block starting a rank sums as it does in one process.
template <typename T>
T block_total_after(const IntegralTerms<T>& terms, const T* row, int64_t end, T before) {
  T buf[kTermBatch];
  T lanes[8] = {};
  lanes[0] += before;
  for (int64_t k = 1; k < end; k += kTermBatch) {
    const int64_t len = std::min(kTermBatch, end - k);
    terms.fill(row, k - 1, len, buf);
    for (int64_t j = 0; j < len; ++j) lanes[(k + j) % 8] += buf[j];
  }
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

/// dst[0..n) = src[0..n), past the caches where the target allows (x86-64's streaming
/// stores, whole 16-byte vectors): an output too large to stay in them is then written
/// without first reading each line in.
template <typename T> inline void stream_copy(T* dst, const T* src, int64_t n) {
  int64_t i = 0;
#if defined(__x86_64__)
  for (; i < n && reinterpret_cast<uintptr_t>(dst + i) % 16 != 0; ++i) dst[i] = src[i];
  if constexpr (sizeof(T) == 8) {
    for (; i + 2 <= n; i += 2) _mm_stream_pd(dst + i, _mm_loadu_pd(src + i));
  } else {
    for (; i + 4 <= n; i += 4) _mm_stream_ps(dst + i, _mm_loadu_ps(src + i));
  }
#endif
  for (; i < n; ++i) dst[i] = src[i];
}

/// Orders this thread's streaming stores before what follows (another thread's reads).
inline void finish_streaming() {
#if defined(__x86_64__)
  _mm_sfence();
#endif
}

/// dst[k] = initial + (sum += term(k - 1)) over NL lanes at once: independent running sums
/// interleaved, each still added strictly left to right. Lanes must have equal lengths.
/// Stream: the outputs through a buffer and stream_copy.
template <typename T, int NL, bool Stream>
void scan_lanes(const IntegralTerms<T>& terms, SumLane<T>* lanes, T initial) {
  T buf[NL][kTermBatch];
  T sum[NL];
  for (int l = 0; l < NL; ++l) {
    sum[l] = lanes[l].sum;
    if (lanes[l].begin == 0) lanes[l].dst[0] = sum[l] + initial;
  }
  const int64_t first = lanes[0].begin == 0 ? 1 : 0;  // every lane starts at 0 or none does
  const int64_t length = lanes[0].end - lanes[0].begin;
  for (int64_t p = first; p < length; p += kTermBatch) {
    const int64_t len = std::min(kTermBatch, length - p);
    for (int l = 0; l < NL; ++l) terms.fill(lanes[l].row, lanes[l].begin + p - 1, len, buf[l]);
    for (int64_t j = 0; j < len; ++j)
      for (int l = 0; l < NL; ++l) {
        sum[l] = sum[l] + buf[l][j];
        if constexpr (Stream)
          buf[l][j] = sum[l] + initial;  // the term is read: its place holds the output
        else
          lanes[l].dst[lanes[l].begin + p + j] = sum[l] + initial;
      }
    if constexpr (Stream)
      for (int l = 0; l < NL; ++l) stream_copy(lanes[l].dst + lanes[l].begin + p, buf[l], len);
  }
}

/// Sums every lane: runs of 4 (then 2, 1) lanes of equal length and start at once; Stream:
/// scan_lanes'.
template <typename T, bool Stream = false>
void scan_all(const IntegralTerms<T>& terms, SumLane<T>* lanes, int64_t count, T initial) {
  auto alike = [&](int64_t a, int64_t b) {
    return lanes[a].end - lanes[a].begin == lanes[b].end - lanes[b].begin &&
           (lanes[a].begin == 0) == (lanes[b].begin == 0);
  };
  int64_t i = 0;
  while (i < count) {
    int64_t run = 1;
    while (run < 4 && i + run < count && alike(i, i + run)) ++run;
    if (run == 4) {
      scan_lanes<T, 4, Stream>(terms, lanes + i, initial);
    } else if (run >= 2) {
      run = 2;
      scan_lanes<T, 2, Stream>(terms, lanes + i, initial);
    } else {
      scan_lanes<T, 1, Stream>(terms, lanes + i, initial);
    }
    i += run;
  }
  if constexpr (Stream) finish_streaming();
}

}  // namespace graphrun::calculus
