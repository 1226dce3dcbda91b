// derivative's CUDA kernel with the node's epilogue folded in (derivative_cuda_source.h),
// without a GPU:
//  - the generated source compiles with NVRTC for sm_80 and sm_90 without spilling to local
//    memory, for every scheme, order, accuracy and edge order, with a step dx or positions t,
//    in f32 and f64;
//  - host emulation: the same source, compiled as host C++ (tests/cuda/host_shim.h, the system
//    compiler through the engine's native_function) and run thread by thread, gives the CPU
//    op's results with fusion on (derivative+epilogue): bit for bit where the epilogue has
//    exact operations, within 1e-12 (f64) / 1e-5 (f32) of the output's largest magnitude
//    otherwise (CUDA's library functions, here the host's libm, against the CPU's own);
//  - the graphs' derivative nodes get their epilogue, and the op is flagged
//    GR_OP_CUDA_EPILOGUE, so the device executor hands the kernel the epilogue.
#include "cuda/nvrtc_check.h"
#include "cuda/runtime_emulation.h"

#include "backends/cpu/native_compiler.h"
#include "calculus/derivative_cuda_source.h"
#include "calculus/derivative_rule.h"
#include "calculus/spacing.h"
#include "driver/session.h"
#include "ir/node_call.h"
#include "plugin_host/registry.h"
#include "scheduler/executor.h"
#include "support/command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace graphrun::calculus {
namespace {

// The compiled code of this test process (the emulated kernels) goes to a folder of its own.
const auto* const kCacheFolder = ::testing::AddGlobalTestEnvironment(new cuda::testing::OwnKernelCacheFolder);

// ---- The cases ---------------------------------------------------------------------------

/// Epilogues: exact operations only (the CPU's bits), and one with library functions.
constexpr const char* kExactChain = "where(a > 0, a * 0.5, -a) + clip(a, -1, 1) * 3 - sqrt(abs(a)) / 7";
constexpr const char* kLibraryChain = "tanh(a) + exp(-a * a) * 0.25";

struct Case {
  std::string attrs;  // scheme, order, accuracy, edge_order as YAML
  std::string name;
};

/// Every scheme derivative has: central with order 1, 2 x accuracy 2, 4 x edge order 1, 2;
/// forward and backward with order 1, 2.
std::vector<Case> schemes() {
  std::vector<Case> cases;
  for (int order : {1, 2}) {
    const std::string o = std::to_string(order);
    for (int accuracy : {2, 4})
      for (int edge : {1, 2})
        cases.push_back({"scheme: central, order: " + o + ", accuracy: " + std::to_string(accuracy) +
                             ", edge_order: " + std::to_string(edge),
                         "central_o" + o + "_a" + std::to_string(accuracy) + "_e" + std::to_string(edge)});
    cases.push_back({"scheme: forward, order: " + o, "forward_o" + o});
    cases.push_back({"scheme: backward, order: " + o, "backward_o" + o});
  }
  return cases;
}

/// A graph: x (rows, L) [and t (L,)] -> derivative d -> expr e -> neg n, the output. Fusion
/// folds e and n into d's epilogue.
std::string graph_text(const Case& c, const std::string& dtype, bool has_t, const std::string& chain, int64_t rows,
                       int64_t length) {
  const std::string L = std::to_string(length);
  std::string yaml = "format: 1\ngraph: derivative_epilogue\ndtype: " + dtype + "\ninputs: {x: {shape: [" +
                     std::to_string(rows) + ", " + L + "]}" + (has_t ? ", t: {shape: [" + L + "]}" : "") +
                     "}\nnodes:\n";
  yaml += "  - {id: d, op: derivative, in: {x: x" + std::string(has_t ? ", t: t" : "") + "}, " + c.attrs +
          (has_t ? "" : ", dx: 0.3") + "}\n";
  yaml += "  - {id: e, op: expr, in: {a: d}, expr: \"" + chain + "\"}\n";
  yaml += "  - {id: n, op: neg, in: [e]}\noutputs: [n]\n";
  return yaml;
}

/// The graph, loaded and through the passes with fusion on, for inputs of these shapes.
std::unique_ptr<Graph> fused_graph(const std::string& yaml, const std::map<std::string, TensorData>& inputs) {
  static graphrun::testing::TempDir* dir = new graphrun::testing::TempDir;
  static int count = 0;
  const std::string path = dir->path() + "/g" + std::to_string(count++) + ".yaml";
  std::ofstream(path) << yaml;
  auto graph = std::make_unique<Graph>(load_graph(path, {}));
  run_passes(*graph, inputs, true);
  return graph;
}

/// The derivative node of a fused graph, with its epilogue.
struct DerivativeNode {
  std::unique_ptr<NodeCall> call;
  DerivativeScheme scheme;
  bool has_t = false;
  bool exact = false;  // the epilogue has an exact C++ form: every value bit for bit
  std::string source;  // the generated kernel
};

DerivativeNode derivative_node(const Graph& graph) {
  for (const Node& n : graph.nodes) {
    if (n.removed || n.kind != NodeKind::kOp || !n.op || std::string(n.op->desc.name) != "derivative") continue;
    DerivativeNode d;
    d.call = std::make_unique<NodeCall>(graph, n);
    const plugin::Node node(&d.call->node());
    EXPECT_TRUE(node.has_epilogue()) << "fusion folded the chain into the derivative";
    if (!node.has_epilogue()) return d;
    d.scheme = read_derivative_scheme(node);
    d.has_t = node.has_input("t");
    d.exact = host_services().program_cpp(node.epilogue(), nullptr, 0) != 0;
    d.source = derivative_cuda_source(d.scheme, graph.dtype, d.has_t, node.program_cuda(node.epilogue()));
    return d;
  }
  ADD_FAILURE() << "no derivative node";
  return {};
}

/// Deterministic samples, already rounded to the dtype.
template <typename T> std::vector<T> samples(int64_t n, int seed) {
  std::vector<T> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] = static_cast<T>(std::sin(0.37 * static_cast<double>(i) + seed) * 3 +
                                               std::cos(1.7 * static_cast<double>(i * seed)));
  return v;
}

/// Increasing positions: uneven, or equally spaced (the steps exactly equal in T).
template <typename T> std::vector<T> positions(int64_t n, bool even) {
  std::vector<T> t(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double u = static_cast<double>(i);
    t[static_cast<size_t>(i)] = static_cast<T>(even ? -2.0 + 0.25 * u : 0.5 * u + 0.2 * std::sin(1.3 * u) + 0.01 * u * u / (n + 1.0));
  }
  return t;
}

template <typename T> TensorData tensor(const std::vector<T>& values, Shape shape) {
  TensorData t;
  t.dtype = sizeof(T) == 8 ? GR_F64 : GR_F32;
  t.shape = std::move(shape);
  auto* data = new T[values.size()];
  std::copy(values.begin(), values.end(), data);
  t.data = std::shared_ptr<void>(data, [](void* p) { delete[] static_cast<T*>(p); });
  return t;
}

// ---- The flag ------------------------------------------------------------------------------

TEST(DerivativeCudaEpilogue, TheOpAppliesItsEpilogueOnTheDevice) {
  const Graph graph = load_graph(std::string(GRAPHRUN_SOURCE_DIR) + "/tests/cases/calc_fused_f64/graph.yaml", {});
  for (const Node& n : graph.nodes)
    if (n.kind == NodeKind::kOp && std::string(n.op->desc.name) == "derivative") {
      EXPECT_TRUE(n.op->desc.flags & GR_OP_EPILOGUE);
      EXPECT_TRUE(n.op->desc.flags & GR_OP_CUDA_EPILOGUE);
      return;
    }
  ADD_FAILURE() << "no derivative node";
}

// ---- NVRTC ---------------------------------------------------------------------------------

TEST(DerivativeCudaEpilogue, CompilesForSm80AndSm90WithoutSpills) {
  SKIP_WITHOUT_CUDA();
  int compiled = 0, expected = 0;
  for (const std::string dtype : {"f32", "f64"})
    for (bool has_t : {false, true})
      for (const Case& c : schemes()) {
        // The exact chain for every scheme, the library one for two (its registers dominate).
        std::vector<const char*> chains = {kExactChain};
        if (c.name == "central_o1_a2_e1" || c.name == "central_o2_a4_e2") chains.push_back(kLibraryChain);
        for (const char* chain : chains) {
          const std::string what = c.name + "_" + dtype + (has_t ? "_t" : "_dx") + (chain == kLibraryChain ? "_lib" : "");
          SCOPED_TRACE(what);
          const auto graph = fused_graph(graph_text(c, dtype, has_t, chain, 3, 20), {});
          const DerivativeNode d = derivative_node(*graph);
          ASSERT_FALSE(d.source.empty());
          compiled += cuda::testing::compile_and_check(d.source, kDerivativeCudaKernel, what);
          expected += static_cast<int>(std::size(cuda::testing::kArchitectures));
          if (std::getenv("GRAPHRUN_TEST_PRINT_REGISTERS")) {  // ptxas's report, for the record
            const cuda::NamedHeader headers[] = {{expr::kElementwiseMathHeaderName, expr::elementwise_math_header()}};
            for (int arch : cuda::testing::kArchitectures)
              for (const cuda::KernelResources& k : cuda::compile_cuda_source(d.source, what, headers, arch).kernels)
                std::printf("[ registers ] %s sm_%d: %d registers, %lld bytes stack, spills %lld/%lld\n",
                            what.c_str(), arch, k.registers, static_cast<long long>(k.stack_bytes),
                            static_cast<long long>(k.spill_store_bytes), static_cast<long long>(k.spill_load_bytes));
          }
        }
      }
  EXPECT_EQ(compiled, expected);
  EXPECT_EQ(expected, 2 * 2 * (12 + 2) * 2);
}

// ---- Host emulation ------------------------------------------------------------------------

using EmulateFn = void (*)(const void* x, void* y, const void* t, const unsigned* uneven, double dx, long long length,
                           long long numel, unsigned grid, unsigned block);

/// The kernel source as host C++: host_shim.h, the math header in place of its #include, and
/// an entry point that runs the kernel over a grid x block launch.
std::string emulation_source(const std::string& kernel) {
  return cuda::testing::host_emulation_source(kernel) +
         "\nextern \"C\" void graphrun_derivative_emulate(const void* x, void* y, const void* t, const unsigned* uneven,\n"
         "    double dx, long long length, long long numel, unsigned grid, unsigned block) {\n"
         "  graphrun::cuda::testing::host_launch(grid, block, [&] {\n    " +
         std::string(kDerivativeCudaKernel) +
         "(static_cast<const T*>(x), static_cast<T*>(y), static_cast<const T*>(t), uneven, dx, length, numel);\n"
         "  });\n}\n";
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

/// Runs one graph on the CPU (fused) and emulated; compares.
template <typename T>
void check_emulation(const Case& c, bool has_t, bool even, const char* chain, int64_t rows, int64_t length) {
  const std::string dtype = sizeof(T) == 8 ? "f64" : "f32";
  SCOPED_TRACE(c.name + " " + dtype + (has_t ? (even ? " even t" : " uneven t") : " dx") + " " + chain + " (" +
               std::to_string(rows) + ", " + std::to_string(length) + ")");
  const std::vector<T> x = samples<T>(rows * length, static_cast<int>(length));
  const std::vector<T> t = positions<T>(length, even);
  std::map<std::string, TensorData> inputs = {{"x", tensor(x, {rows, length})}};
  if (has_t) inputs["t"] = tensor(t, {length});
  const auto graph = fused_graph(graph_text(c, dtype, has_t, chain, rows, length), inputs);
  const DerivativeNode d = derivative_node(*graph);
  ASSERT_FALSE(d.source.empty());
  if (std::string(chain) == kExactChain) {
    EXPECT_TRUE(d.exact) << "the chain was meant to be exact";
  }
  Executor executor(*graph, 2);
  const RunResult r = executor.run(inputs);
  ASSERT_EQ(r.outputs.size(), 1u);
  const T* cpu = static_cast<const T*>(r.outputs[0].data.get());
  void* fn = nullptr;
  try {
    fn = cpu::native_function(emulation_source(d.source), "graphrun_derivative_emulate");
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  const unsigned uneven = has_t && !uniformly_spaced(t.data(), length) ? 1u : 0u;
  EXPECT_EQ(uneven, has_t && !even ? 1u : 0u);
  const int64_t n = rows * length;
  double scale = 0;
  for (int64_t i = 0; i < n; ++i) scale = std::max(scale, std::fabs(static_cast<double>(cpu[i])));
  const double tolerance = sizeof(T) == 8 ? 1e-12 : 1e-5;
  // One thread per element, and a grid much smaller than the elements (grid-stride).
  const unsigned one_each = static_cast<unsigned>((n + kDerivativeCudaBlock - 1) / kDerivativeCudaBlock);
  for (auto [grid, block] : {std::pair<unsigned, unsigned>{one_each, kDerivativeCudaBlock}, {2u, 32u}}) {
    SCOPED_TRACE("grid " + std::to_string(grid) + " block " + std::to_string(block));
    std::vector<T> y(static_cast<size_t>(n), T(-12345.25));
    reinterpret_cast<EmulateFn>(fn)(x.data(), y.data(), has_t ? t.data() : nullptr, &uneven, 0.3, length, n, grid,
                                    block);
    size_t differing = 0;
    double worst = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double a = y[static_cast<size_t>(i)], b = cpu[i];
      if (d.exact) {
        if (!same_bits(a, b) && differing++ < 5) ADD_FAILURE() << "value " << i << ": " << a << " vs the CPU's " << b;
      } else {
        worst = std::max(worst, std::fabs(a - b) / std::max(scale, 1e-300));
      }
    }
    EXPECT_EQ(differing, 0u) << "values differing from the CPU's bits";
    EXPECT_LE(worst, tolerance);
  }
}

template <typename T> void check_every_scheme() {
  for (const Case& c : schemes()) {
    check_emulation<T>(c, false, false, kExactChain, 3, 37);
    check_emulation<T>(c, true, false, kExactChain, 3, 37);
    check_emulation<T>(c, true, true, kExactChain, 3, 37);
  }
  // Rows as short as a scheme allows, rows crossing many blocks, and the library functions.
  const Case central{"scheme: central, order: 2, accuracy: 4, edge_order: 2", "central_o2_a4_e2"};
  check_emulation<T>(central, true, false, kExactChain, 7, 5);
  check_emulation<T>(central, false, false, kExactChain, 2, 700);
  for (bool has_t : {false, true}) {
    check_emulation<T>(central, has_t, false, kLibraryChain, 3, 37);
    check_emulation<T>(schemes()[0], has_t, false, kLibraryChain, 3, 37);
  }
}

TEST(DerivativeCudaEpilogue, EmulatedKernelGivesTheCpuOpsFusedResultsF64) { check_every_scheme<double>(); }
TEST(DerivativeCudaEpilogue, EmulatedKernelGivesTheCpuOpsFusedResultsF32) { check_every_scheme<float>(); }

}  // namespace
}  // namespace graphrun::calculus
