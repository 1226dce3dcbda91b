// `graphrun run` of a graph with sharded inputs under mpirun: on 1 to 4 ranks (even and
// uneven blocks) the outputs one process writes: the same bytes for elementwise chains, ops
// independent along the sharded axis, a max over it (one all-reduce), sums and means over it
// (each rank's pieces of the pairwise tree, one exchange), and a recurrence over a sharded time axis whose blocks hold whole chunks (within
// f32 rounding otherwise); an integral, a selective scan and an ssm over a sharded time axis;
// derivatives and conv1d along a sharded axis, which trade halos with their neighbours (the
// same bytes; conv1d's FFT path within f32 rounding); the Mamba block sharded over its batch
// and over time; a failing rank named, exit 1 everywhere and nothing written; graph errors
// once with exit 2; --device cuda with each rank on its own GPU (exit 3 on every rank, said
// once, where there is none). `explain --ranks` needs no MPI and is checked in every build.
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
  // `graphrun explain GRAPH --ranks N` (no MPI needed: rank 0's plan) with `inputs` given as
  // name=FILE, FILE in the test's folder, then `more` arguments.
  CommandResult explain(const std::string& graph_path, int ranks, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& more = {}) const {
    std::vector<std::string> args = {"explain", graph_path, "--ranks", std::to_string(ranks)};
    for (const std::string& input : inputs) {
      const size_t eq = input.find('=');
      args.insert(args.end(), {"--input", input.substr(0, eq + 1) + at(input.substr(eq + 1))});
    }
    args.insert(args.end(), more.begin(), more.end());
    return run_graphrun(args);
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

// Sums and means over the sharded axis: each rank sends its pieces of one process's pairwise
// tree (plugins/core/distributed_sum.h) and every rank evaluates the whole tree: one
// process's bits on 1 to 4 ranks, uneven blocks. v: long enough for several segments of the
// parallel reduction and a deep tree; r: rows (axis 0 of (1000, 37), leaves of rows added in
// order); w: rows wider than a column tile; a: every axis (one contiguous run); g: axes 0
// and 2 with axis 1 kept (the reduced values gathered from strides); o: the sharded axis 1
// after a reduced axis of one element.
const char* const kSumsGraph = R"(format: 1
graph: sums
dtype: DTYPE
inputs:
  v: {shape: [-1], shard: 0}
  r: {shape: [-1, 37], shard: 0}
  w: {shape: [-1, 300], shard: 0}
  g: {shape: [-1, 5, 7], shard: 0}
  o: {shape: [1, -1], shard: 1}
nodes:
  - {id: sv, op: sum, in: [v]}
  - {id: mv, op: mean, in: [v]}
  - {id: sr, op: sum, in: [r], axis: 0}
  - {id: mr, op: mean, in: [r], axis: 0, keepdims: true}
  - {id: sa, op: sum, in: [r]}
  - {id: ma, op: mean, in: [r]}
  - {id: sw, op: sum, in: [w], axis: 0}
  - {id: sg, op: sum, in: [g], axis: [2, 0]}
  - {id: mg, op: mean, in: [g], axis: [0, 2]}
  - {id: so, op: sum, in: [o], keepdims: true}
  - {id: twice, op: expr, in: {s: sr}, expr: "s * 2"}
outputs: [sv, mv, sr, mr, sa, ma, sw, sg, mg, so, twice]
)";

TEST_F(ShardedRun, SumsAndMeansOverTheShardedAxisGiveOneProcesssBits) {
  SKIP_WITHOUT_MPI();
  for (const gr_dtype dtype : {GR_F32, GR_F64}) {
    const std::string name = dtype == GR_F32 ? "f32" : "f64";
    SCOPED_TRACE(name);
    std::string text = kSumsGraph;
    text.replace(text.find("DTYPE"), 5, name);
    // Values of many sizes (a spread of 1e3 around 1e2): any other summation order shows in the bits.
    write_random(at("v.npy"), dtype, {100003}, 21, 100, 1000);
    write_random(at("r.npy"), dtype, {1000, 37}, 22, 100, 1000);
    write_random(at("w.npy"), dtype, {700, 300}, 23);
    write_random(at("g.npy"), dtype, {600, 5, 7}, 24, 100, 1000);
    write_random(at("o.npy"), dtype, {1, 999}, 25, 100, 1000);
    against_one_process({"run", graph("sums_" + name + ".yaml", text), "--input", "v=" + at("v.npy"), "--input",
                         "r=" + at("r.npy"), "--input", "w=" + at("w.npy"), "--input", "g=" + at("g.npy"), "--input",
                         "o=" + at("o.npy")},
                        {"sv", "mv", "sr", "mr", "sa", "ma", "sw", "sg", "mg", "so", "twice"},
                        [&](int ranks, const std::string& output) { expect_same_bytes(ranks, output); });
    // Every sum and mean above all-reduced (a gather would give these bits too).
    const CommandResult plan = explain(at("sums_" + name + ".yaml"), 4, {"v=v.npy", "r=r.npy", "w=w.npy", "g=g.npy", "o=o.npy"});
    ASSERT_EQ(plan.exit_code, 0) << plan.err;
    EXPECT_EQ(count(plan.out, "all-reduces"), 10u) << plan.out;
    EXPECT_EQ(plan.out.find("): gathers"), std::string::npos) << plan.out;
    // The check can fail: the two halves' sums added differ from one process's sum.
    const io::HostArray v = io::read_tensor(at("v.npy"), dtype), sv = io::read_tensor(at("one/sv.npy"), dtype);
    if (dtype == GR_F32) {
      float low = 0, high = 0;
      for (size_t i = 0; i < v.f32.size(); ++i) (i < v.f32.size() / 2 ? low : high) += v.f32[i];
      EXPECT_NE(low + high, sv.f32[0]);
    }
  }
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

TEST_F(ShardedRun, TheMambaBlockShardedOverTimeTradesTheConvHalo) {
  SKIP_WITHOUT_MPI();
  const std::string parts = std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/mamba";
  const std::string g = graph("mamba.yaml", "format: 1\ngraph: mamba_sharded\ndtype: f32\ninputs:\n  x: {shape: [-1, -1, 16]}\n"
                                            "nodes:\n  - {id: block, op: subgraph, file: " + parts +
                                                "/parts/block.yaml, in: {x: x}, params: {weights: " + parts +
                                                "/weights/layer0}}\noutputs: {y: block}\n");
  write_random(at("x.npy"), GR_F32, {2, 37, 16}, 15);
  const CommandResult plan = explain(g, 3, {"x=x.npy"}, {"--shard", "x=1"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("block/u (conv1d): exchanges a halo of 'block/u_in' (port x) along axis 2"), std::string::npos) << plan.out;
  // The time steps go through GEMMs of other heights on each rank: f32's tolerance.
  against_one_process({"run", g, "--input", "x=" + at("x.npy"), "--shard", "x=1"}, {"y"}, [&](int ranks, const std::string& name) {
    EXPECT_LE(relative_difference(at("one/" + name + ".npy"), at("ranks" + std::to_string(ranks) + "/" + name + ".npy"), GR_F32),
              1e-5);
  });
}

TEST_F(ShardedRun, AFailingRankIsNamedEveryRankExitsWith1AndNothingIsWritten) {
  SKIP_WITHOUT_MPI();
  // x' = x^2 decays from -1 and blows up from 2 (at t = 0.5, where dopri5 fails): only rank 1
  // holds the 2. The sum after it trades its pieces over ranks: rank 0 waits there and hears
  // of the failure.
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
  EXPECT_EQ(count(r.err, "axis 0 has 4 elements, fewer than the 5 ranks it is sharded over (run on at most 4 ranks, "
                         "or hold it whole with --shard x=none)"),
            1u)
      << r.err;
  EXPECT_NE(r.err.find("short.yaml:4:"), std::string::npos) << r.err;  // at the shard: key
  std::ofstream(at("x.csv")) << "1\n2\n3\n4\n";
  r = run_graphrun_under(mpirun(2), {"run", g, "--input", "x=" + at("x.csv")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count(r.err, "a sharded input is read from a .npy file"), 1u) << r.err;
  EXPECT_NE(r.err.find("hold it whole with --shard x=none"), std::string::npos) << r.err;
  // No input sharded: every rank runs the whole graph, and rank 0 says so once.
  r = run_graphrun_under(mpirun(2), {"run", g, "--input", "x=" + at("x.npy"), "--shard", "x=none"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count(r.err, "no input is sharded, so each of the 2 ranks runs the whole graph"), 1u) << r.err;
  // explain under mpirun shows the plan of its own ranks, not of --ranks.
  r = run_graphrun_under(mpirun(2), {"explain", g, "--ranks", "4", "--input", "x=" + at("x.npy")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count(r.err, "--ranks 4 under mpirun"), 1u) << r.err;
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

// Sample positions that are nowhere evenly spaced (every step differs), so that no rank's
// extended block reads as a uniform grid where the whole row does not.
void write_positions(const std::string& path, int64_t length, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> step(0.5, 1.5);
  std::vector<double> t(static_cast<size_t>(length));
  for (size_t i = 1; i < t.size(); ++i) t[i] = t[i - 1] + step(rng);
  io::write_tensor(path, GR_F64, {length}, t.data());
}

// Derivatives along a sharded last axis: each rank computes its block from the block and
// its neighbours' edges (a halo), with t's block and the same halo; dd the derivative of one.
const char* const kStencilGraph = R"(format: 1
graph: stencils
dtype: f64
inputs:
  x: {shape: [3, -1], shard: 1}
  t: {shape: [-1]}
nodes:
  - {id: c2, op: derivative, in: {x: x}, dx: 0.5}
  - {id: c4, op: derivative, in: {x: x}, dx: 0.5, accuracy: 4}
  - {id: fw, op: derivative, in: {x: x}, dx: 0.5, scheme: forward}
  - {id: bw2, op: derivative, in: {x: x}, scheme: backward, order: 2}
  - {id: e2, op: derivative, in: {x: x}, dx: 0.5, order: 2, edge_order: 2}
  - {id: ct, op: derivative, in: {x: x, t: t}}
  - {id: c4t, op: derivative, in: {x: x, t: t}, accuracy: 4, edge_order: 2}
  - {id: y, op: expr, in: {c: c4t}, expr: "c * 2"}
  - {id: dd, op: derivative, in: {x: c2}, accuracy: 4}
outputs: [c2, c4, fw, bw2, e2, ct, c4t, y, dd]
)";

TEST_F(ShardedRun, DerivativesAlongTheShardedAxisExchangeHalosAndGiveOneProcesssBytes) {
  SKIP_WITHOUT_MPI();
  // 50 = 17+17+16 = 13+13+12+12; 9 = 3+2+2+2: on 4 ranks blocks as short as the halos and
  // end points of c2, c4, fw, ct and c4t allow (e2 and bw2 gather there).
  for (const int64_t length : {50, 9}) {
    SCOPED_TRACE("length " + std::to_string(length));
    write_random(at("x.npy"), GR_F64, {3, length}, 9);
    write_positions(at("t.npy"), length, 10);
    against_one_process({"run", graph("stencils.yaml", kStencilGraph), "--input", "x=" + at("x.npy"), "--input",
                         "t=" + at("t.npy")},
                        {"c2", "c4", "fw", "bw2", "e2", "ct", "c4t", "y", "dd"},
                        [&](int ranks, const std::string& name) { expect_same_bytes(ranks, name); });
  }
  // t held in blocks too: its halo comes from the neighbours as x's does.
  write_random(at("x.npy"), GR_F64, {3, 50}, 9);
  write_positions(at("t.npy"), 50, 10);
  against_one_process({"run", graph("stencils.yaml", kStencilGraph), "--input", "x=" + at("x.npy"), "--input",
                       "t=" + at("t.npy"), "--shard", "t=0"},
                      {"ct", "c4t"}, [&](int ranks, const std::string& name) { expect_same_bytes(ranks, name); }, {2, 3});
}

// Mamba's causal depthwise conv (K 4, silu) and a dense 'same' conv with dilation along a
// sharded L, by the direct paths (the same bytes) and by FFT (f32's tolerance).
const char* const kConvGraph = R"(format: 1
graph: convs
dtype: f32
inputs:
  x: {shape: [2, 3, -1], shard: 2}
  wd: {shape: [3, 1, 4]}
  bd: {shape: [3]}
  w: {shape: [4, 3, 5]}
nodes:
  - {id: causal, op: conv1d, in: {x: x, w: wd, bias: bd}, groups: 3, padding: causal, activation: silu}
  - {id: same, op: conv1d, in: {x: x, w: w}, padding: same, dilation: 2, algorithm: direct}
  - {id: even, op: conv1d, in: {x: x, w: wd}, padding: same, groups: 3}
  - {id: fft, op: conv1d, in: {x: x, w: w}, padding: same, algorithm: fft}
  - {id: next, op: conv1d, in: {x: causal, w: wd}, groups: 3, padding: causal}
outputs: [causal, same, even, fft, next]
)";

TEST_F(ShardedRun, Conv1dAlongTheShardedAxisExchangesHalos) {
  SKIP_WITHOUT_MPI();
  write_random(at("x.npy"), GR_F32, {2, 3, 37}, 11);  // 37 = 19+18 = 13+12+12 = 10+9+9+9
  write_random(at("wd.npy"), GR_F32, {3, 1, 4}, 12);
  write_random(at("bd.npy"), GR_F32, {3}, 13);
  write_random(at("w.npy"), GR_F32, {4, 3, 5}, 14);
  against_one_process({"run", graph("convs.yaml", kConvGraph), "--input", "x=" + at("x.npy"), "--input",
                       "wd=" + at("wd.npy"), "--input", "bd=" + at("bd.npy"), "--input", "w=" + at("w.npy")},
                      {"causal", "same", "even", "fft", "next"}, [&](int ranks, const std::string& name) {
                        if (name != "fft") return expect_same_bytes(ranks, name);
                        const std::string mine = at("ranks" + std::to_string(ranks) + "/" + name + ".npy");
                        EXPECT_LE(relative_difference(at("one/" + name + ".npy"), mine, GR_F32), 1e-5) << name;
                      });
}

// No MPI needed: the plan rank 0 of N would run.
TEST_F(ShardedRun, ExplainShowsTheShardingOfRankZero) {
  write_random(at("x.npy"), GR_F64, {10, 64}, 1);
  write_random(at("t.npy"), GR_F64, {64}, 2);
  write_random(at("w.npy"), GR_F64, {10, 1}, 3);
  const CommandResult r = explain(graph("rows.yaml", kRowsGraph), 4, {"x=x.npy", "t=t.npy", "w=w.npy"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("sharding over 4 ranks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("input x: axis 0 of 10 in blocks of 2..3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("takes its block of 'w' (port w) along axis 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("m (max): max of its block along axis 0, then the max over ranks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("s (sum): all-reduces 'y' (port x) along axis 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("c (integrate): keeps blocks: out axis 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-> out (3, 64)"), std::string::npos) << r.out;  // rank 0's block of x

  write_random(at("a.npy"), GR_F32, {3, 20}, 4);
  write_random(at("b.npy"), GR_F32, {3, 20}, 5);
  const CommandResult scan = explain(graph("scan.yaml", kScanGraph), 2, {"a=a.npy", "b=b.npy"}, {"--shard", "b=1"});
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  EXPECT_EQ(count(scan.out, "a scan over ranks"), 2u) << scan.out;
  write_random(at("x3.npy"), GR_F64, {3, 20}, 17);
  write_random(at("t20.npy"), GR_F64, {20}, 18);
  const CommandResult integ = explain(graph("integ.yaml", kIntegrateGraph), 2, {"x=x3.npy", "t=t20.npy"});
  ASSERT_EQ(integ.exit_code, 0) << integ.err;
  EXPECT_EQ(count(integ.out, "a scan over ranks"), 3u) << integ.out;
  EXPECT_NE(integ.out.find("s (integrate): gathers 'x' (port x) along axis 1"), std::string::npos) << integ.out;
  EXPECT_NE(integ.out.find("takes its block of 't' (port t) along axis 0"), std::string::npos) << integ.out;
  // The Mamba block over its batch: every op keeps its blocks (selective_scan, ssm and the
  // other scans over time keep their batch axis too), nothing is gathered.
  const std::string examples = std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/distributed/";
  const CommandResult mamba = run_graphrun({"explain", examples + "mamba_batch.yaml", "--ranks", "2", "--input",
                                            "x=" + examples + "data/mamba_batch/x.npy"});
  ASSERT_EQ(mamba.exit_code, 0) << mamba.err;
  EXPECT_NE(mamba.out.find("block/scan (selective_scan): keeps blocks: y axis 0, final axis 0"), std::string::npos)
      << mamba.out;
  EXPECT_EQ(mamba.out.find("gathers '"), std::string::npos) << mamba.out;
  const CommandResult whole = explain(graph("scan.yaml", kScanGraph), 2, {"a=a.npy", "b=b.npy"},
                                      {"--shard", "a=none", "--shard", "b=none"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_NE(whole.out.find("sharding over 2 ranks: no input is sharded, so every rank runs the whole graph"),
            std::string::npos)
      << whole.out;
  const CommandResult bad = explain(graph("scan.yaml", kScanGraph), 2, {}, {"--shard", "c=0"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--shard c: the graph has no input 'c'"), std::string::npos) << bad.err;
}

// No MPI needed: sums and means over the sharded axis all-reduce (with the most bytes rank 0
// receives); over an axis that is not the outermost reduced one, or in blocks of one element,
// they gather the input.
const char* const kReductionsGraph = R"(format: 1
graph: reductions
dtype: f64
inputs:
  x: {shape: [20, 6], shard: 0}
  y: {shape: [5, 20], shard: 1}
  z: {shape: [1, 20], shard: 1}
nodes:
  - {id: s, op: sum, in: [x], axis: 0}
  - {id: m, op: mean, in: [x]}
  - {id: top, op: max, in: [x], axis: 0}
  - {id: inner, op: sum, in: [y]}
  - {id: rows, op: mean, in: [y], axis: 1}
  - {id: after_one, op: sum, in: [z]}
outputs: [s, m, top, inner, rows, after_one]
)";

TEST_F(ShardedRun, ExplainShowsSumsOverRanks) {
  const std::string g = graph("reductions.yaml", kReductionsGraph);
  const CommandResult r = explain(g, 3, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 20 elements per output: one leaf, so ranks 1 and 2 send their elements (7 and 6 of
  // each of the 6 f64 outputs: 624 B) and their counts (16 B each): 656 B.
  EXPECT_NE(r.out.find("s (sum): all-reduces 'x' (port x) along axis 0: each rank sums the subtrees of one process's pairwise "
                       "tree inside its block, then one all-gather of those sums and of the leaves across block edges "
                       "(at most 656 B received by this rank; the same bits as one process); output whole on every rank"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("m (mean): all-reduces 'x' (port x) along axis 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("top (max): max of its block along axis 0, then the max over ranks"), std::string::npos) << r.out;
  // y's sharded axis 1 comes after its reduced axis 0 of 5: the ranks' elements are not one
  // range of the reduced index.
  EXPECT_NE(r.out.find("inner (sum): gathers 'y' (port x) along axis 1 ('sum' mixes the elements along axis 1 of 'x'"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("rows (mean): all-reduces 'y' (port x) along axis 1"), std::string::npos) << r.out;
  // A reduced axis of one element before the sharded one changes nothing.
  EXPECT_NE(r.out.find("after_one (sum): all-reduces 'z' (port x) along axis 1"), std::string::npos) << r.out;
  EXPECT_EQ(count(r.out, "all-reduces"), 4u) << r.out;

  // 20 over 12 ranks: blocks of one element; the node gathers.
  const CommandResult small = explain(g, 12, {});
  ASSERT_EQ(small.exit_code, 0) << small.err;
  EXPECT_NE(small.out.find("s (sum): gathers 'x' (port x) along axis 0 ('sum' over ranks needs blocks of at least 2 elements "
                           "along axis 0 of 'x'; the smallest holds 1"),
            std::string::npos)
      << small.out;
  EXPECT_EQ(small.out.find("all-reduces"), std::string::npos) << small.out;
}

// No MPI needed: the halos of rank 0's plan, their bytes, and the gather when a block is
// shorter than the halo.
TEST_F(ShardedRun, ExplainShowsTheHaloExchanges) {
  write_random(at("x.npy"), GR_F64, {3, 50}, 9);
  write_positions(at("t.npy"), 50, 10);
  const CommandResult r = explain(graph("stencils.yaml", kStencilGraph), 3, {"x=x.npy", "t=t.npy"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // accuracy 2: one element each way, 3 rows of f64: 48 bytes.
  EXPECT_NE(r.out.find("c2 (derivative): exchanges a halo of 'x' (port x) along axis 1 with its neighbours: 1 element from "
                       "the previous rank, 1 element from the next (at most 48 B received per rank"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("c4 (derivative): exchanges a halo of 'x' (port x) along axis 1 with its neighbours: 2 elements"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("takes its block of 't' (port t) along axis 0 with a halo of 2|2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("e2 (derivative): exchanges a halo of 'x' (port x) along axis 1 with its neighbours: 1 element"),
            std::string::npos)
      << r.out;
  // One-sided: the halo on one side only.
  EXPECT_NE(r.out.find("fw (derivative): exchanges a halo of 'x' (port x) along axis 1 with its neighbours: 0 elements from "
                       "the previous rank, 1 element from the next"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("bw2 (derivative): exchanges a halo of 'x' (port x) along axis 1 with its neighbours: 2 elements from "
                       "the previous rank, 0 elements from the next"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(count(r.out, "trims its output back to the block"), 8u) << r.out;
  EXPECT_NE(r.out.find("c2@trim@halo(2|2)"), std::string::npos) << r.out;  // dd: c2's block, then its halo
  EXPECT_EQ(r.out.find("): gathers"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x@halo(0|1)"), std::string::npos) << r.out;
  // Rank 0's block (17) and a halo of 1 after it.
  EXPECT_NE(r.out.find("-> out (3, 18)"), std::string::npos) << r.out;

  // 10 samples on 4 ranks: blocks of 2, too short for e2's end formula (4 points) with a
  // halo of 1.
  write_random(at("short.npy"), GR_F64, {3, 10}, 9);
  write_positions(at("tshort.npy"), 10, 10);
  const CommandResult s = explain(graph("stencils.yaml", kStencilGraph), 4, {"x=short.npy", "t=tshort.npy"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.out.find("bw2 (derivative): gathers 'x' (port x) along axis 1 ('derivative' needs blocks of at least 3 "
                       "elements along axis 1 of 'x' (its halo of 2|0 comes from the neighbours' blocks alone, and its "
                       "end formulas need their points on the first and last ranks); the smallest holds 2; 168 B "
                       "received by this rank)"),
            std::string::npos)
      << s.out;
  // One gather of x serves e2 too: its bytes are counted once.
  EXPECT_NE(s.out.find("e2 (derivative): gathers 'x' (port x) along axis 1 ('derivative' needs blocks of at least 3 elements "
                       "along axis 1 of 'x' (its halo of 1|1 comes from the neighbours' blocks alone, and its end "
                       "formulas need their points on the first and last ranks); the smallest holds 2; the gather above "
                       "serves it: nothing more received)"),
            std::string::npos)
      << s.out;
  EXPECT_EQ(count(s.out, ". x@gather "), 1u) << s.out;
  EXPECT_NE(s.out.find("c2 (derivative): exchanges a halo"), std::string::npos) << s.out;

  // t held in blocks: its halo is exchanged as x's is.
  const CommandResult t = explain(graph("stencils.yaml", kStencilGraph), 2, {"x=x.npy", "t=t.npy"}, {"--shard", "t=0"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("exchanges a halo of 't' (port t) along axis 0 with its neighbours: 2 elements"), std::string::npos)
      << t.out;

  write_random(at("cx.npy"), GR_F32, {2, 3, 37}, 11);
  write_random(at("wd.npy"), GR_F32, {3, 1, 4}, 12);
  write_random(at("bd.npy"), GR_F32, {3}, 13);
  write_random(at("w.npy"), GR_F32, {4, 3, 5}, 14);
  const CommandResult c = explain(graph("convs.yaml", kConvGraph), 4, {"x=cx.npy", "wd=wd.npy", "bd=bd.npy", "w=w.npy"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  // Causal K 4: 3 elements from the previous rank of 2x3 f32 rows: 72 bytes.
  EXPECT_NE(c.out.find("causal (conv1d): exchanges a halo of 'x' (port x) along axis 2 with its neighbours: 3 elements from "
                       "the previous rank, 0 elements from the next (at most 72 B received per rank"),
            std::string::npos)
      << c.out;
  // same, K 5 at dilation 2: 4 each way.
  EXPECT_NE(c.out.find("same (conv1d): exchanges a halo of 'x' (port x) along axis 2 with its neighbours: 4 elements from "
                       "the previous rank, 4 elements from the next"),
            std::string::npos)
      << c.out;
  EXPECT_EQ(count(c.out, "runs unpadded where the halo covers its padding"), 5u) << c.out;
  // Rank 0 keeps causal padding on its own block of 10.
  EXPECT_NE(c.out.find("-> out (2, 3, 10)"), std::string::npos) << c.out;

  // 7 samples on 4 ranks: blocks of 1, shorter than the causal halo of 3.
  write_random(at("cshort.npy"), GR_F32, {2, 3, 7}, 11);
  const CommandResult cs = explain(graph("convs.yaml", kConvGraph), 4, {"x=cshort.npy", "wd=wd.npy", "bd=bd.npy", "w=w.npy"});
  ASSERT_EQ(cs.exit_code, 0) << cs.err;
  EXPECT_NE(cs.out.find("causal (conv1d): gathers 'x' (port x) along axis 2 ('conv1d' needs blocks of at least 3 elements along "
                        "axis 2 of 'x' (its halo of 3|0 comes from the neighbours' blocks alone); the smallest holds 1"),
            std::string::npos)
      << cs.out;
}

// --device cuda under mpirun: each rank runs its part on its own GPU (its local rank picks
// it), a scan split over the ranks and the communication steps on the host. Without a GPU
// every rank exits 3 and the reason is said once; --device auto then runs on the CPUs. With
// one, the ranks agree with one process on the same device (rounding: the device sums in
// another order than a rank's blocks combined on the host).
TEST_F(ShardedRun, EachRankRunsOnItsOwnGpuOrSaysOnceThereIsNone) {
  SKIP_WITHOUT_MPI();
  write_random(at("a.npy"), GR_F32, {3, 2 * 8192 + 7}, 4, 0.95, 0.02);
  write_random(at("b.npy"), GR_F32, {3, 2 * 8192 + 7}, 5);
  std::vector<std::string> args = {"run", graph("scan.yaml", kScanGraph), "--input", "a=" + at("a.npy"), "--input",
                                   "b=" + at("b.npy"), "--device", "cuda"};
  const CommandResult alone = run_graphrun(args);
  const bool gpu = alone.exit_code == 0;
  if (!gpu) {
    ASSERT_EQ(alone.exit_code, 3) << alone.err;
    const CommandResult r = run_graphrun_under(mpirun(2), args);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_EQ(count(r.err, "no CUDA device"), 1u) << r.err;
    args.back() = "auto";
  }
  against_one_process(args, {"y", "f"}, [&](int ranks, const std::string& name) {
    EXPECT_LT(relative_difference(at("ranks" + std::to_string(ranks) + "/" + name + ".npy"), at("one/" + name + ".npy"), GR_F32),
              1e-5)
        << name;
  }, {2, 3});
}

TEST_F(ShardedRun, ExplainShowsAScanSplitOverRanksOnTheHostOfAGpuRun) {
  write_random(at("a.npy"), GR_F32, {3, 100}, 4, 0.95, 0.02);
  write_random(at("b.npy"), GR_F32, {3, 100}, 5);
  const CommandResult r = explain(graph("scan.yaml", kScanGraph), 2, {"a=a.npy", "b=b.npy"}, {"--device", "cuda"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" cpu   recurrence"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(a scan split over ranks: its carries go through the host)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace graphrun::testing
