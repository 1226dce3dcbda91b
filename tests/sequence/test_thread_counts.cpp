// SPEC §3: the same graph gives bit-identical outputs for any --threads. The graph-case
// harness compares the default with one thread; these graphs are large enough for every
// parallel split of the sequence ops (many scan chunks on one row, several channel groups,
// FFT rows, rnn batch groups) and run with 1, 2, 3 and 8 threads.
#include "support/command.h"
#include "support/compare.h"

#include <gtest/gtest.h>

#include <ostream>

namespace graphrun::testing {
namespace {

struct ThreadCase {
  const char* name;
  const char* nodes;
  std::vector<std::string> outputs;  // references; the file of "n:p" is n_p.npy
};

// gtest prints a parameter through this (instead of its bytes).
void PrintTo(const ThreadCase& c, std::ostream* os) { *os << c.name; }

const ThreadCase kCases[] = {
    {"recurrence_one_long_row",
     "  - {id: b, op: random, shape: [100000], seed: 1, low: -1, high: 1}\n"
     "  - {id: a, op: random, shape: [100000], seed: 2, low: 0.9, high: 1}\n"
     "  - {id: h, op: recurrence, in: [a, b]}\n"
     "  - {id: f, op: recurrence, in: [a, b], save: final}\n",
     {"h", "f"}},
    {"recurrence_rows",
     "  - {id: b, op: random, shape: [7, 3, 20000], seed: 3, low: -1, high: 1}\n"
     "  - {id: a, op: random, shape: [3, 1], seed: 4, low: 0.9, high: 1}\n"
     "  - {id: h, op: recurrence, in: [a, b]}\n",
     {"h"}},
    {"selective_scan",
     "  - {id: u, op: random, shape: [2, 40, 700], seed: 5, low: -1, high: 1}\n"
     "  - {id: A, op: random, shape: [40, 16], seed: 6, low: -4, high: -0.1}\n"
     "  - {id: Bm, op: random, shape: [2, 16, 700], seed: 7, low: -1, high: 1}\n"
     "  - {id: s, op: selective_scan, in: {u: u, delta: u, A: A, Bm: Bm, Cm: Bm, z: u}, delta_softplus: true}\n",
     {"s:y", "s:final"}},
    {"selective_scan_odd_channels",  // a group of 16 channels and an odd rest of 7, 24 states
     "  - {id: u, op: random, shape: [3, 23, 400], seed: 20, low: -1, high: 1}\n"
     "  - {id: A, op: random, shape: [23, 24], seed: 21, low: -4, high: -0.1}\n"
     "  - {id: Bm, op: random, shape: [3, 24, 400], seed: 22, low: -1, high: 1}\n"
     "  - {id: skip, op: random, shape: [23], seed: 23, low: -1, high: 1}\n"
     "  - {id: s, op: selective_scan, in: {u: u, delta: u, A: A, Bm: Bm, Cm: Bm, Dskip: skip, z: u}, "
     "delta_softplus: true}\n",
     {"s:y", "s:final"}},
    {"ssm_both_modes",
     "  - {id: u, op: random, shape: [3, 8, 3000], seed: 8, low: -1, high: 1}\n"
     "  - {id: A, op: random, shape: [8, 16], seed: 9, low: -1, high: -0.01}\n"
     "  - {id: rec, op: ssm, in: {u: u, A: A, B: A, C: A}, dt: 0.1, mode: recurrent}\n"
     "  - {id: conv, op: ssm, in: {u: u, A: A, B: A, C: A}, dt: 0.1, mode: convolution}\n",
     {"rec:y", "rec:final", "conv:y", "conv:final"}},
    {"rnn",
     "  - {id: x, op: random, shape: [11, 16, 600], seed: 10, low: -1, high: 1}\n"
     "  - {id: W_hh, op: random, shape: [48, 48], seed: 11, low: -0.1, high: 0.1}\n"
     "  - {id: W_xh, op: random, shape: [48, 16], seed: 12, low: -0.2, high: 0.2}\n"
     "  - {id: r, op: rnn, in: [x, W_hh, W_xh]}\n",
     {"r:out", "r:final"}},
};

class ThreadCount : public ::testing::TestWithParam<ThreadCase> {};

TEST_P(ThreadCount, OutputsAreBitIdentical) {
  const ThreadCase& c = GetParam();
  TempDir dir;
  for (const char* dtype : {"f32", "f64"}) {
    const std::string graph = write_graph(dir.path(), c.name, dtype, c.nodes, c.outputs);
    std::vector<io::HostArray> first;
    for (const char* threads : {"1", "2", "3", "8"}) {
      const std::string out = dir.path() + "/" + dtype + "_" + threads;
      CommandResult r = run_graphrun({"run", graph, "-o", out, "--quiet", "--threads", threads});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      for (size_t k = 0; k < c.outputs.size(); ++k) {
        io::HostArray got = io::read_tensor(out + "/" + output_file(c.outputs[k]),
                                            std::string(dtype) == "f64" ? GR_F64 : GR_F32);
        if (first.size() <= k)
          first.push_back(got);
        else
          EXPECT_TRUE(tensors_identical(got, first[k])) << dtype << " --threads " << threads << ", " << c.outputs[k];
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sequence, ThreadCount, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ThreadCase>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace graphrun::testing
