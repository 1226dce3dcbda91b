// constant: a tensor given in the graph file, a scalar or a nested list, optionally filled or
// broadcast (numpy.broadcast_to) to a shape.
#include "core_ops.h"
#include "cuda_launchers.h"
#include "source_shape.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

namespace graphrun::core {
namespace {

using plugin::Node;
using plugin::OutTensor;
using plugin::Shape;
using plugin::UserError;

/// The `value` attribute as a row-major array.
struct ConstantValue {
  Shape shape;
  std::vector<double> values;
};

std::string index_text(const Shape& index) {
  std::string s;
  for (int64_t i : index) s.append("[").append(std::to_string(i)).append("]");
  return s;
}

/// Appends the numbers under `v` (expected to have shape[depth:]) to `out`, refusing ragged
/// lists, non-numbers and non-finite numbers.
void collect(const gr_value& v, size_t depth, Shape& index, ConstantValue& out) {
  std::string where = index.empty() ? "value" : "value" + index_text(index);
  if (depth < out.shape.size()) {
    if (v.kind != GR_VALUE_LIST || v.count != out.shape[depth])
      throw UserError(where + ": ragged nested list: expected a list of " +
                          std::to_string(out.shape[depth]) + " items as at " +
                          (depth == 0 ? "value" : "value" + index_text(Shape(depth, 0))) +
                          ", found " +
                          (v.kind == GR_VALUE_LIST ? "a list of " + std::to_string(v.count) + " items"
                                                   : "a number"),
                      "value");
    for (int64_t k = 0; k < v.count; ++k) {
      index.push_back(k);
      collect(v.items[k], depth + 1, index, out);
      index.pop_back();
    }
    return;
  }
  if (v.kind == GR_VALUE_LIST)
    throw UserError(where + ": ragged nested list: expected a number as at " +
                        (depth == 0 ? "value" : "value" + index_text(Shape(depth, 0))) +
                        ", found a list",
                    "value");
  if (v.kind != GR_VALUE_INT && v.kind != GR_VALUE_FLOAT)
    throw UserError(where + ": expected a number", "value");
  if (!std::isfinite(v.f))
    throw UserError(where + ": " + std::string(std::isnan(v.f) ? "nan" : "an infinite value") +
                        " is not allowed in a constant",
                    "value");
  out.values.push_back(v.f);
}

ConstantValue parse_value(const Node& node) {
  const gr_value* v = node.attr_value("value");
  ConstantValue out;
  // The shape comes from the first item at each depth; collect() checks every other item.
  for (const gr_value* p = v; p->kind == GR_VALUE_LIST; p = &p->items[0]) {
    out.shape.push_back(p->count);
    if (p->count == 0) break;
  }
  if (out.shape.size() > GR_MAX_RANK)
    throw UserError("value: " + std::to_string(out.shape.size()) +
                        " levels of nesting, more than the maximum rank of " + std::to_string(GR_MAX_RANK),
                    "value");
  Shape index;
  collect(*v, 0, index, out);
  return out;
}

/// numpy.broadcast_to: the value's axes align to the right; each is 1 or the target size.
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  for (size_t k = 1; k <= from.size(); ++k) {
    int64_t f = from[from.size() - k], t = to[to.size() - k];
    if (f != t && f != 1) return false;
  }
  return true;
}

Shape output_shape(const Node& node, const ConstantValue& value) {
  if (!node.has_attr("shape")) return value.shape;
  Shape shape = node.attr_ints("shape");
  checked_source_numel(shape, node.dtype(), "shape");
  if (!broadcasts_to(value.shape, shape))
    throw UserError("value of shape " + plugin::shape_str(value.shape) +
                        " cannot be broadcast to shape " + plugin::shape_str(shape),
                    "shape");
  return shape;
}

void infer(const Node& node, plugin::Outputs& outputs) {
  ConstantValue value = parse_value(node);
  outputs.add(output_shape(node, value), "out");
}

/// What a constant node computes once, when the graph is planned: its values in both
/// dtypes (the CUDA kernel copies them from here, so they outlive every run's copy) and
/// where each output element takes its value from.
struct ConstantState {
  std::vector<double> f64;
  std::vector<float> f32;
  StridedIndex broadcast;

  template <typename T> const std::vector<T>& values() const {
    if constexpr (sizeof(T) == sizeof(double)) return f64; else return f32;
  }
};

void* prepare(const Node& node) {
  ConstantValue value = parse_value(node);
  const Shape shape = output_shape(node, value);
  auto state = std::make_unique<ConstantState>();
  state->f64 = value.values;
  state->f32.assign(value.values.begin(), value.values.end());
  // The value's axes align to the right of the output's; stride 0 on broadcast axes.
  StridedIndex& bc = state->broadcast;
  bc.rank = static_cast<int>(shape.size());
  int64_t s = 1;
  for (size_t k = 0; k < shape.size(); ++k) bc.dims[k] = shape[k];
  for (size_t k = 1; k <= value.shape.size(); ++k) {
    const int64_t size = value.shape[value.shape.size() - k];
    bc.strides[shape.size() - k] = size == 1 ? 0 : s;
    s *= size;
  }
  return state.release();
}

void release(void* state) { delete static_cast<ConstantState*>(state); }

const ConstantState& state_of(const Node& node) { return *static_cast<const ConstantState*>(node.state()); }

template <typename T> void fill(const Node& node, const ConstantState& state, OutTensor& out) {
  T* dst = out.data<T>();
  int64_t n = out.numel();
  const std::vector<T>& src = state.values<T>();
  if (src.size() == 1) {
    T v = src[0];
    node.parallel_for(n, kSourceGrain, [&](int64_t b, int64_t e) { std::fill(dst + b, dst + e, v); });
    return;
  }
  const StridedIndex& bc = state.broadcast;
  const int rank = bc.rank;
  node.parallel_for(n, kSourceGrain, [&](int64_t b, int64_t e) {
    int64_t index[GR_MAX_RANK] = {};
    for (int64_t k = rank, rest = b; k-- > 0;) {
      index[k] = rest % bc.dims[k];
      rest /= bc.dims[k];
    }
    int64_t offset = bc.offset(b);
    for (int64_t i = b; i < e; ++i) {
      dst[i] = src[static_cast<size_t>(offset)];
      for (int k = rank; k-- > 0;) {  // step the index and the offset to element i + 1
        offset += bc.strides[k];
        if (++index[k] < bc.dims[k]) break;
        offset -= bc.strides[k] * bc.dims[k];
        index[k] = 0;
      }
    }
  });
}

void kernel(const Node& node, std::span<OutTensor> outputs) {
  plugin::dispatch(node.dtype(), [&]<typename T>() { fill<T>(node, state_of(node), outputs[0]); });
}

void cuda_kernel(const Node& node, std::span<OutTensor> outputs) {
  const ConstantState& state = state_of(node);
  const void* values = node.dtype() == GR_F64 ? static_cast<const void*>(state.f64.data())
                                              : static_cast<const void*>(state.f32.data());
  constant_cuda(node, values, static_cast<int64_t>(state.f64.size()), state.broadcast,
                outputs[0].data<void>(), outputs[0].numel());
}

}  // namespace

plugin::OpDef constant_op() {
  return plugin::OpDef("constant",
                       "A tensor written in the graph: a number or a nested list of numbers "
                       "(finite). With `shape`, the value is repeated (numpy.broadcast_to).")
      .output("out", "the constant")
      .attr("value", GR_ATTR_TENSOR, "a number or a nested list (every sublist the same length)")
      .attr_optional("shape", GR_ATTR_INT_LIST,
                     "shape to fill with the value (a scalar) or to broadcast the value to")
      .infer(infer)
      .prepare(prepare, release)
      .cpu(kernel)
      .cuda(if_built(constant_cuda, cuda_kernel));
}

}  // namespace graphrun::core
