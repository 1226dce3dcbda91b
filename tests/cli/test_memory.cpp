// Memory: `run` refuses a plan whose peak exceeds the available memory (exit 1: the graph is
// valid) unless --max-memory allows it; a failed allocation names its size and node.
#include "support/command.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace graphrun::testing {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif

/// MemTotal of /proc/meminfo in bytes (0 when unknown).
uint64_t total_memory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  while (in >> key)
    if (key == "MemTotal:" && in >> kb) return kb * 1024;
  return 0;
}

/// Four f64 outputs of `elements` each: every one fits, all four live at the end.
std::string four_outputs(const TempDir& dir, uint64_t elements) {
  std::string path = dir.path() + "/big.yaml";
  std::ofstream out(path);
  out << "format: 1\ngraph: big\ndtype: f64\nnodes:\n";
  for (int i = 0; i < 4; ++i)
    out << "  - {id: r" << i << ", op: random, shape: [" << elements << "], dist: uniform, seed: " << i << "}\n";
  out << "outputs: [r0, r1, r2, r3]\n";
  return path;
}

/// Runs graphrun with `args` (no quoting needed) under `ulimit -v` of `limit_kb`; stderr
/// and the exit status.
CommandResult run_with_address_limit(const std::string& args, uint64_t limit_kb) {
  TempDir dir;
  std::string err = dir.path() + "/err";
  std::string cmd = "bash -c \"ulimit -v " + std::to_string(limit_kb) + " && exec '" + GRAPHRUN_EXE + "' " + args +
                    "\" 2> '" + err + "' > /dev/null";
  int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_text(err);
  return r;
}

TEST(Memory, APlanAboveTheAvailableMemoryIsRefusedBeforeRunning) {
  if (kAddressSanitizer) GTEST_SKIP() << "AddressSanitizer cannot run under an address-space limit";
  uint64_t total = total_memory();
  if (total == 0) GTEST_SKIP() << "no /proc/meminfo";
  TempDir dir;
  // Each tensor is half the machine: valid on its own, twice the machine together.
  std::string g = four_outputs(dir, total / 2 / 8);
  CommandResult check = run_graphrun({"check", g});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  CommandResult explain = run_graphrun({"explain", g});
  EXPECT_EQ(explain.exit_code, 0) << explain.err;
  EXPECT_NE(explain.out.find("memory: peak "), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find(" available now: `run` refuses it without --max-memory"), std::string::npos) << explain.out;
  // Under an address-space limit of a quarter of the machine, so that a run that is not
  // refused fails on its first tensor instead of filling the machine.
  CommandResult run = run_with_address_limit("run '" + g + "' --threads 1", total / 4 / 1024);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("this run would need "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(" GiB available; "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--max-memory"), std::string::npos) << run.err;
}

TEST(Memory, MaxMemoryReplacesTheAvailableAmount) {
  TempDir dir;
  std::string g = four_outputs(dir, 1000);  // 4 x 8000 bytes
  CommandResult small = run_graphrun({"run", g, "--max-memory", "16K"});
  EXPECT_EQ(small.exit_code, 1);
  EXPECT_NE(small.err.find("this run would need 31.2 KiB (31.2 KiB of tensors at the planned peak + 0 B of inputs), "
                           "16.0 KiB allowed by --max-memory"),
            std::string::npos)
      << small.err;
  CommandResult enough = run_graphrun({"run", g, "--max-memory", "32KiB", "--quiet"});
  EXPECT_EQ(enough.exit_code, 0) << enough.err;
  CommandResult bad = run_graphrun({"run", g, "--max-memory", "lots"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--max-memory lots: expected a size such as 24G"), std::string::npos) << bad.err;
}

TEST(Memory, AFailedAllocationNamesItsSizeAndNode) {
  if (kAddressSanitizer) GTEST_SKIP() << "AddressSanitizer cannot run under an address-space limit";
  // 2 GiB of address space, one tensor of 4 GiB: the pool cannot get it.
  TempDir dir;
  std::string g = dir.path() + "/g.yaml";
  std::ofstream(g) << "format: 1\ngraph: oom\ndtype: f64\nnodes:\n"
                      "  - {id: big, op: random, shape: [536870912], seed: 1}\noutputs: [big]\n";
  CommandResult r = run_with_address_limit("run '" + g + "' --max-memory 1T --threads 1 --quiet", 2 << 20);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("node 'big'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cannot allocate 4.00 GiB (4294967296 bytes)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace graphrun::testing
