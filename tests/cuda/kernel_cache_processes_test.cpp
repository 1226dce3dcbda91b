// Two processes on one kernel cache folder at the same time (kernel_cache_writer, started
// twice at once): readers never see part of an entry, and the folder ends with one whole
// entry per key and no temporary files.
#include "backends/cuda/kernel_cache.h"
#include "cuda/kernel_cache_images.h"
#include "support/command.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

extern char** environ;

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

struct Finished {
  int exit_code = -1;
  std::string out, err;
};

/// Runs kernel_cache_writer with each argument list in `runs`, all at once; waits for all.
std::vector<Finished> run_writers_at_once(const TempDir& logs, const std::vector<std::vector<std::string>>& runs) {
  std::vector<pid_t> pids;
  for (size_t i = 0; i < runs.size(); ++i) {
    std::vector<std::string> args{KERNEL_CACHE_WRITER};
    args.insert(args.end(), runs[i].begin(), runs[i].end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    const std::string out = logs.path() + "/out" + std::to_string(i), err = logs.path() + "/err" + std::to_string(i);
    posix_spawn_file_actions_addopen(&files, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&files, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = -1;
    EXPECT_EQ(posix_spawn(&pid, argv[0], &files, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&files);
    pids.push_back(pid);
  }
  std::vector<Finished> done(runs.size());
  for (size_t i = 0; i < pids.size(); ++i) {
    int status = 0;
    if (pids[i] > 0 && ::waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status))
      done[i].exit_code = WEXITSTATUS(status);
    done[i].out = read_text(logs.path() + "/out" + std::to_string(i));
    done[i].err = read_text(logs.path() + "/err" + std::to_string(i));
  }
  return done;
}

/// The names in `dir`, checking that each is a whole entry of one of keys 0..3.
std::set<std::string> whole_entries(const std::string& dir, size_t image_size) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    names.insert(name);
    bool whole = false;
    for (int n = 0; n < 4 && !whole; ++n)
      whole = cuda::decode_entry(read_text(e.path().string()), test_key(n)) == test_image(n, image_size);
    EXPECT_TRUE(whole) << name << " is not a whole entry";
  }
  return names;
}

TEST(KernelCacheProcesses, ConcurrentWritersLeaveWholeEntries) {
  TempDir logs, dir;
  const std::string rounds = "40";
  const auto done = run_writers_at_once(logs, {{"store", dir.path(), rounds}, {"store", dir.path(), rounds}});
  for (const auto& d : done) EXPECT_EQ(d.exit_code, 0) << d.err;
  std::set<std::string> expected;
  for (int n = 0; n < 4; ++n) expected.insert(cuda::entry_file_name(test_key(n)));
  EXPECT_EQ(whole_entries(dir.path(), 1 << 20), expected);  // and no temporary file
}

TEST(KernelCacheProcesses, TwoProcessesMissingAtOnceBothGetTheImage) {
  TempDir logs, dir;
  const auto done = run_writers_at_once(logs, {{"compile", dir.path()}, {"compile", dir.path()}});
  for (const auto& d : done) {
    EXPECT_EQ(d.exit_code, 0) << d.err;
    EXPECT_TRUE(d.out == "compiled\n" || d.out == "loaded\n") << d.out;
    EXPECT_EQ(d.err, "");
  }
  EXPECT_EQ(whole_entries(dir.path(), 1 << 20), std::set<std::string>{cuda::entry_file_name(test_key(0))});
  // A third process finds the entry.
  const auto third = run_writers_at_once(logs, {{"compile", dir.path()}});
  EXPECT_EQ(third[0].out, "loaded\n") << third[0].err;
}

}  // namespace
}  // namespace graphrun::testing
