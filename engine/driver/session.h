// The library behind the `graphrun` command: load and check a graph file, run the passes
// for the actual input shapes, read inputs. tools/graphrun/main.cpp only parses argv.
#pragma once

#include "ir/graph.h"
#include "passes/pass_context.h"
#include "scheduler/executor.h"

#include <iosfwd>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace graphrun {

struct LoadOptions {
  std::vector<std::pair<std::string, std::string>> sets;  // --set name=value
  std::vector<std::string> plugins;                      // --plugin LIB.so
  std::vector<std::pair<std::string, std::string>> shards;  // --shard input=AXIS
};

/// Loads the built-in and requested plugins, parses and checks `path`: everything SPEC §2
/// says is checked before running. Shapes are inferred from the declared input shapes
/// (nodes after an input with a -1 axis stay uninferred). Throws GraphError with every
/// problem, PluginError for a --plugin that can't load.
Graph load_graph(const std::string& path, const LoadOptions& options);

/// `--shard name=AXIS`: the input `name` is held in blocks along AXIS by the ranks of an MPI
/// run (as `shard: AXIS` in the file, which it replaces); `name=none`: held whole. Throws
/// UsageError for an unknown input or an axis its declared shape lacks.
void shard_input(Graph& graph, const std::string& name, const std::string& axis_text);

/// A tensor shape fits a declared input shape: the same rank, each axis equal where the
/// declaration gives a size (-1 = any size).
bool matches_declared(const Shape& shape, const Shape& declared);

/// Reads `--input name=FILE` tensors in the graph's dtype and checks them against the
/// declared shapes (-1 = any size); only a .csv table is reshaped, to a fully declared shape
/// of the same element count. Throws UsageError (exit code 2, as a bad file in a `read` node)
/// for an unknown or repeated name, an unreadable or broken file, or a wrong shape. A .wav
/// input takes the layout its declared shape asks for: (channels, frames) when both fit,
/// (frames, channels) or, for mono, (frames,). `warnings` (optional) hears of a .wav whose
/// sample rate differs from the graph's param `fs`.
std::map<std::string, TensorData> read_inputs(const Graph& graph,
                                              const std::vector<std::pair<std::string, std::string>>& files,
                                              std::ostream* warnings = nullptr);

/// One pass of the pipeline, as listed in passes/passes.def.
struct PassInfo {
  const char* name;
  const char* doc;
};
const std::vector<PassInfo>& pass_list();

/// The ranks of a sharded run, and the whole shapes of the inputs each rank holds a block of.
struct ShardedInputs {
  RankShare share;
  std::map<std::string, Shape> whole_shapes;  // by input name
};

/// Runs the passes for the actual input shapes (`fuse` false: --no-fuse). After it, every
/// node's shapes are known. `after_pass` (optional) sees the graph after each pass. With
/// `sharded` over several ranks, the graph becomes this rank's part (the shard_data pass).
void run_passes(Graph& graph, const std::map<std::string, TensorData>& inputs, bool fuse,
                const std::function<void(const PassInfo&, const Graph&)>& after_pass = {},
                const ShardedInputs& sharded = {});

/// Reads this rank's blocks of the inputs declared `shard:` (from .npy files: only the
/// block's bytes); their whole shapes go to `whole_shapes`. The other inputs as read_inputs.
std::map<std::string, TensorData> read_sharded_inputs(const Graph& graph,
                                                      const std::vector<std::pair<std::string, std::string>>& files,
                                                      RankShare share, std::map<std::string, Shape>& whole_shapes,
                                                      std::ostream* warnings = nullptr);

}  // namespace graphrun
