// Keys and stand-in "compiled images" for the kernel cache tests, shared by the test binary
// and kernel_cache_writer (the second process): both must agree on the bytes of a key.
#pragma once

#include "backends/cuda/kernel_cache_entry.h"

#include <cstdint>
#include <random>
#include <string>

namespace graphrun::testing {

/// A key whose source names `n` (a different kernel per n).
inline cuda::KernelKey test_key(int n) {
  return cuda::KernelKey{"extern \"C\" __global__ void k" + std::to_string(n) + "(float* x) { x[0] = 1; }", "sm_90",
                         "NVRTC 13.0", {"--std=c++17", "-default-device"}};
}

/// The image "compiled" for key n: `size` bytes, all byte values, different per n.
inline cuda::KernelImage test_image(int n, size_t size = 4096) {
  std::mt19937_64 random(static_cast<uint64_t>(n) * 7919 + 1);
  cuda::KernelImage image(size, '\0');
  for (auto& c : image) c = static_cast<char>(random() & 0xff);
  return image;
}

}  // namespace graphrun::testing
