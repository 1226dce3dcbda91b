#include "driver/session.h"

#include "graph/build_graph.h"
#include "graph/inline_subgraphs.h"
#include "io/tensor_file.h"
#include "passes/infer_shapes.h"
#include "passes/pass_context.h"
#include "scheduler/buffer_pool.h"

#include <cstring>

namespace graphrun {

Graph load_graph(const std::string& path, const LoadOptions& options) {
  Registry& registry = Registry::global();
  registry.load_defaults();
  for (const auto& p : options.plugins) registry.load(p);
  DiagnosticSink sink;
  GraphFile file = parse_graph_file(path, options.sets, sink);
  inline_subgraphs(file, sink);
  Graph graph = build_graph(file, registry, sink);
  // Shapes are checked even when the structure had errors, so that every problem of the
  // file is reported at once; nodes with errors (and what depends on them) are skipped.
  infer_shapes(graph, {}, sink);
  sink.throw_if_any();
  return graph;
}

std::map<std::string, TensorData> read_inputs(const Graph& graph,
                                              const std::vector<std::pair<std::string, std::string>>& files) {
  std::map<std::string, TensorData> inputs;
  for (const auto& [name, path] : files) {
    auto it = std::find_if(graph.input_specs.begin(), graph.input_specs.end(),
                           [&, &wanted = name](const auto& kv) { return graph.nodes[kv.first].id == wanted; });
    if (it == graph.input_specs.end()) {
      std::vector<std::string> names;
      for (const auto& [n, s] : graph.input_specs) names.push_back(graph.nodes[n].id);
      throw UsageError("--input " + name + ": the graph has no input '" + name + "'" + did_you_mean(name, names));
    }
    io::HostArray a;
    try {
      a = io::read_tensor(path, graph.dtype);
    } catch (const std::exception& e) {
      throw RunError("--input " + name + ": " + e.what());
    }
    const Shape& declared = it->second;
    Shape shape = a.shape;
    bool fully_known = std::none_of(declared.begin(), declared.end(), [](int64_t d) { return d < 0; });
    // A .csv holds at most 2 axes: reshape to the declared shape when the sizes agree.
    if (fully_known && shape != declared && tensor_bytes(shape, GR_F32) == tensor_bytes(declared, GR_F32))
      shape = declared;
    bool matches = shape.size() == declared.size();
    for (size_t k = 0; matches && k < shape.size(); ++k) matches = declared[k] < 0 || declared[k] == shape[k];
    if (!matches)
      throw RunError("--input " + name + ": " + path + " has shape " + shape_str(a.shape) + ", the graph declares " +
                     shape_str(declared) + " (-1 = any size)");
    TensorData t;
    t.dtype = graph.dtype;
    t.shape = shape;
    // Inputs live in pool memory too: large ones on transparent huge pages, like every
    // buffer a run allocates, so kernels stream them with few TLB misses.
    static const auto input_pool = std::make_shared<BufferPool>();
    const size_t bytes = tensor_bytes(shape, graph.dtype);
    void* block = input_pool->allocate(bytes);
    if (bytes) std::memcpy(block, a.data(), bytes);
    t.data = std::shared_ptr<void>(block, [pool = input_pool](void* p) { pool->release(p); });
    inputs[name] = std::move(t);
  }
  return inputs;
}

const std::vector<PassInfo>& pass_list() {
  static const std::vector<PassInfo> passes = {
#define GRAPHRUN_PASS(name, function, doc) {#name, doc},
#include "passes/passes.def"
#undef GRAPHRUN_PASS
  };
  return passes;
}

void run_infer_shapes(Graph& graph, const PassContext& context) {
  DiagnosticSink sink;
  infer_shapes(graph, context.input_shapes, sink);
  sink.throw_if_any();
}

void run_passes(Graph& graph, const std::map<std::string, TensorData>& inputs, bool fuse,
                const std::function<void(const PassInfo&, const Graph&)>& after_pass) {
  PassContext context;
  context.fuse = fuse;
  for (const auto& [node, declared] : graph.input_specs) {
    auto it = inputs.find(graph.nodes[node].id);
    if (it != inputs.end()) context.input_shapes[node] = it->second.shape;
  }
  using PassFn = void (*)(Graph&, const PassContext&);
  static const PassFn functions[] = {
#define GRAPHRUN_PASS(name, function, doc) &function,
#include "passes/passes.def"
#undef GRAPHRUN_PASS
  };
  for (size_t i = 0; i < pass_list().size(); ++i) {
    functions[i](graph, context);
    if (after_pass) after_pass(pass_list()[i], graph);
  }
}

}  // namespace graphrun
