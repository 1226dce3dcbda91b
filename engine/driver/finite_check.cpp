#include "driver/finite_check.h"

#include "ir/fused_group.h"

#include <cmath>

namespace graphrun {
namespace {

template <typename T> NonFiniteCount count_typed(const T* v, uint64_t n) {
  NonFiniteCount c;
  c.total = n;
  // First a branch-free pass that vectorizes (x - x is 0 for a finite x, NaN otherwise), then
  // the counts only when there is something to count: the common case costs one read.
  uint64_t bad = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const T d = v[i] - v[i];
    bad += d != d;
  }
  if (bad == 0) return c;
  for (uint64_t i = 0; i < n; ++i) {
    if (std::isfinite(v[i])) continue;
    if (c.first < 0) c.first = static_cast<int64_t>(i);
    ++(std::isnan(v[i]) ? c.nan : c.inf);
  }
  return c;
}

uint64_t element_count(const Shape& shape) {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

// "3 NaN and 1 inf of 1000 values".
std::string counts_text(const NonFiniteCount& c) {
  return std::to_string(c.nan) + " NaN and " + std::to_string(c.inf) + " inf of " + std::to_string(c.total) +
         (c.total == 1 ? " value" : " values");
}

}  // namespace

NonFiniteCount count_non_finite(gr_dtype dtype, const void* data, uint64_t count) {
  if (count == 0 || !data) return {};
  return dtype == GR_F64 ? count_typed(static_cast<const double*>(data), count)
                         : count_typed(static_cast<const float*>(data), count);
}

std::string non_finite_text(const NonFiniteCount& count, const Shape& shape) {
  std::string s = counts_text(count);
  if (count.first < 0 || shape.empty()) return s;
  // The flat index as one index per axis, row-major.
  std::vector<int64_t> index(shape.size());
  int64_t rest = count.first;
  for (size_t k = shape.size(); k-- > 0;) {
    index[k] = shape[k] ? rest % shape[k] : 0;
    rest = shape[k] ? rest / shape[k] : 0;
  }
  s += " (first at index [";
  for (size_t k = 0; k < index.size(); ++k) s += (k ? ", " : "") + std::to_string(index[k]);
  return s + "])";
}

std::vector<std::string> non_finite_output_warnings(const std::vector<std::string>& names,
                                                    const std::vector<TensorData>& outputs) {
  std::vector<std::string> warnings;
  for (size_t k = 0; k < outputs.size() && k < names.size(); ++k) {
    const TensorData& t = outputs[k];
    NonFiniteCount c = count_non_finite(t.dtype, t.data.get(), element_count(t.shape));
    if (!c.any()) continue;
    warnings.push_back("warning: output '" + names[k] + "' has " + counts_text(c));
  }
  return warnings;
}

std::string non_finite_inputs(const ExecutionPlan& plan, const std::map<std::string, TensorData>& inputs) {
  for (const PlannedBuffer& buffer : plan.buffers()) {
    if (buffer.input_node < 0 || (buffer.consumers == 0 && !buffer.pinned)) continue;
    const std::string& name = plan.graph().nodes[buffer.input_node].id;
    auto it = inputs.find(name);
    if (it == inputs.end()) continue;  // the run itself refuses a missing input
    const TensorData& t = it->second;
    NonFiniteCount c = count_non_finite(t.dtype, t.data.get(), element_count(t.shape));
    if (c.any())
      return "--check-finite: the graph input '" + name + "' already has non-finite values: " +
             non_finite_text(c, t.shape);
  }
  return "";
}

StepCheck first_non_finite_check(const ExecutionPlan& plan) {
  return [&plan](int step, std::span<const gr_tensor> outputs) -> std::string {
    const PlannedStep& planned = plan.steps()[step];
    const Node& node = plan.graph().nodes[planned.node];
    for (size_t k = 0; k < outputs.size(); ++k) {
      // A port that no step reads and no output names cannot reach an output, as an unused
      // node cannot: its values are not checked (an ODE state only its neighbours need).
      const PlannedBuffer& buffer = plan.buffers()[planned.out_buffers[k]];
      if (buffer.consumers == 0 && !buffer.pinned) continue;
      const gr_tensor& t = outputs[k];
      const Shape shape(t.shape, t.shape + t.rank);
      NonFiniteCount c = count_non_finite(static_cast<gr_dtype>(t.dtype), t.data, element_count(shape));
      if (!c.any()) continue;
      const std::string port = k < node.output_names.size() ? node.output_names[k] : std::to_string(k);
      std::string what = node.kind == NodeKind::kFused ? "fused group" : node.op->desc.name;
      std::string s = node.loc.str() + ": node '" + node.id + "' (" + what +
                      ") produced the first non-finite value: output '" + port + "' has " + non_finite_text(c, shape);
      if (node.kind == NodeKind::kFused) {
        std::string members;
        for (size_t m = 0; m < node.fused->member_ids.size(); ++m)
          members += (m ? ", " : "") + node.fused->member_ids[m];
        s += "; the node is the fused group of " + members + ": run with --no-fuse to name the member";
      }
      return s;
    }
    return "";
  };
}

}  // namespace graphrun
