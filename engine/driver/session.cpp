#include "driver/session.h"

#include "distributed/blocks.h"

#include "driver/simd_targets.h"
#include "graph/build_graph.h"
#include "graph/inline_subgraphs.h"
#include "io/tensor_file.h"
#include "ir/verify.h"
#include "passes/infer_shapes.h"
#include "passes/pass_context.h"
#include "scheduler/buffer_pool.h"
#include "text/did_you_mean.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <new>
#include <ostream>

namespace graphrun {

Graph load_graph(const std::string& path, const LoadOptions& options) {
  limit_simd_targets_from_env();
  Registry& registry = Registry::global();
  registry.load_defaults();
  for (const auto& p : options.plugins) registry.load(p);
  DiagnosticSink sink;
  // A --set value is text: a number when it reads as one, never YAML to parse ("[" is text).
  std::vector<ParamOverride> overrides;
  for (const auto& [name, text] : options.sets) overrides.push_back({name, YAML::Node(text), {}});
  GraphFile file = parse_graph_file(path, overrides, sink);
  inline_subgraphs(file, sink);
  Graph graph = build_graph(file, registry, sink);
  // Shapes are checked even when the structure had errors, so that every problem of the
  // file is reported at once; nodes with errors (and what depends on them) are skipped.
  infer_shapes(graph, {}, sink);
  sink.throw_if_any();
  verify(graph, "loading", VerifyStage::kLoaded);
  for (const auto& [name, axis_text] : options.shards) shard_input(graph, name, axis_text);
  return graph;
}

void shard_input(Graph& graph, const std::string& name, const std::string& axis_text) {
  std::vector<std::string> names;
  for (const auto& [node, declared] : graph.input_specs) {
    names.push_back(graph.nodes[node].id);
    if (graph.nodes[node].id != name) continue;
    const int rank = static_cast<int>(declared.size());
    if (axis_text == "none") {
      graph.input_shards.erase(node);  // held whole by every rank, whatever the file says
      return;
    }
    int axis = 0;
    const char* end = axis_text.data() + axis_text.size();
    const auto [ptr, ec] = std::from_chars(axis_text.data(), end, axis);
    if (ec != std::errc() || ptr != end || rank == 0 || axis < -rank || axis >= rank)
      throw UsageError("--shard " + name + "=" + axis_text + ": expected none or an axis of its shape " + shape_str(declared) +
                       (rank ? ", -" + std::to_string(rank) + " to " + std::to_string(rank - 1) : ": a scalar has none"));
    graph.input_shards[node] = {axis < 0 ? axis + rank : axis, graph.nodes[node].loc};
    return;
  }
  throw UsageError("--shard " + name + ": the graph has no input '" + name + "'" + text::did_you_mean(name, names));
}

namespace {

/// Elements of a shape without -1 axes; -1 when the product overflows.
int64_t element_count(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) return -1;
  return n;
}

/// The shape the tensor of `path` takes as the input `name`: its own when it matches the
/// declared one (-1 = any size). Only a .csv table, whose 1-D or 2-D shape says nothing of
/// the data, takes a fully declared shape of the same element count. UsageError otherwise.
/// A .wav file takes the first of its layouts that matches (see io::arrange_audio).
Shape input_shape(const std::string& name, const std::string& path, io::HostArray& a, const Shape& declared) {
  if (matches_declared(a.shape, declared)) return a.shape;
  if (io::arrange_audio(a, [&](const std::vector<int64_t>& s) { return matches_declared(s, declared); }))
    return a.shape;
  if (a.audio_channels > 0) {
    const int64_t frames = a.shape.back();
    std::string layouts = a.audio_channels == 1 ? shape_str({frames}) + " or " : "";
    layouts += shape_str({a.audio_channels, frames}) + " or " + shape_str({frames, a.audio_channels});
    throw UsageError("--input " + name + ": " + path + " has " + std::to_string(a.audio_channels) + " channel" +
                     (a.audio_channels == 1 ? "" : "s") + " of " + std::to_string(frames) + " frames, as " + layouts +
                     "; the graph declares " + shape_str(declared));
  }
  bool same_count = element_count(declared) >= 0 && element_count(declared) == element_count(a.shape);
  if (a.from_csv && same_count) return declared;
  std::string why = same_count ? "; only a .csv table is reshaped, a .npy file (or a .csv with a recorded shape) "
                                 "must have the declared shape"
                               : " (-1 = any size)";
  throw UsageError("--input " + name + ": " + path + " has shape " + shape_str(a.shape) + ", the graph declares " +
                   shape_str(declared) + why);
}

/// A .wav input's rate against the graph's param `fs`, if it has one: the param is what
/// the graph computes with, so a differing file rate is said, not silently applied.
void note_sample_rate(const Graph& graph, const std::string& name, const std::string& path, int rate,
                      std::ostream* warnings) {
  if (!warnings || rate <= 0) return;
  const auto& names = graph.params->names;
  auto it = std::find(names.begin(), names.end(), "fs");
  if (it == names.end()) return;
  const double fs = graph.params->values[static_cast<size_t>(it - names.begin())];
  if (fs != rate)
    *warnings << "warning: --input " << name << ": " << path << " is sampled at " << rate
              << " Hz, the graph's param fs is " << io::format_number(fs) << " (--set fs=" << rate
              << " to compute at the file's rate)\n";
}

// Inputs live in pool memory too: large ones on transparent huge pages, like every buffer a
// run allocates, so kernels stream them with few TLB misses.
TensorData pooled(const io::HostArray& a, const Shape& shape, gr_dtype dtype) {
  static const auto input_pool = std::make_shared<BufferPool>();
  TensorData t;
  t.dtype = dtype;
  t.shape = shape;
  const size_t bytes = tensor_bytes(t.shape, dtype);
  void* block = input_pool->allocate(bytes);
  if (bytes) std::memcpy(block, a.data(), bytes);
  t.data = std::shared_ptr<void>(block, [pool = input_pool](void* p) { pool->release(p); });
  return t;
}

}  // namespace

bool matches_declared(const Shape& shape, const Shape& declared) {
  if (shape.size() != declared.size()) return false;
  for (size_t k = 0; k < shape.size(); ++k)
    if (declared[k] >= 0 && declared[k] != shape[k]) return false;
  return true;
}

std::map<std::string, TensorData> read_inputs(const Graph& graph,
                                              const std::vector<std::pair<std::string, std::string>>& files,
                                              std::ostream* warnings) {
  std::map<std::string, TensorData> inputs;
  for (const auto& [name, path] : files) {
    auto it = std::find_if(graph.input_specs.begin(), graph.input_specs.end(),
                           [&, &wanted = name](const auto& kv) { return graph.nodes[kv.first].id == wanted; });
    if (it == graph.input_specs.end()) {
      std::vector<std::string> names;
      for (const auto& [n, s] : graph.input_specs) names.push_back(graph.nodes[n].id);
      throw UsageError("--input " + name + ": the graph has no input '" + name + "'" + text::did_you_mean(name, names));
    }
    if (inputs.count(name)) throw UsageError("--input " + name + ": given twice");
    io::HostArray a;
    try {
      a = io::read_tensor(path, graph.dtype);
    } catch (const io::FileError& e) {
      // The same file in a `read` node is an invalid graph: both are exit code 2.
      throw UsageError("--input " + name + ": " + e.what());
    } catch (const std::bad_alloc&) {
      throw RunError("--input " + name + ": " + path + ": not enough memory to read it");
    }
    const Shape shape = input_shape(name, path, a, it->second);
    note_sample_rate(graph, name, path, a.sample_rate, warnings);
    inputs[name] = pooled(a, shape, graph.dtype);
  }
  return inputs;
}

std::map<std::string, TensorData> read_sharded_inputs(const Graph& graph,
                                                      const std::vector<std::pair<std::string, std::string>>& files,
                                                      RankShare share, std::map<std::string, Shape>& whole_shapes,
                                                      std::ostream* warnings) {
  if (share.ranks <= 1) return read_inputs(graph, files, warnings);
  std::vector<std::pair<std::string, std::string>> plain;
  std::vector<std::tuple<std::string, std::string, int>> blocked;  // name, path, input node
  for (const auto& [name, path] : files) {
    auto it = std::find_if(graph.input_shards.begin(), graph.input_shards.end(),
                           [&, &wanted = name](const auto& kv) { return graph.nodes[kv.first].id == wanted; });
    if (it == graph.input_shards.end()) plain.emplace_back(name, path);
    else blocked.emplace_back(name, path, it->first);
  }
  std::map<std::string, TensorData> inputs = read_inputs(graph, plain, warnings);
  for (const auto& [name, path, node] : blocked) {
    if (inputs.count(name) || whole_shapes.count(name)) throw UsageError("--input " + name + ": given twice");
    if (!io::has_extension(path, ".npy"))
      throw UsageError("--input " + name + ": " + path + ": a sharded input is read from a .npy file, each rank "
                       "reading only its block of it (write it with numpy.save, or hold it whole with --shard " + name +
                       "=none)");
    const int axis = graph.input_shards.at(node).first;
    const Shape& declared = graph.input_specs.at(node);
    Shape whole;
    io::HostArray a;
    try {
      whole = io::npy_shape(path);
      if (!matches_declared(whole, declared))
        throw UsageError("--input " + name + ": " + path + " has shape " + shape_str(whole) + ", the graph declares " +
                         shape_str(declared) + " (-1 = any size)");
      if (axis >= static_cast<int>(whole.size())) continue;  // cannot happen: the ranks match
      const distributed::Block b = distributed::block_of(whole[static_cast<size_t>(axis)], share.rank, share.ranks);
      a = io::read_npy_block(path, graph.dtype, axis, b.begin, b.end);
    } catch (const io::FileError& e) {
      throw UsageError("--input " + name + ": " + e.what());
    } catch (const std::bad_alloc&) {
      throw RunError("--input " + name + ": " + path + ": not enough memory to read this rank's block");
    }
    inputs[name] = pooled(a, a.shape, graph.dtype);
    whole_shapes[name] = whole;
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
  // A sharded run infers the whole shapes first, which no rank holds: no memory check then.
  infer_shapes(graph, context.input_shapes, sink, context.share.ranks <= 1);
  sink.throw_if_any();
}

void run_passes(Graph& graph, const std::map<std::string, TensorData>& inputs, bool fuse,
                const std::function<void(const PassInfo&, const Graph&)>& after_pass, const ShardedInputs& sharded) {
  PassContext context;
  context.fuse = fuse;
  context.share = sharded.share;
  for (const auto& [node, declared] : graph.input_specs) {
    const std::string& id = graph.nodes[node].id;
    if (auto whole = sharded.whole_shapes.find(id); whole != sharded.whole_shapes.end())
      context.input_shapes[node] = whole->second;
    else if (auto it = inputs.find(id); it != inputs.end())
      context.input_shapes[node] = it->second.shape;
  }
  using PassFn = void (*)(Graph&, const PassContext&);
  static const PassFn functions[] = {
#define GRAPHRUN_PASS(name, function, doc) &function,
#include "passes/passes.def"
#undef GRAPHRUN_PASS
  };
  // An input declared with a -1 axis and not given (explain without data) leaves the nodes
  // after it uninferred: the graph then stays at the loaded stage for the verifier.
  const bool inputs_known = std::all_of(graph.input_specs.begin(), graph.input_specs.end(), [&](const auto& spec) {
    return context.input_shapes.count(spec.first) ||
           std::none_of(spec.second.begin(), spec.second.end(), [](int64_t d) { return d < 0; });
  });
  bool inferred = false;
  for (size_t i = 0; i < pass_list().size(); ++i) {
    const PassInfo& pass = pass_list()[i];
    functions[i](graph, context);
    inferred = inferred || (inputs_known && pass.name == std::string_view("infer_shapes"));
    verify(graph, "pass '" + std::string(pass.name) + "'", inferred ? VerifyStage::kInferred : VerifyStage::kLoaded);
    if (after_pass) after_pass(pass, graph);
  }
}

}  // namespace graphrun
