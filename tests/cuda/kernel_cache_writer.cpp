// The second process of the kernel cache tests. Started twice at once on one folder:
//   kernel_cache_writer store DIR ROUNDS   stores and reloads entries 0..3 ROUNDS times, large
//                                          images, exit 1 if a load ever gives wrong bytes
//   kernel_cache_writer compile DIR        get_or_compile of key 0 with a slow compile; prints
//                                          "compiled" or "loaded"; exit 1 on wrong bytes
#include "backends/cuda/kernel_cache.h"
#include "cuda/kernel_cache_images.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

namespace {

using graphrun::cuda::KernelCache;
using graphrun::cuda::KernelCacheFolder;
using graphrun::cuda::KernelImage;
using graphrun::testing::test_image;
using graphrun::testing::test_key;

constexpr size_t kLargeImage = 1 << 20;  // large enough that writes take a while

int store_rounds(const std::string& dir, int rounds) {
  KernelCacheFolder folder(dir);
  for (int r = 0; r < rounds; ++r) {
    const int n = r % 4;
    folder.store(test_key(n), test_image(n, kLargeImage));
    for (int k = 0; k < 4; ++k) {
      // Another entry may not be written yet; one that is there must be whole.
      std::optional<KernelImage> image = folder.load(test_key(k));
      if (image && *image != test_image(k, kLargeImage)) {
        std::cerr << "entry " << k << " read back with wrong bytes\n";
        return 1;
      }
    }
  }
  if (!folder.usable() || folder.rejected() != 0) {
    std::cerr << "rejected " << folder.rejected() << " entries: " << folder.last_rejection() << "\n";
    return 1;
  }
  return 0;
}

int compile_once(const std::string& dir) {
  KernelCache cache(dir);
  const KernelImage& image = cache.get_or_compile(test_key(0), [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // both processes miss
    return test_image(0, kLargeImage);
  });
  if (image != test_image(0, kLargeImage)) {
    std::cerr << "wrong bytes\n";
    return 1;
  }
  std::cout << (cache.counts().compiles ? "compiled" : "loaded") << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "store" && argc == 4) return store_rounds(argv[2], std::atoi(argv[3]));
  if (mode == "compile" && argc == 3) return compile_once(argv[2]);
  std::cerr << "usage: kernel_cache_writer store DIR ROUNDS | compile DIR\n";
  return 2;
}
