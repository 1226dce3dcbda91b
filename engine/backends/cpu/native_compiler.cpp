#include "backends/cpu/native_compiler.h"

#include "backends/cuda/kernel_cache.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

extern char** environ;

namespace graphrun::cpu {
namespace {

namespace fs = std::filesystem;

/// The compiler command, or "" when native code is turned off.
std::string compiler_command() {
  const char* env = std::getenv("GRAPHRUN_CXX");
  if (!env) return "c++";
  const std::string cxx = env;
  return cxx == "none" ? "" : cxx;
}

/// A private temporary folder, removed with its files when this goes out of scope.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "graphrun-native-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw NativeCodeUnavailable("cannot create a temporary folder in " + fs::temp_directory_path().string());
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw NativeCodeUnavailable("cannot write " + path.string());
}

/// Runs argv (stdout and stderr into `log`); its exit status, or -1 when it cannot start.
int run_command(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// The first line `cxx --version` prints: part of the cache key.
std::string compiler_version(const std::string& cxx) {
  static std::mutex mutex;
  static std::map<std::string, std::string> versions;
  std::lock_guard lock(mutex);
  if (auto it = versions.find(cxx); it != versions.end()) return it->second;
  TempFolder folder;
  if (run_command({cxx, "--version"}, folder / "version.txt") != 0)
    throw NativeCodeUnavailable("no C++ compiler: `" + cxx + " --version` did not run (set GRAPHRUN_CXX)");
  std::string first = read_file(folder / "version.txt");
  first = first.substr(0, first.find('\n'));
  return versions[cxx] = first;
}

/// The x86-64 level of this CPU as a -march flag: the code then runs on any CPU of it.
std::string target_flag() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return "-march=x86-64-v4";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "-march=x86-64-v3";
  if (__builtin_cpu_supports("sse4.2")) return "-march=x86-64-v2";
#endif
  return "-O3";  // no level flag: the compiler's default target
}

std::string compile(const cuda::KernelKey& key, const std::string& cxx) {
  TempFolder folder;
  write_file(folder / "kernel.cpp", key.source);
  std::vector<std::string> argv = {cxx};
  argv.insert(argv.end(), key.options.begin(), key.options.end());
  argv.insert(argv.end(), {"-o", (folder / "kernel.so").string(), (folder / "kernel.cpp").string()});
  if (run_command(argv, folder / "log.txt") != 0) {
    std::string log = read_file(folder / "log.txt");
    if (log.size() > 2000) log = log.substr(0, 2000) + "...";
    throw NativeCodeUnavailable("the C++ compiler `" + cxx + "` failed:\n" + log);
  }
  return read_file(folder / "kernel.so");
}

/// dlopen of an image (from a temporary file: dlopen needs one); never closed.
void* load_image(const std::string& image) {
  TempFolder folder;
  write_file(folder / "kernel.so", image);
  void* handle = dlopen((folder / "kernel.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw NativeCodeUnavailable(std::string("cannot load compiled code: ") + dlerror());
  return handle;
}

}  // namespace

const std::vector<std::string>& native_compile_options() {
  static const std::vector<std::string> options = [] {
    std::vector<std::string> o = {"-std=c++17", "-O3", target_flag()};
    if (o.back() == "-march=x86-64-v4") o.push_back("-mprefer-vector-width=512");
    o.insert(o.end(), {"-ffp-contract=off", "-fno-fast-math", "-fno-math-errno", "-fPIC", "-shared"});
    return o;
  }();
  return options;
}

void* native_function(const std::string& source, const std::string& symbol) {
  const std::string cxx = compiler_command();
  if (cxx.empty()) throw NativeCodeUnavailable("native code is turned off (GRAPHRUN_CXX=none)");
  cuda::KernelKey key{source, "cpu " + target_flag(), compiler_version(cxx), native_compile_options()};
  static std::mutex mutex;
  static std::map<std::string, void*> loaded;  // by encode_key: one dlopen per key
  const std::string id = cuda::encode_key(key);
  void* handle = nullptr;
  {
    std::lock_guard lock(mutex);
    if (auto it = loaded.find(id); it != loaded.end()) handle = it->second;
  }
  if (!handle) {
    try {
      handle = load_image(cuda::KernelCache::process_cache().get_or_compile(key, [&] { return compile(key, cxx); }));
    } catch (const NativeCodeUnavailable&) {
      throw;
    } catch (const std::exception& e) {
      throw NativeCodeUnavailable(e.what());
    }
    std::lock_guard lock(mutex);
    loaded.emplace(id, handle);  // a racing loader's handle stays open too: harmless
  }
  void* function = dlsym(handle, symbol.c_str());
  if (!function) throw NativeCodeUnavailable("compiled code has no function " + symbol);
  return function;
}

}  // namespace graphrun::cpu
