#include "graph_runner.h"

#include "driver/session.h"
#include "scheduler/executor.h"

#include <cstring>
#include <new>
#include <stdexcept>

namespace graphrun::testing {
namespace {

int64_t count_of(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

constexpr std::align_val_t kAlignment{64};  // as the executor's buffer pool aligns tensors

// The array in the graph's dtype, in a 64-byte aligned block.
TensorData to_tensor(const std::string& name, const Array& a, gr_dtype dtype) {
  if (a.shape.size() > GR_MAX_RANK)
    throw Failure(2, "graphrun: input '" + name + "': rank " + std::to_string(a.shape.size()) + " exceeds the maximum of " +
                         std::to_string(GR_MAX_RANK));
  for (int64_t d : a.shape)
    if (d < 0) throw Failure(2, "graphrun: input '" + name + "': negative dimension in shape " + shape_str(a.shape));
  const int64_t n = count_of(a.shape);
  if (static_cast<int64_t>(a.values.size()) != n)
    throw Failure(2, "graphrun: input '" + name + "': shape " + shape_str(a.shape) + " holds " + std::to_string(n) +
                         " values, the array has " + std::to_string(a.values.size()));
  // Exactly the tensor's bytes, so that a sanitizer catches a kernel reading past them.
  const size_t bytes = tensor_bytes(a.shape, dtype);
  void* block = ::operator new(bytes, kAlignment);
  if (dtype == GR_F64 && bytes > 0)  // an empty array's data() may be null
    std::memcpy(block, a.values.data(), bytes);
  else
    for (int64_t i = 0; i < n; ++i) static_cast<float*>(block)[i] = static_cast<float>(a.values[static_cast<size_t>(i)]);
  TensorData t;
  t.dtype = dtype;
  t.shape = a.shape;
  t.data = std::shared_ptr<void>(block, [](void* p) { ::operator delete(p, kAlignment); });
  return t;
}

Array to_array(const TensorData& t) {
  Array a;
  a.shape = t.shape;
  const int64_t n = count_of(t.shape);
  a.values.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    a.values[static_cast<size_t>(i)] = t.dtype == GR_F64 ? static_cast<const double*>(t.data.get())[i]
                                                         : static_cast<const float*>(t.data.get())[i];
  return a;
}

// Executor::run's outputs, whether it returns them directly or in a result struct.
template <typename Result> std::vector<TensorData> outputs_of(Result&& result) {
  if constexpr (requires { result.outputs; })
    return std::move(result.outputs);
  else
    return std::move(result);
}

}  // namespace

std::map<std::string, Array> execute(Graph& graph, const std::map<std::string, Array>& inputs,
                                     const RunOptions& options) {
  std::map<std::string, TensorData> tensors;
  std::vector<std::string> names;
  for (const auto& [node, declared] : graph.input_specs) {
    const std::string& name = graph.nodes[node].id;
    names.push_back(name);
    auto it = inputs.find(name);
    if (it == inputs.end()) throw Failure(2, "graphrun: graph input '" + name + "' was not given");
    TensorData t = to_tensor(name, it->second, graph.dtype);
    bool fits = t.shape.size() == declared.size();
    for (size_t k = 0; fits && k < declared.size(); ++k) fits = declared[k] < 0 || declared[k] == t.shape[k];
    if (!fits)
      throw Failure(2, "graphrun: input '" + name + "' has shape " + shape_str(t.shape) + ", the graph declares " +
                           shape_str(declared) + " (-1 = any size)");
    tensors.emplace(name, std::move(t));
  }
  for (const auto& [name, array] : inputs)
    if (!tensors.count(name)) throw Failure(2, "graphrun: the graph has no input '" + name + "'" + did_you_mean(name, names));
  run_passes(graph, tensors, options.fuse);
  Executor executor(graph, options.threads);
  std::vector<TensorData> outputs = outputs_of(executor.run(tensors));
  std::map<std::string, Array> result;
  for (size_t k = 0; k < outputs.size(); ++k) result[graph.outputs[k].first] = to_array(outputs[k]);
  return result;
}

}  // namespace graphrun::testing
