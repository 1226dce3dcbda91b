// The CUDA kernel of `ode` (plugins/calculus/ode.cu, native_stepper.h: ode_cuda_source)
// without a GPU:
//  - every generated kernel of the graphs using ode (graphs/**, tests/cases/calc_ode_*, and the
//    cases below) compiles with NVRTC for sm_80 and sm_90 without spilling to local memory;
//  - host emulation: the generated source, compiled as host C++ (tests/cuda/host_shim.h, the
//    system compiler through the engine's native_function) and run thread by thread, gives the
//    CPU op's results: bit for bit where the rhs has an exact form (the CPU then runs its
//    native step, whose statements the kernel shares), within SPEC's tolerance otherwise (a
//    transcendental function: CUDA's library, here the host's libm, against the CPU's own
//    polynomials); every method, f32 and f64, final and trajectory, broadcast coefficients,
//    signals, fma, several tiles, launches smaller than the element count (grid-stride), and
//    dopri5's failure report, which must name the element and give the CPU's message.
#include "cuda/nvrtc_check.h"
#include "cuda/runtime_emulation.h"

#include "backends/cpu/native_compiler.h"
#include "calculus/dopri5.h"
#include "calculus/native_stepper.h"
#include "calculus/ode_spec.h"
#include "calculus/rhs_evaluator.h"
#include "driver/session.h"
#include "ir/node_call.h"
#include "scheduler/executor.h"
#include "support/command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace graphrun::calculus {
namespace {

namespace fs = std::filesystem;

// The compiled code of this test process (CPU native steps and the emulated kernels) goes to
// a folder of its own.
const auto* const kCacheFolder = ::testing::AddGlobalTestEnvironment(new cuda::testing::OwnKernelCacheFolder);

// ---- The graphs ------------------------------------------------------------------------

/// 2500 elements on a (50, 50) grid (three f64 tiles of 1024, two f32 tiles of 2048): states
/// x and v, a per-element coefficient w0, a broadcast one w (50, 1), a scalar g, a param c,
/// a per-element signal u and a shared signal s, through every operation with an exact
/// form (comparisons, where, clip, sqrt, rounding).
std::string method_graph(const std::string& dtype, const std::string& method, const std::string& save, bool fma) {
  return "format: 1\ngraph: ode_cuda\ndtype: " + dtype +
         "\nparams: {c: 0.3}\nnodes:\n"
         "  - {id: x0, op: random, shape: [50, 50], seed: 1, low: -1, high: 1}\n"
         "  - {id: v0, op: random, shape: [50, 50], seed: 2, low: -1, high: 1}\n"
         "  - {id: w0, op: random, shape: [50, 50], seed: 3, low: 0.5, high: 3}\n"
         "  - {id: w, op: random, shape: [50, 1], seed: 4, low: 0.5, high: 1.5}\n"
         "  - {id: g, op: constant, value: 0.75}\n"
         "  - {id: u, op: random, shape: [50, 50, 14], seed: 5, low: -0.1, high: 0.1}\n"
         "  - {id: s, op: random, shape: [12], seed: 6, low: -0.2, high: 0.2}\n"
         "  - {id: y, op: ode, in: {x: x0, v: v0, w0: w0, w: w, g: g, u: u, s: s}, signals: [u, s], method: " +
         method + ", dt: 0.05, steps: 12, t0: 0.25, rtol: 1e-3, atol: 1e-3, fma: " + (fma ? "true" : "false") +
         ", save: " + save +
         ",\n     rhs: {x: \"v + where(x > 0.5, -g * x, sqrt(abs(x))) - clip(v, -1, 1) / 4 + s\",\n"
         "           v: \"-w0 * w * x - c * v + 0.25 * t + u + floor(2 * x) - ceil(v) + round(3 * v) - "
         "sign(x) * (v != 0) + maximum(x, v) * minimum(x, 0.5) + square(x) * (t >= 0.3)\"}}\n"
         "outputs: {x: \"y:x\"}\n";
}

/// dopri5 backwards in time (dt < 0), one state of shape (3, 4) from a (4,) initial value.
std::string backward_graph(const std::string& dtype) {
  return "format: 1\ngraph: ode_cuda_backward\ndtype: " + dtype +
         "\nnodes:\n"
         "  - {id: x0, op: random, shape: [4], seed: 7, low: 0.5, high: 1.5}\n"
         "  - {id: k, op: random, shape: [3, 1], seed: 8, low: 0.5, high: 2}\n"
         "  - {id: y, op: ode, in: {x: x0, k: k}, rhs: {x: \"-k * x + 0.1 * t\"}, method: dopri5, dt: -0.1, "
         "steps: 7, t0: 1, rtol: 1e-8, atol: 1e-9, save: trajectory}\n"
         "outputs: [y]\n";
}

/// x' = x^2 from x0 is 1/(1/x0 - t), infinite at t = 1/x0: the elements 1800, 1900 fail in
/// [0.5, 1], 1500 in [1, 1.5], 2100 and 2900 in a later f64 tile (test_ode_native's case).
std::string failing_graph(const std::string& dtype) {
  std::string values = "[";
  for (int i = 0; i < 3000; ++i) {
    const char* v = i == 1500 ? "0.7" : (i == 1800 || i == 1900 || i == 2100 || i == 2900) ? "1.2" : "0.1";
    values += std::string(i ? ", " : "") + v;
  }
  return "format: 1\ngraph: failing\ndtype: " + dtype + "\nnodes:\n  - {id: x0, op: constant, value: " + values +
         "]}\n  - {id: y, op: ode, in: {x: x0}, rhs: {x: \"x * x\"}, method: dopri5, dt: 0.5, steps: 8}\n"
         "outputs: [y]\n";
}

struct GraphFile {
  std::string name, path;
  bool exact = false;  // written here with exact operations only: every value bit for bit
};

/// The repository's graphs that use ode (and read no graph inputs), and the ode test cases.
std::vector<GraphFile> repository_graphs() {
  std::vector<GraphFile> files;
  const fs::path root(GRAPHRUN_SOURCE_DIR);
  for (const auto& e : fs::recursive_directory_iterator(root / "graphs")) {
    if (e.path().extension() != ".yaml" || e.path().string().find("/invalid/") != std::string::npos) continue;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    // (Graphs with inputs of their own, given at run time, have no shapes to generate for.)
    if (text.str().find("op: ode") != std::string::npos && text.str().find("\ninputs:") == std::string::npos)
      files.push_back({fs::relative(e.path(), root).string(), e.path().string()});
  }
  for (const auto& e : fs::directory_iterator(root / "tests" / "cases"))
    if (e.path().filename().string().rfind("calc_ode_", 0) == 0)
      files.push_back({e.path().filename().string(), (e.path() / "graph.yaml").string()});
  std::sort(files.begin(), files.end(), [](const GraphFile& a, const GraphFile& b) { return a.name < b.name; });
  return files;
}

/// The cases written here, as files in a folder that lives for the test process.
std::vector<GraphFile> written_graphs() {
  static graphrun::testing::TempDir* dir = new graphrun::testing::TempDir;
  std::vector<GraphFile> files;
  auto add = [&](const std::string& name, const std::string& yaml) {
    const std::string path = dir->path() + "/" + name + ".yaml";
    std::ofstream(path) << yaml;
    files.push_back({name, path, true});
  };
  for (const std::string dtype : {"f64", "f32"}) {
    for (const std::string method : {"euler", "heun", "rk4", "ab2", "ab3", "ab4", "dopri5"})
      for (const std::string save : {"final", "trajectory"})
        add(method + "_" + save + "_" + dtype, method_graph(dtype, method, save, false));
    for (const std::string method : {"heun", "rk4", "ab3", "dopri5"})
      add(method + "_fma_" + dtype, method_graph(dtype, method, "final", true));
    add("dopri5_backward_" + dtype, backward_graph(dtype));
    add("dopri5_failing_" + dtype, failing_graph(dtype));
  }
  return files;
}

// ---- One ode node: its spec, rhs and kernel source -------------------------------------

struct OdeNode {
  int index = -1;  // in the graph
  std::unique_ptr<NodeCall> call;
  OdeSpec spec;
  gr_program* program = nullptr;
  bool exact = false;  // the rhs has an exact C++ form: the CPU runs its native step
  std::string source;
  std::vector<std::vector<int64_t>> shapes;
  ~OdeNode() {
    if (program) host_services().program_free(program);
  }
};

/// Every ode node of a graph (after the passes), with its kernel's source.
std::vector<std::unique_ptr<OdeNode>> ode_nodes(const Graph& graph) {
  std::vector<std::unique_ptr<OdeNode>> nodes;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    if (n.removed || n.kind != NodeKind::kOp || !n.op || std::string(n.op->desc.name) != "ode") continue;
    auto o = std::make_unique<OdeNode>();
    o->index = static_cast<int>(i);
    o->call = std::make_unique<NodeCall>(graph, n);
    const plugin::Node node(&o->call->node());
    o->spec = read_ode_spec(node);
    o->program = compile_rhs(node, o->spec);
    o->exact = host_services().program_cpp(o->program, nullptr, 0) != 0;
    for (int k = 0; k < node.num_inputs(); ++k) {
      const auto shape = node.input(k).shape();
      o->shapes.emplace_back(shape.begin(), shape.end());
    }
    o->source = ode_cuda_source(o->spec, graph.dtype, node.program_cuda(o->program), o->shapes,
                                single_value_ports(node, o->spec));
    nodes.push_back(std::move(o));
  }
  return nodes;
}

std::unique_ptr<Graph> load(const GraphFile& file, bool with_ode_values) {
  auto graph = std::make_unique<Graph>(load_graph(file.path, {}));
  if (with_ode_values) {
    // Every ode node's inputs and outputs become outputs of the graph: the emulation reads
    // the inputs, and the outputs are the op's own (no epilogue fused into it).
    // (The passes resolve an output's port from its name.)
    struct Extra {
      std::string name;
      ValueRef ref;
      std::string port;
    };
    std::vector<Extra> extra;
    for (size_t i = 0; i < graph->nodes.size(); ++i) {
      const Node& n = graph->nodes[i];
      if (n.kind != NodeKind::kOp || !n.op || std::string(n.op->desc.name) != "ode") continue;
      for (size_t k = 0; k < n.inputs.size(); ++k)
        extra.push_back({n.id + "$in" + std::to_string(k), n.inputs[k], n.input_ref_ports[k]});
      for (size_t k = 0; k < n.output_names.size(); ++k)
        extra.push_back({n.id + "$out" + std::to_string(k), ValueRef{static_cast<int>(i), static_cast<int>(k)},
                         n.output_names[k]});
    }
    for (const auto& e : extra) {
      graph->outputs.push_back({e.name, e.ref});
      graph->output_ref_ports.push_back(e.port);
      graph->output_locs.push_back(graph->output_locs.empty() ? SourceLoc{} : graph->output_locs.back());
    }
  }
  run_passes(*graph, {}, true);
  return graph;
}

std::vector<GraphFile> all_graphs() {
  std::vector<GraphFile> files = repository_graphs();
  for (const GraphFile& f : written_graphs()) files.push_back(f);
  return files;
}

std::string test_name(const ::testing::TestParamInfo<GraphFile>& info) {
  std::string name = info.param.name;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

// ---- NVRTC -----------------------------------------------------------------------------

class OdeKernelNvrtc : public ::testing::TestWithParam<GraphFile> {};

TEST_P(OdeKernelNvrtc, CompilesForSm80AndSm90WithoutSpills) {
  SKIP_WITHOUT_CUDA();
  const auto graph = load(GetParam(), false);
  const auto nodes = ode_nodes(*graph);
  ASSERT_FALSE(nodes.empty());
  const cuda::NamedHeader headers[] = {{expr::kElementwiseMathHeaderName, expr::elementwise_math_header()}};
  for (const auto& o : nodes) {
    const std::string what = GetParam().name + ":" + graph->nodes[o->index].id;
    for (int arch : cuda::testing::kArchitectures) {
      SCOPED_TRACE(what + " for sm_" + std::to_string(arch));
      cuda::CompiledModule module;
      try {
        module = cuda::compile_cuda_source(o->source, what, headers, arch);
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what() << "\n" << o->source;
        continue;
      }
      EXPECT_FALSE(module.cubin.empty());
      EXPECT_EQ(module.kernels.size(), o->spec.method == OdeMethod::kDopri5 ? 3u : 1u) << module.log;
      for (const cuda::KernelResources& k : module.kernels) {
        EXPECT_GT(k.registers, 0) << module.log;
        EXPECT_EQ(k.spill_store_bytes, 0) << k.name << "\n" << module.log;
        EXPECT_EQ(k.spill_load_bytes, 0) << k.name << "\n" << module.log;
        if (k.name == kOdeCudaKernel)
          std::printf("[ registers ] %s sm_%d %s: %d registers, %lld bytes stack\n", what.c_str(), arch,
                      k.name.c_str(), k.registers, static_cast<long long>(k.stack_bytes));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Graphs, OdeKernelNvrtc, ::testing::ValuesIn(all_graphs()), test_name);

// ---- Host emulation ---------------------------------------------------------------------

using EmulateFn = void (*)(int which, const void* args, unsigned grid, unsigned block);
using ArgsSizeFn = size_t (*)();

/// The kernel source as host C++: host_shim.h (atomicMin as one thread sees it), the math
/// header in place of its #include, and an entry point that runs kernel `which` (0 the
/// integration, 1 the scratch's initialisation, 2 the report) over a grid x block launch.
std::string emulation_source(const OdeNode& o) {
  const bool dopri5 = o.spec.method == OdeMethod::kDopri5;
  std::string entry = "\nextern \"C\" size_t graphrun_ode_args_size() { return sizeof(Args); }\n"
                      "extern \"C\" void graphrun_ode_emulate(int which, const void* bytes, unsigned grid, unsigned block) {\n"
                      "  Args a;\n  std::memcpy(&a, bytes, sizeof a);\n"
                      "  graphrun::cuda::testing::host_launch(grid, block, [&] {\n"
                      "    if (which == 0) " + std::string(kOdeCudaKernel) + "(a);\n";
  if (dopri5)
    entry += "    if (which == 1) " + std::string(kOdeCudaInit) + "(a);\n    if (which == 2) " +
             std::string(kOdeCudaReport) + "(a);\n";
  entry += "  });\n}\n";
  return cuda::testing::host_emulation_source("#include <cstring>\n#include <cstddef>\n" + o.source) + entry;
}

/// A tensor's values as doubles.
std::vector<double> values_of(const TensorData& t) {
  int64_t n = 1;
  for (int64_t d : t.shape) n *= d;
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] = t.dtype == GR_F64 ? static_cast<const double*>(t.data.get())[i]
                                                  : static_cast<double>(static_cast<const float*>(t.data.get())[i]);
  return v;
}

/// What the emulated kernel gives for one launch shape: the outputs, and the dopri5 report.
struct Emulated {
  std::vector<std::vector<double>> outputs;
  std::string failure;  // the message the host's check would throw, or ""
};

template <typename T>
Emulated emulate(const OdeNode& o, EmulateFn run, const std::vector<const TensorData*>& inputs,
                 const std::vector<int64_t>& output_sizes, unsigned grid, unsigned block) {
  std::vector<const void*> in;
  for (const TensorData* t : inputs) in.push_back(t->data.get());
  std::vector<std::vector<T>> out;
  std::vector<void*> out_ptrs;
  for (int64_t size : output_sizes) out.emplace_back(static_cast<size_t>(size), T(-12345.25));
  for (auto& o_ : out) out_ptrs.push_back(o_.data());
  const OdeCudaScratch layout = ode_cuda_scratch(o.spec, sizeof(T) == 8 ? GR_F64 : GR_F32);
  std::vector<uint64_t> scratch(static_cast<size_t>(layout.bytes / 8 + 1), 0x5a5a5a5a5a5a5a5aULL);
  const std::vector<std::byte> args = ode_cuda_args<T>(o.spec, in, out_ptrs, layout.bytes ? scratch.data() : nullptr);
  const int64_t n = plugin::numel(o.spec.shape);
  const unsigned blocks = static_cast<unsigned>((n + block - 1) / block);
  if (layout.bytes) run(1, args.data(), std::max(1u, std::min(grid, static_cast<unsigned>((layout.tiles + 1 + block - 1) / block))), block);
  run(0, args.data(), std::min(grid, blocks), block);
  Emulated result;
  if (layout.bytes) {
    run(2, args.data(), 1, 1);
    const std::byte* report = reinterpret_cast<const std::byte*>(scratch.data()) + layout.report;
    int64_t element = 0, code = 0;
    std::memcpy(&element, report, 8);
    std::memcpy(&code, report + 8, 8);
    if (element >= 0) {
      std::vector<double> values;
      for (size_t j = 0; j < o.spec.states.size() + 2; ++j) {
        T v;
        std::memcpy(&v, report + 16 + j * sizeof(T), sizeof v);
        values.push_back(static_cast<double>(v));
      }
      result.failure = dopri5_failure_message(o.spec, element, static_cast<int>(code), values[0], values[1],
                                              std::vector<double>(values.begin() + 2, values.end()));
    }
  }
  for (auto& o_ : out) result.outputs.emplace_back(o_.begin(), o_.end());
  return result;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

class OdeKernelEmulation : public ::testing::TestWithParam<GraphFile> {};

TEST_P(OdeKernelEmulation, GivesTheCpuOpsResults) {
  const auto graph = load(GetParam(), true);
  const auto nodes = ode_nodes(*graph);
  ASSERT_FALSE(nodes.empty());
  // The CPU op's results (its native step where the rhs has an exact form), or its error.
  std::map<std::string, std::vector<double>> cpu;
  std::map<std::string, TensorData> cpu_tensors;
  std::string cpu_error;
  try {
    Executor executor(*graph, 2);
    RunResult r = executor.run({});
    for (size_t k = 0; k < graph->outputs.size(); ++k) cpu_tensors[graph->outputs[k].first] = r.outputs[k];
  } catch (const std::exception& e) {
    cpu_error = e.what();
  }
  for (const auto& o : nodes) {
    const Node& node = graph->nodes[o->index];
    SCOPED_TRACE(GetParam().name + ":" + node.id);
    if (GetParam().exact) {
      EXPECT_TRUE(o->exact) << "the rhs was meant to have an exact form";
    }
    void* emulate_fn = nullptr;
    void* size_fn = nullptr;
    try {
      const std::string source = emulation_source(*o);
      emulate_fn = cpu::native_function(source, "graphrun_ode_emulate");
      size_fn = cpu::native_function(source, "graphrun_ode_args_size");
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
    const bool f64 = graph->dtype == GR_F64;
    // The host's Args has the layout ode_cuda_args writes.
    const size_t args_size = f64 ? ode_cuda_args<double>(o->spec, std::vector<const void*>(o->shapes.size()), std::vector<void*>(o->spec.states.size()), nullptr).size()
                                 : ode_cuda_args<float>(o->spec, std::vector<const void*>(o->shapes.size()), std::vector<void*>(o->spec.states.size()), nullptr).size();
    ASSERT_EQ(reinterpret_cast<ArgsSizeFn>(size_fn)(), args_size);
    if (!cpu_error.empty()) {
      // The run failed: dopri5's report names the element with the CPU's message.
      ASSERT_EQ(node.inputs.size(), 1u);
      ASSERT_NE(cpu_error.find("dopri5 cannot meet"), std::string::npos) << cpu_error;
      const std::string expected = cpu_error.substr(cpu_error.find("dopri5 cannot meet"));
      // Inputs: the constant node's value (the run failed, so no outputs came back).
      const Node& producer = graph->nodes[node.inputs[0].node];
      ASSERT_EQ(std::string(producer.op->desc.name), "constant");
      std::vector<double> x0(3000, 0.1);
      x0[1500] = 0.7;
      x0[1800] = x0[1900] = x0[2100] = x0[2900] = 1.2;
      TensorData t;
      t.dtype = graph->dtype;
      t.shape = {3000};
      if (f64) {
        auto* d = new double[3000];
        std::copy(x0.begin(), x0.end(), d);
        t.data = std::shared_ptr<void>(d, [](void* p) { delete[] static_cast<double*>(p); });
      } else {
        auto* d = new float[3000];
        for (size_t i = 0; i < 3000; ++i) d[i] = static_cast<float>(x0[i]);
        t.data = std::shared_ptr<void>(d, [](void* p) { delete[] static_cast<float*>(p); });
      }
      for (auto [grid, block] : {std::pair<unsigned, unsigned>{1u << 20, 128u}, {2u, 64u}}) {
        const Emulated e = f64 ? emulate<double>(*o, reinterpret_cast<EmulateFn>(emulate_fn), {&t}, {3000}, grid, block)
                               : emulate<float>(*o, reinterpret_cast<EmulateFn>(emulate_fn), {&t}, {3000}, grid, block);
        EXPECT_EQ(e.failure, expected) << "grid " << grid << " block " << block;
      }
      continue;
    }
    std::vector<const TensorData*> inputs;
    for (size_t k = 0; k < node.inputs.size(); ++k) inputs.push_back(&cpu_tensors.at(node.id + "$in" + std::to_string(k)));
    std::vector<std::vector<double>> expected;
    std::vector<int64_t> sizes;
    for (size_t k = 0; k < node.output_names.size(); ++k) {
      expected.push_back(values_of(cpu_tensors.at(node.id + "$out" + std::to_string(k))));
      sizes.push_back(static_cast<int64_t>(expected.back().size()));
    }
    // One thread per element, and a grid much smaller than the elements (grid-stride).
    for (auto [grid, block] : {std::pair<unsigned, unsigned>{1u << 20, 128u}, {3u, 32u}}) {
      SCOPED_TRACE("grid " + std::to_string(grid) + " block " + std::to_string(block));
      const Emulated e = f64 ? emulate<double>(*o, reinterpret_cast<EmulateFn>(emulate_fn), inputs, sizes, grid, block)
                             : emulate<float>(*o, reinterpret_cast<EmulateFn>(emulate_fn), inputs, sizes, grid, block);
      EXPECT_EQ(e.failure, "");
      ASSERT_EQ(e.outputs.size(), expected.size());
      // SPEC's tolerances, relative to the output's largest magnitude (values near zero).
      const double tolerance = f64 ? 1e-12 : 1e-5;
      for (size_t k = 0; k < expected.size(); ++k) {
        ASSERT_EQ(e.outputs[k].size(), expected[k].size());
        double scale = 0;
        for (double v : expected[k]) scale = std::max(scale, std::fabs(v));
        size_t differing = 0;
        double worst = 0;
        for (size_t i = 0; i < expected[k].size(); ++i) {
          const double a = e.outputs[k][i], b = expected[k][i];
          if (o->exact) {
            if (!same_bits(a, b) && differing++ < 5)
              ADD_FAILURE() << "output " << k << " value " << i << ": " << a << " vs the CPU's " << b;
          } else {
            worst = std::max(worst, std::fabs(a - b) / std::max(scale, 1e-300));
          }
        }
        EXPECT_EQ(differing, 0u) << "output " << k << ": values differing from the CPU's bits";
        EXPECT_LE(worst, tolerance) << "output " << k;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Graphs, OdeKernelEmulation, ::testing::ValuesIn(all_graphs()), test_name);

}  // namespace
}  // namespace graphrun::calculus

namespace graphrun::calculus {
namespace {

// plugin.hpp's wrappers of API 2.5 check the host's struct_size: a host older than 2.5 (its
// gr_host ends before program_cuda) has no generated kernels, and each call says so.
TEST(PluginApi25, TheWrappersRefuseAHostOlderThan25) {
  gr_host old_host = host_services();
  old_host.struct_size = static_cast<uint32_t>(offsetof(gr_host, program_cuda));
  gr_node raw{};
  raw.struct_size = sizeof raw;
  raw.host = &old_host;
  const plugin::Node node(&raw);
  EXPECT_FALSE(node.has_generated_cuda_kernels());
  try {
    node.cuda_function("", "k");
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "cuda_function: this graphrun is older than plugin API 2.5");
  }
  EXPECT_THROW(node.program_cuda(nullptr), std::runtime_error);
  EXPECT_THROW(node.cuda_launch(nullptr, {}, {}, 0, nullptr), std::runtime_error);
  // This host has them all; outside a cuda_kernel they fail cleanly.
  gr_node current{};
  current.struct_size = sizeof current;
  current.host = &host_services();
  const plugin::Node now(&current);
  EXPECT_TRUE(now.has_generated_cuda_kernels());
  EXPECT_EQ(host_services().struct_size, sizeof(gr_host));
  gr_status status{};
  EXPECT_EQ(host_services().cuda_function(&current, "x", "k", &status), nullptr);
  EXPECT_STREQ(status.message, "cuda_function: called outside a CUDA kernel call");
}

// program_cuda: one statement per instruction, every function (transcendental ones too) as
// the math header's, constants as the program's doubles converted to T.
TEST(PluginApi25, ProgramCudaWritesEveryOperation) {
  const char* formulas[] = {"cos(x) * 0.1 + where(x > y, -x, abs(y))"};
  const char* vars[] = {"x", "y"};
  gr_status status{};
  gr_program* program = host_services().program_compile(1, formulas, 2, vars, nullptr, &status);
  ASSERT_NE(program, nullptr) << status.message;
  gr_node raw{};
  raw.struct_size = sizeof raw;
  raw.host = &host_services();
  const std::string text = plugin::Node(&raw).program_cuda(program);
  host_services().program_free(program);
  EXPECT_NE(text.find("graphrun::ew::cos(v[0])"), std::string::npos) << text;
  EXPECT_NE(text.find("T(0x1.999999999999ap-4)"), std::string::npos) << text;
  EXPECT_NE(text.find("graphrun::ew::where("), std::string::npos) << text;
  EXPECT_NE(text.find("out[0] = e"), std::string::npos) << text;
  EXPECT_EQ(host_services().program_cuda(nullptr, nullptr, 0), 0u);
}

}  // namespace
}  // namespace graphrun::calculus
