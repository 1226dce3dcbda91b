// `graphrun explain --device cuda` on the example graphs and on a graph with a host op
// between device steps: a placement line per step, every transfer with its size, the peaks,
// exit 0 without a device; `--device cpu` is explain as it was; `run --device cuda` exits 3.
#include "support/command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The lines of a section of explain: those after `header` that start with two spaces.
std::vector<std::string> section(const std::string& text, const std::string& header) {
  std::vector<std::string> out;
  bool in = false;
  for (const auto& line : lines_of(text)) {
    if (line.rfind(header, 0) == 0) {
      in = true;
      continue;
    }
    if (in && line.rfind("  ", 0) != 0) break;
    if (in) out.push_back(line);
  }
  return out;
}

TEST(ExplainDevice, ExampleGraphsShowPlacementAndEveryOutputCopiedOutWithItsSize) {
  int graphs = 0;
  for (const auto& entry : fs::directory_iterator(std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/examples")) {
    if (entry.path().extension() != ".yaml") continue;
    ++graphs;
    const std::string path = entry.path().string();
    CommandResult r = run_graphrun({"explain", "--device", "cuda", path});
    ASSERT_EQ(r.exit_code, 0) << path << "\n" << r.err;
    EXPECT_TRUE(r.out.find("placement on cuda: no CUDA device here: ") != std::string::npos ||
                r.out.find("placement on cuda: NVIDIA") != std::string::npos)
        << r.out;
    // One placement line per step of the order.
    const std::vector<std::string> order = section(r.out, "order:");
    std::vector<std::string> steps;
    for (const auto& line : order)
      if (line.find(" input ") == std::string::npos) steps.push_back(line);
    std::map<std::string, std::string> device_of;  // node id -> cuda | cpu
    const std::regex placed(R"(^\s+\d+\. (\S+)\s+(cuda|cpu)\s+\S+)");
    std::smatch m;
    for (const auto& line : section(r.out, "placement on cuda"))
      if (std::regex_search(line, m, placed)) device_of[m[1]] = m[2];
    EXPECT_EQ(device_of.size(), steps.size()) << r.out;
    // Each output made on the device is copied out once, with its bytes: numel x dtype size.
    const size_t element = r.out.find("(f64)") != std::string::npos ? 8 : 4;
    const std::vector<std::string> copies = section(r.out, "transfers:");
    const std::regex output(R"(^\s+\S+ <- (\S+):\S+ \(([\d, ]*)\))");
    for (const auto& line : section(r.out, "outputs:")) {
      ASSERT_TRUE(std::regex_search(line, m, output)) << line;
      const std::string node = m[1];
      size_t numel = 1;
      std::stringstream dims(m[2]);
      for (std::string d; std::getline(dims, d, ',');) numel *= std::stoul(d);
      if (device_of[node] != "cuda") continue;
      const std::string size = "(" + std::to_string(numel * element) + " bytes)";
      int found = 0;
      for (const auto& copy : copies)
        if (copy.find("to host  " + node + " ") != std::string::npos && copy.find(size) != std::string::npos) ++found;
      EXPECT_EQ(found, 1) << path << ": output node " << node << " of " << size << "\n" << r.out;
    }
    EXPECT_NE(r.out.find("memory: device peak "), std::string::npos) << r.out;
  }
  EXPECT_GE(graphs, 4);
}

TEST(ExplainDevice, HostOpBetweenDeviceStepsIsShownWithItsTransfers) {
  TempDir dir;
  const std::string path = dir.path() + "/middle.yaml";
  std::ofstream(path) << "format: 1\ngraph: middle\ndtype: f64\ninputs: {x: {shape: [8, 1000]}}\nnodes:\n"
                         "  - {id: a, op: square, in: [x]}\n  - {id: d, op: derivative, in: [a]}\n"
                         "  - {id: e, op: neg, in: [d]}\noutputs: [e]\n";
  CommandResult r = run_graphrun({"explain", "--device", "cuda", "--no-fuse", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> steps = section(r.out, "placement on cuda");
  ASSERT_EQ(steps.size(), 3u) << r.out;
  EXPECT_NE(steps[0].find("a                cuda  square"), std::string::npos) << r.out;
  EXPECT_NE(steps[1].find("d                cpu   derivative  (no CUDA kernel: runs on the host)"), std::string::npos)
      << r.out;
  EXPECT_NE(steps[2].find("e                cuda  neg"), std::string::npos) << r.out;
  const std::vector<std::string> copies = section(r.out, "transfers:");
  const std::vector<std::string> expected = {
      "to cuda  x                62.5 KiB (64000 bytes)  before   1. a",
      "to host  a                62.5 KiB (64000 bytes)  after    1. a",
      "to cuda  d                62.5 KiB (64000 bytes)  before   3. e",
      "to host  e                62.5 KiB (64000 bytes)  after    3. e",
  };
  ASSERT_GE(copies.size(), expected.size()) << r.out;
  for (size_t k = 0; k < expected.size(); ++k) EXPECT_EQ(copies[k], "  " + expected[k]) << r.out;
  EXPECT_NE(r.out.find("total: 125.0 KiB (128000 bytes) to the device, 125.0 KiB (128000 bytes) to the host"),
            std::string::npos)
      << r.out;
}

TEST(ExplainDevice, UnknownSizesAreSaidSo) {
  TempDir dir;
  const std::string path = dir.path() + "/open.yaml";
  std::ofstream(path) << "format: 1\ngraph: open\ndtype: f32\ninputs: {x: {shape: [-1]}}\nnodes:\n"
                         "  - {id: a, op: neg, in: [x]}\noutputs: [a]\n";
  CommandResult r = run_graphrun({"explain", "--device", "cuda", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("to cuda  x                ? bytes"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("device peak"), std::string::npos) << r.out;
  // The kernel's shapes are baked into its source: it waits for the input's size.
  EXPECT_NE(r.out.find("kernel of a:\n// generated once the inputs' sizes are known"), std::string::npos) << r.out;
}

TEST(ExplainDevice, PrintsTheKernelOfEachElementwiseStepOnTheDevice) {
  TempDir dir;
  const std::string path = dir.path() + "/chain.yaml";
  std::ofstream(path) << "format: 1\ngraph: chain\ndtype: f64\ninputs: {x: {shape: [3, 5]}}\nnodes:\n"
                         "  - {id: a, op: exp, in: [x]}\n  - {id: b, op: mul, in: [a, x]}\n"
                         "  - {id: s, op: sum, in: [b], axis: 0}\n  - {id: t, op: tanh, in: [s]}\noutputs: [t]\n";
  CommandResult r = run_graphrun({"explain", "--device", "cuda", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The fused exp·x group and the lone tanh each get their kernel, in f64, with their shapes.
  size_t kernels = 0;
  for (size_t at = r.out.find("\nkernel of "); at != std::string::npos; at = r.out.find("\nkernel of ", at + 1)) ++kernels;
  EXPECT_EQ(kernels, 2u) << r.out;
  EXPECT_NE(r.out.find("ew::exp("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ew::tanh("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("15 elements"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("5 elements"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("const double* in0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kernel of t:"), std::string::npos) << r.out;
}

TEST(ExplainDevice, CpuIsExplainAsItWas) {
  const std::string path = std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/examples/mlp_layer.yaml";
  CommandResult plain = run_graphrun({"explain", path});
  CommandResult cpu = run_graphrun({"explain", "--device", "cpu", path});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  EXPECT_EQ(plain.out, cpu.out);
  EXPECT_EQ(plain.out.find("placement"), std::string::npos) << plain.out;
  CommandResult bad = run_graphrun({"explain", "--device", "tpu", path});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
}

TEST(ExplainDevice, RunOnCudaWithoutADeviceExitsThree) {
  CommandResult probe = run_graphrun({"explain", "--device", "cuda",
                                      std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/examples/waves.yaml"});
  if (probe.out.find("no CUDA device here") == std::string::npos) GTEST_SKIP() << "a CUDA device is present";
  CommandResult r = run_graphrun({"run", "--device", "cuda", std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/examples/waves.yaml"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("no CUDA device"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace graphrun::testing
