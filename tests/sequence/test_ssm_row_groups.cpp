// ssm's recurrent mode steps rows whose state fits one or two vectors in interleaved groups
// of up to four (plugins/sequence/ssm_recurrent-inl.h). A row's bits must not depend on the
// rows stepped with it: each row of a (3, 5, L) problem, 15 rows in groups of 4, 4, 4, 3
// (or 2 per group), against the same row run alone, to the bit, for state counts of one
// vector, two vectors and more (the ungrouped path) in both dtypes.
#include "support/command.h"
#include "support/compare.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace graphrun::testing {
namespace {

struct Row {
  int batch, channel;
};
const Row kRows[] = {{0, 0}, {0, 3}, {1, 2}, {2, 2}, {2, 4}};

std::string graph_nodes(int states) {
  const std::string n = std::to_string(states);
  std::string nodes =
      "  - {id: u, op: random, shape: [3, 5, 700], seed: 31, low: -1, high: 1}\n"
      "  - {id: A, op: random, shape: [5, " + n + "], seed: 32, low: -3, high: -0.05}\n"
      "  - {id: B, op: random, shape: [5, " + n + "], seed: 33, low: -1, high: 1}\n"
      "  - {id: C, op: random, shape: [5, " + n + "], seed: 34, low: -1, high: 1}\n"
      "  - {id: all, op: ssm, in: {u: u, A: A, B: B, C: C}, dt: 0.1, mode: recurrent}\n";
  for (const Row& r : kRows) {
    const std::string b = std::to_string(r.batch), d = std::to_string(r.channel), id = "_" + b + "_" + d;
    const std::string channel = "axis: 0, start: " + d + ", stop: " + std::to_string(r.channel + 1) + "}\n";
    nodes += "  - {id: ub" + id + ", op: slice, in: [u], axis: 0, start: " + b + ", stop: " +
             std::to_string(r.batch + 1) + "}\n";
    nodes += "  - {id: u" + id + ", op: slice, in: [ub" + id + "], axis: 1, start: " + d + ", stop: " +
             std::to_string(r.channel + 1) + "}\n";
    for (const char* m : {"A", "B", "C"})
      nodes += std::string("  - {id: ") + m + id + ", op: slice, in: [" + m + "], " + channel;
    nodes += "  - {id: alone" + id + ", op: ssm, in: {u: u" + id + ", A: A" + id + ", B: B" + id + ", C: C" + id +
             "}, dt: 0.1, mode: recurrent}\n";
    nodes += "  - {id: yb" + id + ", op: slice, in: [\"all:y\"], axis: 0, start: " + b + ", stop: " +
             std::to_string(r.batch + 1) + "}\n";
    nodes += "  - {id: y" + id + ", op: slice, in: [yb" + id + "], axis: 1, start: " + d + ", stop: " +
             std::to_string(r.channel + 1) + "}\n";
  }
  return nodes;
}

TEST(SsmRowGroups, EachRowGetsTheBitsItGetsAlone) {
  TempDir dir;
  for (int states : {8, 16, 24, 40})
    for (const char* dtype : {"f32", "f64"}) {
      std::vector<std::string> outputs;
      for (const Row& r : kRows) {
        const std::string id = "_" + std::to_string(r.batch) + "_" + std::to_string(r.channel);
        outputs.push_back("y" + id);
        outputs.push_back("alone" + id + ":y");
      }
      const std::string name = "rows_" + std::to_string(states) + "_" + dtype;
      const std::string graph = write_graph(dir.path(), name, dtype, graph_nodes(states), outputs);
      const std::string out = dir.path() + "/" + name;
      const CommandResult r = run_graphrun({"run", graph, "-o", out, "--quiet"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const gr_dtype dt = std::string(dtype) == "f64" ? GR_F64 : GR_F32;
      for (size_t k = 0; k < outputs.size(); k += 2) {
        const io::HostArray grouped = io::read_tensor(out + "/" + output_file(outputs[k]), dt);
        const io::HostArray alone = io::read_tensor(out + "/" + output_file(outputs[k + 1]), dt);
        EXPECT_TRUE(tensors_identical(grouped, alone)) << dtype << ", " << states << " states, " << outputs[k];
      }
    }
}

}  // namespace
}  // namespace graphrun::testing
