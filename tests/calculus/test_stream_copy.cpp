// stream_copy (plugins/calculus/running_sum.h), how `integrate` writes outputs too large for
// the caches: every start alignment and length, f32 and f64, equal to the source.
#include "calculus/running_sum.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace graphrun::calculus {
namespace {

template <typename T> void check_every_offset_and_length() {
  std::vector<T> src(80), dst(96);
  for (size_t i = 0; i < src.size(); ++i) src[i] = T(i) + T(0.5);
  for (int64_t offset = 0; offset < 8; ++offset)
    for (int64_t n = 0; n <= 70; ++n) {
      std::fill(dst.begin(), dst.end(), T(-1));
      stream_copy(dst.data() + offset, src.data(), n);
      finish_streaming();
      for (int64_t i = 0; i < static_cast<int64_t>(dst.size()); ++i) {
        const T expected = i >= offset && i < offset + n ? src[static_cast<size_t>(i - offset)] : T(-1);
        ASSERT_EQ(dst[static_cast<size_t>(i)], expected) << "offset " << offset << ", n " << n << ", at " << i;
      }
    }
}

TEST(StreamCopy, CopiesExactlyTheRangeAtEveryAlignment) {
  check_every_offset_and_length<float>();
  check_every_offset_and_length<double>();
}

}  // namespace
}  // namespace graphrun::calculus
