// constant: a tensor given in the graph file, a scalar or a nested list, optionally filled or
// broadcast (numpy.broadcast_to) to a shape.
#include "core_ops.h"
#include "source_shape.h"

#include <algorithm>
#include <cmath>
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

template <typename T> void fill(const Node& node, const ConstantValue& value, OutTensor& out) {
  T* dst = out.data<T>();
  int64_t n = out.numel();
  if (value.values.size() == 1) {
    T v = static_cast<T>(value.values[0]);
    node.parallel_for(n, kSourceGrain, [&](int64_t b, int64_t e) { std::fill(dst + b, dst + e, v); });
    return;
  }
  std::vector<T> src(value.values.begin(), value.values.end());
  Shape out_shape(out.shape().begin(), out.shape().end());
  size_t rank = out_shape.size();
  // Stride in `src` of each output axis; 0 on broadcast axes.
  std::vector<int64_t> stride(rank, 0);
  int64_t s = 1;
  for (size_t k = 1; k <= value.shape.size(); ++k) {
    int64_t size = value.shape[value.shape.size() - k];
    stride[rank - k] = size == 1 ? 0 : s;
    s *= size;
  }
  node.parallel_for(n, kSourceGrain, [&](int64_t b, int64_t e) {
    std::vector<int64_t> index(rank);
    int64_t offset = 0;
    for (size_t k = rank, rest = static_cast<size_t>(b); k-- > 0;) {
      index[k] = static_cast<int64_t>(rest % static_cast<size_t>(out_shape[k]));
      rest /= static_cast<size_t>(out_shape[k]);
      offset += index[k] * stride[k];
    }
    for (int64_t i = b; i < e; ++i) {
      dst[i] = src[static_cast<size_t>(offset)];
      for (size_t k = rank; k-- > 0;) {
        offset += stride[k];
        if (++index[k] < out_shape[k]) break;
        offset -= stride[k] * out_shape[k];
        index[k] = 0;
      }
    }
  });
}

void kernel(const Node& node, std::span<OutTensor> outputs) {
  ConstantValue value = parse_value(node);
  plugin::dispatch(node.dtype(), [&]<typename T>() { fill<T>(node, value, outputs[0]); });
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
      .cpu(kernel);
}

}  // namespace graphrun::core
