// `graphrun sweep` under mpirun: on 1 to 4 ranks (5 runs: even and uneven blocks) the same
// files, table and listing as the plain command; a bad value reported once with exit 2 on
// every rank; a run failing on one rank named with its rank, exit 1, nothing written.
#include "distributed/mpirun.h"
#include "support/command.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

const std::string kSeedGraph = std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/seed/euler_vs_exact.yaml";
const std::string kDeltas = "delta=0.001,0.0005,0.00025,0.000125,0.0000625";

std::map<std::string, std::string> tree(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = read_text(e.path().string());
  return files;
}

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(MpiSweep, AnyNumberOfRanksWritesWhatOneProcessWrites) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  const std::string plain = dir.path() + "/plain";
  const CommandResult one = run_graphrun({"sweep", kSeedGraph, "--set", kDeltas, "-o", plain});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto expected = tree(plain);
  ASSERT_EQ(expected.size(), 16u);  // the table and 5 runs of 3 outputs
  for (int ranks = 1; ranks <= 4; ++ranks) {
    SCOPED_TRACE(std::to_string(ranks) + " ranks");
    const std::string out = dir.path() + "/ranks" + std::to_string(ranks);
    const CommandResult r = run_graphrun_under(mpirun(ranks), {"sweep", kSeedGraph, "--set", kDeltas, "-o", out});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(tree(out), expected);
    std::string listing = one.out;  // the same lines, the folder's name aside
    for (size_t at; (at = listing.find(plain)) != std::string::npos;) listing.replace(at, plain.size(), out);
    EXPECT_EQ(r.out, listing);
  }
}

TEST(MpiSweep, RanksWithoutARunWriteNothing) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  const std::string plain = dir.path() + "/plain", out = dir.path() + "/ranks";
  std::vector<std::string> args = {"sweep", kSeedGraph, "--set", "delta=0.001,0.0005", "-o", plain, "--plot", plain + ".svg",
                                   "--plot-x", "delta", "--plot-y", "rel_error"};
  const CommandResult one = run_graphrun(args);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  args[5] = out;
  args[7] = out + ".svg";
  const CommandResult r = run_graphrun_under(mpirun(3), args);  // rank 2 has no run
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(tree(out), tree(plain));
  std::string listing = one.out;  // the same lines in the same order, the plot's last
  for (size_t at; (at = listing.find(plain)) != std::string::npos;) listing.replace(at, plain.size(), out);
  EXPECT_EQ(r.out, listing);
  EXPECT_EQ(r.out.substr(r.out.rfind("wrote ")), "wrote " + out + ".svg\n");
}

TEST(MpiSweep, TheTableIsPrintedOnce) {
  SKIP_WITHOUT_MPI();
  const CommandResult one = run_graphrun({"sweep", kSeedGraph, "--set", kDeltas});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const CommandResult r = run_graphrun_under(mpirun(3), {"sweep", kSeedGraph, "--set", kDeltas});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, one.out);
  EXPECT_EQ(count(r.out, "run,folder"), 1u);
}

TEST(MpiSweep, ABadValueIsReportedOnceWithExitCode2) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  const CommandResult r = run_graphrun_under(
      mpirun(3), {"sweep", kSeedGraph, "--set", "delta=0.001,abc,0.0005", "-o", dir.path() + "/out"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count(r.err, "(in the sweep's run 1: delta=abc)"), 1u) << r.err;
  EXPECT_FALSE(fs::exists(dir.path() + "/out"));
}

TEST(MpiSweep, ARunFailingOnOneRankNamesItAndNothingIsWritten) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  // x' = k x^2 from x = 2: k = -1 decays, k = 1 blows up at t = 0.5, where dopri5 fails.
  const std::string graph = dir.path() + "/blowup.yaml";
  std::ofstream(graph) << "format: 1\ngraph: blowup\ndtype: f64\nparams: {k: -1}\nnodes:\n"
                          "  - {id: x0, op: constant, value: [2]}\n"
                          "  - {id: sol, op: ode, in: {x: x0}, rhs: {x: \"k * x * x\"}, method: dopri5, dt: 0.5, steps: 4}\n"
                          "  - {id: total, op: sum, in: [sol]}\n"
                          "outputs: [total]\n";
  const std::string out = dir.path() + "/out";
  fs::create_directories(out);
  std::ofstream(out + "/sweep.csv") << "an older table\n";
  // Two ranks: run 0 (k=-1) on rank 0 succeeds, run 1 (k=1) on rank 1 fails.
  const CommandResult r = run_graphrun_under(mpirun(2), {"sweep", graph, "--set", "k=-1,1", "-o", out});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(count(r.err, "rank 1: "), 1u) << r.err;
  EXPECT_NE(r.err.find("sweep run 1 (k=1)"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(out + "/sweep.csv"), "an older table\n");
  EXPECT_EQ(tree(out).size(), 1u);
}

TEST(MpiSweep, ThePlotIsDrawnFromEveryRanksRuns) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  const std::string plot = dir.path() + "/error.svg";
  const CommandResult r = run_graphrun_under(
      mpirun(2), {"sweep", kSeedGraph, "--set", kDeltas, "--plot", plot, "--plot-x", "delta", "--plot-y", "rel_error",
                  "--log", "xy", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const CommandResult one = run_graphrun({"sweep", kSeedGraph, "--set", kDeltas, "--plot", dir.path() + "/one.svg",
                                          "--plot-x", "delta", "--plot-y", "rel_error", "--log", "xy", "-q"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(read_text(plot), read_text(dir.path() + "/one.svg"));
}

}  // namespace
}  // namespace graphrun::testing
