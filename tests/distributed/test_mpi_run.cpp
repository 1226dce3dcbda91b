// `graphrun run` of a graph with sharded inputs under mpirun: on 1 to 4 ranks (even and
// uneven blocks) the outputs one process writes: the same bytes for elementwise chains, ops
// independent along the sharded axis, a max over it (one all-reduce), a sum over it (a
// gather), and a recurrence over a sharded time axis whose blocks hold whole chunks (within
// f32 rounding otherwise); the Mamba block sharded over its batch; a failing rank named, exit
// 1 everywhere and nothing written; graph errors once with exit 2. A selective scan over a
// sharded time axis agrees within f32's scan tolerance. `explain --ranks` needs
// no MPI and is checked in every build.
#include "distributed/mpirun.h"
#include "io/tensor_file.h"
#include "support/command.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

// A .npy file of normal draws (shifted and scaled), for inputs whose reference is the
// single-process run of the same graph.
void write_random(const std::string& path, gr_dtype dtype, const std::vector<int64_t>& shape, unsigned seed,
                  double mean = 0, double spread = 1) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(mean, spread);
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<double> f64(static_cast<size_t>(n));
  for (double& v : f64) v = normal(rng);
  std::vector<float> f32(f64.begin(), f64.end());
  io::write_tensor(path, dtype, shape, dtype == GR_F64 ? static_cast<const void*>(f64.data()) : f32.data());
}

std::string slurp(const std::string& path) { return read_text(path); }

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// The largest |a - b| over the largest |a| of two .npy files of the same shape.
double relative_difference(const std::string& a_path, const std::string& b_path, gr_dtype dtype) {
  const io::HostArray a = io::read_tensor(a_path, dtype), b = io::read_tensor(b_path, dtype);
  EXPECT_EQ(a.shape, b.shape);
  double diff = 0, scale = 0;
  const size_t n = dtype == GR_F64 ? a.f64.size() : a.f32.size();
  for (size_t i = 0; i < n && i < (dtype == GR_F64 ? b.f64.size() : b.f32.size()); ++i) {
    const double x = dtype == GR_F64 ? a.f64[i] : a.f32[i], y = dtype == GR_F64 ? b.f64[i] : b.f32[i];
    diff = std::max(diff, std::abs(x - y));
    scale = std::max(scale, std::abs(x));
  }
  return diff / scale;
}

class ShardedRun : public ::testing::Test {
 protected:
  TempDir dir;
  std::string at(const std::string& name) const { return dir.path() + "/" + name; }
  std::string graph(const std::string& name, const std::string& text) const {
    std::ofstream(at(name)) << text;
    return at(name);
  }
  // Runs `args` in one process (into DIR/one) and on 1..4 ranks (DIR/ranksN); calls
  // check(ranks, output file name) for each output of each.
  template <typename Check>
  void against_one_process(std::vector<std::string> args, const std::vector<std::string>& outputs, Check check,
                           std::vector<int> rank_counts = {1, 2, 3, 4}) {
    args.insert(args.end(), {"-q", "-o", at("one")});
    const CommandResult one = run_graphrun(args);
    ASSERT_EQ(one.exit_code, 0) << one.err;
    for (int ranks : rank_counts) {
      SCOPED_TRACE(std::to_string(ranks) + " ranks");
      args.back() = at("ranks" + std::to_string(ranks));
      const CommandResult r = run_graphrun_under(mpirun(ranks), args);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      for (const std::string& name : outputs) check(ranks, name);
    }
  }
  void expect_same_bytes(int ranks, const std::string& name) const {
    EXPECT_EQ(slurp(at("ranks" + std::to_string(ranks) + "/" + name + ".npy")), slurp(at("one/" + name + ".npy")))
        << name;
  }
};

const char* const kRowsGraph = R"(format: 1
graph: rows
dtype: f64
inputs:
  x: {shape: [-1, 64], shard: 0}
  t: {shape: [64]}
  w: {shape: [-1, 1]}
nodes:
  - {id: y, op: expr, in: {x: x, t: t, w: w}, expr: "sin(x) * w + t"}
  - {id: d, op: derivative, in: {x: y}}
  - {id: c, op: integrate, in: {x: d}}
  - {id: m, op: max, in: [d], axis: 0}
  - {id: s, op: sum, in: [y], axis: 0}
  - {id: r, op: max, in: [y], axis: 1, keepdims: true}
outputs: [y, d, c, m, s, r]
)";

TEST_F(ShardedRun, RowOpsAndReductionsGiveOneProcesssBytes) {
  SKIP_WITHOUT_MPI();
  write_random(at("x.npy"), GR_F64, {10, 64}, 1);
  write_random(at("t.npy"), GR_F64, {64}, 2);
  write_random(at("w.npy"), GR_F64, {10, 1}, 3);  // held whole by every rank: each takes its block
  against_one_process({"run", graph("rows.yaml", kRowsGraph), "--input", "x=" + at("x.npy"), "--input",
                       "t=" + at("t.npy"), "--input", "w=" + at("w.npy")},
                      {"y", "d", "c", "m", "s", "r"}, [&](int ranks, const std::string& name) { expect_same_bytes(ranks, name); });
}

TEST_F(ShardedRun, TheSummariesArePrintedOnceAsOneProcessPrintsThem) {
  SKIP_WITHOUT_MPI();
  write_random(at("x.npy"), GR_F64, {10, 64}, 1);
  write_random(at("t.npy"), GR_F64, {64}, 2);
  write_random(at("w.npy"), GR_F64, {10, 1}, 3);
  const std::vector<std::string> args = {"run", graph("rows.yaml", kRowsGraph), "--input", "x=" + at("x.npy"),
                                         "--input", "t=" + at("t.npy"), "--input", "w=" + at("w.npy")};
  const CommandResult one = run_graphrun(args);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const CommandResult r = run_graphrun_under(mpirun(3), args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, one.out);
  EXPECT_EQ(count(r.out, "y: f64 (10, 64)"), 1u) << r.out;
}

// -o DIR of .npy files: every rank writes its blocks with MPI-IO (RowOps... above); an
// archive and CSV files go through rank 0, which gathers the blocks first: the same files.
TEST_F(ShardedRun, ArchivesAndCsvFilesAreWhatOneProcessWrites) {
  SKIP_WITHOUT_MPI();
  write_random(at("x.npy"), GR_F64, {10, 64}, 1);
  write_random(at("t.npy"), GR_F64, {64}, 2);
  write_random(at("w.npy"), GR_F64, {10, 1}, 3);
  const std::vector<std::string> inputs = {"--input", "x=" + at("x.npy"), "--input", "t=" + at("t.npy"), "--input",
                                           "w=" + at("w.npy"), "-q"};
  for (const std::vector<std::string>& target : {std::vector<std::string>{"-o", "out.npz"}, {"-o", "csv", "--format", "csv"}}) {
    std::vector<std::string> one = {"run", graph("rows.yaml", kRowsGraph)}, three = one;
    one.insert(one.end(), inputs.begin(), inputs.end());
    three.insert(three.end(), inputs.begin(), inputs.end());
    one.insert(one.end(), {target[0], at("one_" + target[1])});
    three.insert(three.end(), {target[0], at("three_" + target[1])});
    one.insert(one.end(), target.begin() + 2, target.end());
    three.insert(three.end(), target.begin() + 2, target.end());
    ASSERT_EQ(run_graphrun(one).exit_code, 0);
    const CommandResult r = run_graphrun_under(mpirun(3), three);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (target[1] == "out.npz") {  // the members (the archive's bytes hold its write time)
      for (const char* name : {"y", "d", "c", "m", "s", "r"}) {
        const io::HostArray mine = io::read_tensor(at("three_out.npz:") + name, GR_F64);
        const io::HostArray theirs = io::read_tensor(at("one_out.npz:") + name, GR_F64);
        EXPECT_EQ(mine.shape, theirs.shape) << name;
        EXPECT_EQ(mine.f64, theirs.f64) << name;
      }
    } else {
      for (const char* name : {"y", "d", "c", "m", "s", "r"})
        EXPECT_EQ(slurp(at(std::string("three_csv/") + name + ".csv")), slurp(at(std::string("one_csv/") + name + ".csv")))
            << name;
    }
  }
}

const char* const kScanGraph = R"(format: 1
graph: scan
inputs:
  a: {shape: [3, -1], shard: -1}
  b: {shape: [3, -1], shard: -1}
nodes:
  - {id: h, op: recurrence, in: {a: a, b: b}}
  - {id: f, op: recurrence, in: {a: a, b: b}, save: final}
  - {id: y, op: expr, in: {h: h}, expr: "h * 2 - 1"}
outputs: [y, f]
)";

TEST_F(ShardedRun, ARecurrenceOverTimeInWholeChunksGivesOneProcesssBytes) {
  SKIP_WITHOUT_MPI();
  // 4 chunks of 8192 steps (the scan's chunk): 2 and 4 ranks hold whole chunks.
  write_random(at("a.npy"), GR_F32, {3, 4 * 8192}, 4, 0.95, 0.02);
  write_random(at("b.npy"), GR_F32, {3, 4 * 8192}, 5);
  against_one_process({"run", graph("scan.yaml", kScanGraph), "--input", "a=" + at("a.npy"), "--input", "b=" + at("b.npy")},
                      {"y", "f"}, [&](int ranks, const std::string& name) { expect_same_bytes(ranks, name); }, {1, 2, 4});
}

TEST_F(ShardedRun, ARecurrenceOverTimeInUnevenBlocksAgreesWithinRounding) {
  SKIP_WITHOUT_MPI();
  write_random(at("a.npy"), GR_F32, {3, 4 * 8192 + 5}, 6, 0.95, 0.02);
  write_random(at("b.npy"), GR_F32, {3, 4 * 8192 + 5}, 7);
  against_one_process({"run", graph("scan.yaml", kScanGraph), "--input", "a=" + at("a.npy"), "--input", "b=" + at("b.npy")},
                      {"y", "f"}, [&](int ranks, const std::string& name) {
                        const std::string mine = at("ranks" + std::to_string(ranks) + "/" + name + ".npy");
                        EXPECT_LE(relative_difference(at("one/" + name + ".npy"), mine, GR_F32), 1e-5) << name;
                      }, {2, 3});
}

const char* const kIntegrateGraph = R"(format: 1
graph: integrate_over_time
dtype: f64
inputs:
  x: {shape: [3, -1], shard: 1}
  t: {shape: [-1]}
nodes:
  - {id: a, op: integrate, in: {x: x}, dx: 0.1, initial: 2}
  - {id: b, op: integrate, in: {x: x, t: t}, method: rectangle}
  - {id: c, op: integrate, in: {x: x, t: t}}
  - {id: s, op: integrate, in: {x: x}, method: simpson}
outputs: [a, b, c, s]
)";

// Blocks of whole 65536-sample blocks (the integral's fixed blocks): one process's bytes;
// other blocks within f64's tolerance; simpson's terms reach past a neighbour: it gathers.
TEST_F(ShardedRun, AnIntegralOverTimeGivesOneProcesssBytesInWholeBlocks) {
  SKIP_WITHOUT_MPI();
  write_random(at("x.npy"), GR_F64, {3, 4 * 65536}, 15);
  std::vector<double> t(4 * 65536);
  for (size_t i = 0; i < t.size(); ++i) t[i] = 0.5 * static_cast<double>(i) + 0.25 * std::sin(static_cast<double>(i));
  io::write_tensor(at("t.npy"), GR_F64, {4 * 65536}, t.data());
  against_one_process({"run", graph("integ.yaml", kIntegrateGraph), "--input", "x=" + at("x.npy"), "--input", "t=" + at("t.npy")},
                      {"a", "b", "c", "s"}, [&](int ranks, const std::string& name) { expect_same_bytes(ranks, name); },
                      {2, 4});
}

TEST_F(ShardedRun, AnIntegralOverTimeInUnevenBlocksAgreesWithinRounding) {
  SKIP_WITHOUT_MPI();
  write_random(at("x.npy"), GR_F64, {3, 1001}, 16);
  std::vector<double> t(1001);
  for (size_t i = 0; i < t.size(); ++i) t[i] = 0.5 * static_cast<double>(i) + 0.25 * std::sin(static_cast<double>(i));
  io::write_tensor(at("t.npy"), GR_F64, {1001}, t.data());
  against_one_process({"run", graph("integ.yaml", kIntegrateGraph), "--input", "x=" + at("x.npy"), "--input", "t=" + at("t.npy")},
                      {"a", "b", "c", "s"}, [&](int ranks, const std::string& name) {
                        const std::string mine = at("ranks" + std::to_string(ranks) + "/" + name + ".npy");
                        EXPECT_LE(relative_difference(at("one/" + name + ".npy"), mine, GR_F64), 1e-12) << name;
                      });
}

TEST_F(ShardedRun, ASelectiveScanOverTimeAgreesWithinRounding) {
  SKIP_WITHOUT_MPI();
  const int64_t B = 2, D = 20, N = 16, L = 1000;
  for (const char* port : {"u", "delta", "z"}) write_random(at(std::string(port) + ".npy"), GR_F32, {B, D, L}, 9);
  write_random(at("Bm.npy"), GR_F32, {B, N, L}, 10);
  write_random(at("Cm.npy"), GR_F32, {B, N, L}, 11);
  write_random(at("A.npy"), GR_F32, {D, N}, 12, -1, 0.3);
  write_random(at("Dskip.npy"), GR_F32, {D}, 13);
  write_random(at("delta_bias.npy"), GR_F32, {D}, 14, -1);
  const std::string g = graph("ss.yaml", R"(format: 1
graph: selective_scan_over_time
inputs:
  u: {shape: [-1, -1, -1], shard: 2}
  delta: {shape: [-1, -1, -1], shard: 2}
  A: {shape: [-1, -1]}
  Bm: {shape: [-1, -1, -1], shard: 2}
  Cm: {shape: [-1, -1, -1], shard: 2}
  Dskip: {shape: [-1]}
  z: {shape: [-1, -1, -1], shard: 2}
  delta_bias: {shape: [-1]}
nodes:
  - id: s
    op: selective_scan
    in: {u: u, delta: delta, A: A, Bm: Bm, Cm: Cm, Dskip: Dskip, z: z, delta_bias: delta_bias}
    delta_softplus: true
outputs: {y: "s:y", final: "s:final"}
)");
  std::vector<std::string> args = {"run", g};
  for (const char* port : {"u", "delta", "A", "Bm", "Cm", "Dskip", "z", "delta_bias"})
    args.insert(args.end(), {"--input", std::string(port) + "=" + at(std::string(port) + ".npy")});
  // The state entering each block is composed from the maps of the blocks before it, not
  // stepped through: f32's scan tolerance.
  against_one_process(args, {"y", "final"}, [&](int ranks, const std::string& name) {
    const std::string mine = at("ranks" + std::to_string(ranks) + "/" + name + ".npy");
    EXPECT_LE(relative_difference(at("one/" + name + ".npy"), mine, GR_F32), 1e-5) << name;
  });
}

// ssm over a sharded time axis runs recurrent (whatever its mode says) from the composed
// state: f64's tolerance against one process in either mode.
TEST_F(ShardedRun, AnSsmOverTimeAgreesWithinRounding) {
  SKIP_WITHOUT_MPI();
  write_random(at("u.npy"), GR_F64, {2, 8, 3000}, 19);
  write_random(at("A.npy"), GR_F64, {8, 16}, 20, -1, 0.2);
  write_random(at("B.npy"), GR_F64, {8, 16}, 21);
  write_random(at("C.npy"), GR_F64, {8, 16}, 22);
  const std::string g = graph("ssm.yaml", R"(format: 1
graph: ssm_over_time
dtype: f64
inputs:
  u: {shape: [-1, -1, -1], shard: 2}
  A: {shape: [-1, -1]}
  B: {shape: [-1, -1]}
  C: {shape: [-1, -1]}
nodes:
  - {id: s, op: ssm, in: {u: u, A: A, B: B, C: C}, dt: 0.05, mode: recurrent}
  - {id: k, op: ssm, in: {u: u, A: A, B: B, C: C}, dt: 0.05, mode: convolution, discretization: bilinear}
outputs: {y: "s:y", final: "s:final", yk: "k:y", finalk: "k:final"}
)");
  std::vector<std::string> args = {"run", g};
  for (const char* port : {"u", "A", "B", "C"})
    args.insert(args.end(), {"--input", std::string(port) + "=" + at(std::string(port) + ".npy")});
  against_one_process(args, {"y", "final", "yk", "finalk"}, [&](int ranks, const std::string& name) {
    const std::string mine = at("ranks" + std::to_string(ranks) + "/" + name + ".npy");
    EXPECT_LE(relative_difference(at("one/" + name + ".npy"), mine, GR_F64), 1e-12) << name;
  });
}

TEST_F(ShardedRun, TheMambaBlockShardedOverItsBatch) {
  SKIP_WITHOUT_MPI();
  const std::string parts = std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/mamba";
  const std::string g = graph("mamba.yaml", "format: 1\ngraph: mamba_sharded\ndtype: f32\ninputs:\n  x: {shape: [-1, -1, 16]}\n"
                                            "nodes:\n  - {id: block, op: subgraph, file: " + parts +
                                                "/parts/block.yaml, in: {x: x}, params: {weights: " + parts +
                                                "/weights/layer0}}\noutputs: {y: block}\n");
  write_random(at("x.npy"), GR_F32, {4, 64, 16}, 8);
  // The batch's rows go through GEMMs of other heights on each rank: BLAS may round them
  // otherwise, so the check is f32's tolerance, not bytes.
  against_one_process({"run", g, "--input", "x=" + at("x.npy"), "--shard", "x=0"}, {"y"}, [&](int ranks, const std::string& name) {
    EXPECT_LE(relative_difference(at("one/" + name + ".npy"), at("ranks" + std::to_string(ranks) + "/" + name + ".npy"), GR_F32),
              1e-5);
  });
}

TEST_F(ShardedRun, AFailingRankIsNamedEveryRankExitsWith1AndNothingIsWritten) {
  SKIP_WITHOUT_MPI();
  // x' = x^2 decays from -1 and blows up from 2 (at t = 0.5, where dopri5 fails): only rank 1
  // holds the 2. The sum after it gathers: rank 0 waits there and hears of the failure.
  const std::string g = graph("blowup.yaml", "format: 1\ngraph: blowup\ndtype: f64\ninputs:\n  x0: {shape: [4], shard: 0}\n"
                                             "nodes:\n  - {id: sol, op: ode, in: {x: x0}, rhs: {x: \"x * x\"}, method: dopri5, "
                                             "dt: 0.5, steps: 4}\n  - {id: total, op: sum, in: [sol]}\noutputs: [sol, total]\n");
  const double x0[] = {-1, -1, -1, 2};
  io::write_tensor(at("x0.npy"), GR_F64, {4}, x0);
  fs::create_directories(at("out"));
  std::ofstream(at("out/total.npy")) << "an older file\n";
  const CommandResult r = run_graphrun_under(mpirun(2), {"run", g, "--input", "x0=" + at("x0.npy"), "-o", at("out")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(count(r.err, "rank 1: "), 1u) << r.err;
  EXPECT_NE(r.err.find("node 'sol'"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(at("out/total.npy")), "an older file\n");
  EXPECT_FALSE(fs::exists(at("out/sol.npy")));
}

TEST_F(ShardedRun, ShardErrorsAreReportedOnceWithExitCode2) {
  SKIP_WITHOUT_MPI();
  const std::string g = graph("short.yaml", "format: 1\ngraph: short\ninputs:\n  x: {shape: [4], shard: 0}\n"
                                            "nodes:\n  - {id: y, op: exp, in: [x]}\noutputs: [y]\n");
  const float x[] = {1, 2, 3, 4};
  io::write_tensor(at("x.npy"), GR_F32, {4}, x);
  CommandResult r = run_graphrun_under(mpirun(5), {"run", g, "--input", "x=" + at("x.npy")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count(r.err, "axis 0 has 4 elements, fewer than the 5 ranks"), 1u) << r.err;
  EXPECT_NE(r.err.find("short.yaml:4:"), std::string::npos) << r.err;  // at the shard: key
  std::ofstream(at("x.csv")) << "1\n2\n3\n4\n";
  r = run_graphrun_under(mpirun(2), {"run", g, "--input", "x=" + at("x.csv")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count(r.err, "a sharded input is read from a .npy file"), 1u) << r.err;
}

// graphs/distributed/*.yaml with their inputs (data/<graph>/<input>.npy): 4 ranks give one
// process's files, byte for byte but for the Mamba block, whose GEMMs of other heights BLAS
// may round otherwise (f32's tolerance there).
TEST_F(ShardedRun, TheShippedExamplesGiveOneProcesssAnswersOnFourRanks) {
  SKIP_WITHOUT_MPI();
  const fs::path examples = fs::path(GRAPHRUN_SOURCE_DIR) / "graphs" / "distributed";
  int graphs = 0;
  for (const auto& entry : fs::directory_iterator(examples)) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string name = entry.path().stem().string();
    SCOPED_TRACE(name);
    ++graphs;
    std::vector<std::string> args = {"run", entry.path().string()};
    for (const auto& input : fs::directory_iterator(examples / "data" / name))
      args.insert(args.end(), {"--input", input.path().stem().string() + "=" + input.path().string()});
    ASSERT_GT(args.size(), 2u) << "no inputs in data/" << name;
    args.insert(args.end(), {"-q", "-o", at(name + "_one")});
    const CommandResult one = run_graphrun(args);
    ASSERT_EQ(one.exit_code, 0) << one.err;
    args.back() = at(name + "_four");
    const CommandResult four = run_graphrun_under(mpirun(4), args);
    ASSERT_EQ(four.exit_code, 0) << four.err;
    int files = 0;
    for (const auto& out : fs::directory_iterator(at(name + "_one"))) {
      ++files;
      const std::string mine = at(name + "_four/" + out.path().filename().string());
      if (name == "mamba_batch")
        EXPECT_LE(relative_difference(out.path().string(), mine, GR_F32), 1e-5) << out.path();
      else
        EXPECT_EQ(slurp(mine), slurp(out.path().string())) << out.path();
    }
    EXPECT_GT(files, 0);
  }
  EXPECT_EQ(graphs, 3);
}

// No MPI needed: the plan rank 0 of N would run.
TEST_F(ShardedRun, ExplainShowsTheShardingOfRankZero) {
  write_random(at("x.npy"), GR_F64, {10, 64}, 1);
  write_random(at("t.npy"), GR_F64, {64}, 2);
  write_random(at("w.npy"), GR_F64, {10, 1}, 3);
  const CommandResult r = run_graphrun({"explain", graph("rows.yaml", kRowsGraph), "--ranks", "4", "--input",
                                        "x=" + at("x.npy"), "--input", "t=" + at("t.npy"), "--input", "w=" + at("w.npy")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("sharding over 4 ranks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("input x: axis 0 of 10 in blocks of 2..3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("takes its block of 'w' along axis 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("m (max): max of its block along axis 0, then the max over ranks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("s (sum): gathers 'x' along axis 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("c (integrate): keeps blocks: out axis 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-> out (3, 64)"), std::string::npos) << r.out;  // rank 0's block of x

  write_random(at("a.npy"), GR_F32, {3, 20}, 4);
  write_random(at("b.npy"), GR_F32, {3, 20}, 5);
  const CommandResult scan = run_graphrun({"explain", graph("scan.yaml", kScanGraph), "--ranks", "2", "--shard", "b=1",
                                           "--input", "a=" + at("a.npy"), "--input", "b=" + at("b.npy")});
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  EXPECT_EQ(count(scan.out, "a scan over ranks"), 2u) << scan.out;
  write_random(at("x3.npy"), GR_F64, {3, 20}, 17);
  write_random(at("t20.npy"), GR_F64, {20}, 18);
  const CommandResult integ = run_graphrun({"explain", graph("integ.yaml", kIntegrateGraph), "--ranks", "2", "--input",
                                            "x=" + at("x3.npy"), "--input", "t=" + at("t20.npy")});
  ASSERT_EQ(integ.exit_code, 0) << integ.err;
  EXPECT_EQ(count(integ.out, "a scan over ranks"), 3u) << integ.out;
  EXPECT_NE(integ.out.find("s (integrate): gathers 'x' along axis 1"), std::string::npos) << integ.out;
  EXPECT_NE(integ.out.find("takes its block of 't' along axis 0"), std::string::npos) << integ.out;
  const CommandResult bad = run_graphrun({"explain", graph("scan.yaml", kScanGraph), "--ranks", "2", "--shard", "c=0"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--shard c: the graph has no input 'c'"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace graphrun::testing
