// The kernel cache in one process: miss then hit, one compile under contention, entries on
// disk that are corrupt, truncated or of another key (never trusted, recompiled, replaced),
// and folders that cannot be used (one warning, then memory only).
#include "backends/cuda/kernel_cache.h"
#include "cuda/kernel_cache_images.h"
#include "support/command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;
using cuda::KernelCache;
using cuda::KernelImage;
using cuda::KernelKey;

/// A compiler that counts its calls and returns test_image(n).
struct CountingCompiler {
  std::atomic<int> calls{0};
  cuda::KernelCompiler of(int n) {
    return [this, n] {
      ++calls;
      return test_image(n);
    };
  }
};

cuda::KernelCompiler must_not_compile() {
  return []() -> KernelImage {
    ADD_FAILURE() << "compiled although the image was cached";
    return "";
  };
}

std::string entry_path(const std::string& dir, const KernelKey& key) { return dir + "/" + cuda::entry_file_name(key); }

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(KernelCacheEntry, RoundTrips) {
  const std::string entry = cuda::encode_entry(test_key(1), test_image(1));
  std::string why;
  EXPECT_EQ(cuda::decode_entry(entry, test_key(1), &why), test_image(1)) << why;
  EXPECT_EQ(cuda::decode_entry(cuda::encode_entry(test_key(1), ""), test_key(1)), KernelImage());
}

TEST(KernelCacheEntry, EveryFlippedByteIsDetected) {
  const std::string entry = cuda::encode_entry(test_key(1), test_image(1, 64));
  for (size_t i = 0; i < entry.size(); ++i) {
    std::string bad = entry;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    EXPECT_FALSE(cuda::decode_entry(bad, test_key(1))) << "byte " << i;
  }
}

TEST(KernelCacheEntry, EveryTruncationIsDetected) {
  const std::string entry = cuda::encode_entry(test_key(1), test_image(1, 64));
  for (size_t size = 0; size < entry.size(); ++size)
    EXPECT_FALSE(cuda::decode_entry(std::string_view(entry).substr(0, size), test_key(1))) << "size " << size;
  EXPECT_FALSE(cuda::decode_entry(entry + "x", test_key(1)));
}

TEST(KernelCacheEntry, EveryPartOfTheKeyCounts) {
  const KernelKey base = test_key(1);
  std::vector<KernelKey> others(5, base);
  others[0].source += " ";
  others[1].arch = "sm_80";
  others[2].compiler_version = "NVRTC 13.1";
  others[3].options = {"--std=c++17-default-device"};  // the same characters, split otherwise
  others[4].options.push_back("-lineinfo");
  const std::string entry = cuda::encode_entry(base, test_image(1));
  for (const KernelKey& other : others) {
    EXPECT_NE(cuda::entry_file_name(other), cuda::entry_file_name(base));
    std::string why;
    EXPECT_FALSE(cuda::decode_entry(entry, other, &why));
    EXPECT_EQ(why, "entry of another key");
  }
  EXPECT_EQ(cuda::entry_file_name(base).size(), 32u + 7u);  // 128 bits in hex, ".kernel"
}

TEST(KernelCache, MissThenHitInMemoryThenOnDisk) {
  TempDir dir;
  CountingCompiler compiler;
  {
    KernelCache cache(dir.path());
    EXPECT_EQ(cache.get_or_compile(test_key(1), compiler.of(1)), test_image(1));
    EXPECT_EQ(cache.get_or_compile(test_key(1), compiler.of(1)), test_image(1));
    EXPECT_EQ(compiler.calls, 1);
    EXPECT_EQ(cache.counts().compiles, 1u);
    EXPECT_EQ(cache.counts().memory_hits, 1u);
  }
  ASSERT_TRUE(fs::is_regular_file(entry_path(dir.path(), test_key(1))));
  KernelCache later(dir.path());  // another process, as far as the cache can tell
  EXPECT_EQ(later.get_or_compile(test_key(1), must_not_compile()), test_image(1));
  EXPECT_EQ(later.counts().disk_hits, 1u);
  // Another key is a miss, with its own entry.
  EXPECT_EQ(later.get_or_compile(test_key(2), compiler.of(2)), test_image(2));
  EXPECT_EQ(compiler.calls, 2);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);
}

TEST(KernelCache, ThreadsAskingAtOnceCompileOnce) {
  TempDir dir;
  KernelCache cache(dir.path());
  constexpr int kThreads = 16;
  std::atomic<int> calls{0};
  std::latch start(kThreads);
  std::vector<KernelImage> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      const int n = t % 2;  // two keys, eight threads each
      start.arrive_and_wait();
      got[static_cast<size_t>(t)] = cache.get_or_compile(test_key(n), [&calls, n] {
        ++calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the others arrive meanwhile
        return test_image(n);
      });
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls, 2);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(got[static_cast<size_t>(t)], test_image(t % 2)) << "thread " << t;
  EXPECT_EQ(cache.counts().memory_hits, static_cast<size_t>(kThreads - 2));
}

TEST(KernelCache, ACompileErrorReachesEveryWaiterAndIsNotCached) {
  TempDir dir;
  KernelCache cache(dir.path());
  constexpr int kThreads = 4;
  std::latch start(kThreads);
  std::atomic<int> errors{0}, calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      try {
        cache.get_or_compile(test_key(3), [&calls]() -> KernelImage {
          ++calls;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          throw std::runtime_error("k3.cu(1): error: expected a ';'");
        });
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()).find("expected a ';'") != std::string::npos) ++errors;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, kThreads);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(fs::exists(entry_path(dir.path(), test_key(3))));
  CountingCompiler compiler;
  EXPECT_EQ(cache.get_or_compile(test_key(3), compiler.of(3)), test_image(3));  // tried again
  EXPECT_EQ(compiler.calls, 1);
}

// One way of spoiling a whole entry file, and what the cache must say of it.
struct Spoil {
  const char* name;
  std::function<std::string(const std::string&)> apply;  // entry bytes -> spoiled bytes
  const char* reason;
};

void PrintTo(const Spoil& spoil, std::ostream* os) { *os << spoil.name; }

class SpoiledEntry : public ::testing::TestWithParam<Spoil> {};

TEST_P(SpoiledEntry, IsRecompiledAndReplaced) {
  TempDir dir;
  const std::string path = entry_path(dir.path(), test_key(1));
  CountingCompiler compiler;
  KernelCache(dir.path()).get_or_compile(test_key(1), compiler.of(1));
  write_bytes(path, GetParam().apply(read_text(path)));

  KernelCache cache(dir.path());
  EXPECT_EQ(cache.get_or_compile(test_key(1), compiler.of(1)), test_image(1));
  EXPECT_EQ(compiler.calls, 2);
  EXPECT_EQ(cache.folder().rejected(), 1u);
  EXPECT_EQ(cache.folder().last_rejection(), GetParam().reason);
  std::string why;
  EXPECT_EQ(cuda::decode_entry(read_text(path), test_key(1), &why), test_image(1)) << "not replaced: " << why;
  KernelCache(dir.path()).get_or_compile(test_key(1), must_not_compile());  // and trusted again
}

std::string flip_last_byte(const std::string& s) {
  std::string out = s;
  out.back() = static_cast<char>(out.back() ^ 1);
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    KernelCache, SpoiledEntry,
    ::testing::Values(
        Spoil{"FlippedPayloadByte", flip_last_byte, "payload checksum differs"},
        Spoil{"TruncatedPayload", [](const std::string& s) { return s.substr(0, s.size() - 100); }, "truncated"},
        Spoil{"TruncatedHeader", [](const std::string& s) { return s.substr(0, 20); }, "truncated header"},
        Spoil{"Empty", [](const std::string&) { return std::string(); }, "truncated header"},
        Spoil{"TrailingBytes", [](const std::string& s) { return s + "more"; }, "longer than its header says"},
        Spoil{"WrongMagic", [](const std::string& s) { return "GRKERNEL" + s.substr(8); },
              "not a graphrun kernel cache entry (magic differs)"},
        Spoil{"OtherFormatVersion", [](const std::string& s) { return s.substr(0, 8) + '\x02' + s.substr(9); },
              "another entry format version"},
        // What a hash collision would look like: a whole entry of another key under this name.
        Spoil{"EntryOfAnotherKey", [](const std::string&) { return cuda::encode_entry(test_key(2), test_image(2)); },
              "entry of another key"}),
    [](const ::testing::TestParamInfo<Spoil>& spoil) { return std::string(spoil.param.name); });

TEST(KernelCache, AFolderThatCannotBeMadeIsWarnedOnceAndTheMemoryCacheStillWorks) {
  TempDir dir;
  write_bytes(dir.path() + "/file", "not a folder");
  const std::string folder = dir.path() + "/file/kernels";  // fails for root as well
  KernelCache cache(folder);
  CountingCompiler compiler;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(cache.get_or_compile(test_key(1), compiler.of(1)), test_image(1));
  EXPECT_EQ(cache.get_or_compile(test_key(2), compiler.of(2)), test_image(2));
  EXPECT_EQ(cache.get_or_compile(test_key(1), compiler.of(1)), test_image(1));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(compiler.calls, 2);
  EXPECT_EQ(count(err, "\n"), 1u) << err;
  EXPECT_EQ(err.rfind("graphrun: kernel cache " + folder + ": cannot create the folder: ", 0), 0u) << err;
  EXPECT_NE(err.find("; compiling without a disk cache\n"), std::string::npos) << err;
}

TEST(KernelCache, AnUnwritableFolderIsWarnedOnce) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write any folder; the other folder tests cover this path";
  TempDir dir;
  const std::string folder = dir.path() + "/kernels";
  fs::create_directory(folder);
  fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
  KernelCache cache(folder);
  CountingCompiler compiler;
  ::testing::internal::CaptureStderr();
  cache.get_or_compile(test_key(1), compiler.of(1));
  cache.get_or_compile(test_key(2), compiler.of(2));
  const std::string err = ::testing::internal::GetCapturedStderr();
  fs::permissions(folder, fs::perms::owner_all);
  EXPECT_EQ(compiler.calls, 2);
  EXPECT_EQ(count(err, "\n"), 1u) << err;
  EXPECT_NE(err.find("graphrun: kernel cache " + folder + ": cannot read and write the folder"), std::string::npos)
      << err;
}

TEST(KernelCache, AWriteThatFailsIsWarnedOnceAndTheDiskIsLeftAlone) {
  TempDir dir;
  // A folder where the entry file should go: the rename cannot replace it.
  fs::create_directory(entry_path(dir.path(), test_key(1)));
  KernelCache cache(dir.path());
  CountingCompiler compiler;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(cache.get_or_compile(test_key(1), compiler.of(1)), test_image(1));
  EXPECT_EQ(cache.get_or_compile(test_key(2), compiler.of(2)), test_image(2));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(err, "\n"), 1u) << err;
  EXPECT_EQ(err.rfind("graphrun: kernel cache " + dir.path() + ": ", 0), 0u) << err;
  EXPECT_FALSE(cache.folder().usable());
  EXPECT_FALSE(fs::exists(entry_path(dir.path(), test_key(2))));  // no disk after the failure
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(KernelCache, NoFolderIsWarnedOnce) {
  KernelCache cache("", "none of GRAPHRUN_KERNEL_CACHE, XDG_CACHE_HOME and HOME is set");
  CountingCompiler compiler;
  ::testing::internal::CaptureStderr();
  cache.get_or_compile(test_key(1), compiler.of(1));
  cache.get_or_compile(test_key(2), compiler.of(2));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err,
            "graphrun: kernel cache: none of GRAPHRUN_KERNEL_CACHE, XDG_CACHE_HOME and HOME is set; compiling "
            "without a disk cache\n");
  EXPECT_EQ(compiler.calls, 2);
}

// Sets an environment variable for one scope (ctest runs each test in its own process).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~ScopedEnv() { old_.empty() ? ::unsetenv(name_) : ::setenv(name_, old_.c_str(), 1); }

 private:
  const char* name_;
  std::string old_;
};

TEST(KernelCache, TheDefaultFolderFollowsTheEnvironment) {
  ScopedEnv home("HOME", "/home/me"), xdg("XDG_CACHE_HOME", nullptr), own("GRAPHRUN_KERNEL_CACHE", nullptr);
  EXPECT_EQ(cuda::default_kernel_cache_folder(), "/home/me/.cache/graphrun/kernels");
  {
    ScopedEnv relative("XDG_CACHE_HOME", "cache");  // not absolute: ignored, as XDG says
    EXPECT_EQ(cuda::default_kernel_cache_folder(), "/home/me/.cache/graphrun/kernels");
  }
  ScopedEnv absolute("XDG_CACHE_HOME", "/var/cache/me");
  EXPECT_EQ(cuda::default_kernel_cache_folder(), "/var/cache/me/graphrun/kernels");
  ScopedEnv chosen("GRAPHRUN_KERNEL_CACHE", "/tmp/k");
  EXPECT_EQ(cuda::default_kernel_cache_folder(), "/tmp/k");
  ScopedEnv no_home("HOME", nullptr), no_xdg("XDG_CACHE_HOME", nullptr), none("GRAPHRUN_KERNEL_CACHE", nullptr);
  EXPECT_EQ(cuda::default_kernel_cache_folder(), "");
}

}  // namespace
}  // namespace graphrun::testing
