// moving_average: the mean of every `window` consecutive values along the last axis, as
// numpy.convolve(row, numpy.ones(window) / window, "valid") for each row. An op with its own
// shape inference and CPU kernel; the kernel applies the fused elementwise epilogue (if the
// graph gave it one) to each row it writes.
#include "ops.h"

#include <string>

namespace my_plugin {
namespace {

using graphrun::plugin::Node;
using graphrun::plugin::Outputs;
using graphrun::plugin::OutTensor;
using graphrun::plugin::UserError;

// Checks the node and declares its output. A UserError is an error in the graph: graphrun
// reports it at the line of the attribute or port it names, and `graphrun check` exits with 2.
void infer(const Node& node, Outputs& outputs) {
  const auto x = node.input("x");
  const int64_t window = node.attr_int("window");
  if (x.rank() == 0) throw UserError("x must have at least one axis, got a scalar", "x");
  if (window < 1) throw UserError("window must be at least 1, got " + std::to_string(window), "window");
  if (window > x.dim(-1))
    throw UserError("window " + std::to_string(window) + " is longer than the last axis of x (" +
                        std::to_string(x.dim(-1)) + ")",
                    "window");
  graphrun::plugin::Shape shape = x.shape_vec();
  shape.back() -= window - 1;
  outputs.add(shape);
}

// Runs on worker threads, possibly at the same time as other nodes' kernels (and as this
// node's kernel in another run): it keeps no state of its own. The output is not zeroed:
// every value is written.
void kernel(const Node& node, std::span<OutTensor> outputs) {
  graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() {
    const auto x = node.input("x");
    const int64_t window = node.attr_int("window");
    const int64_t length = x.dim(-1), out_length = length - window + 1;
    const int64_t rows = outputs[0].numel() / out_length;
    const T* in = x.data<T>();
    T* out = outputs[0].data<T>();
    // Rows in parallel, in fixed chunks of 16: each value is computed the same way whatever
    // the number of threads, so results are bit-identical for any --threads.
    node.parallel_for(rows, 16, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const T* row = in + r * length;
        T* y = out + r * out_length;
        for (int64_t i = 0; i < out_length; ++i) {
          T sum = 0;
          for (int64_t k = 0; k < window; ++k) sum += row[i + k];
          y[i] = sum / static_cast<T>(window);
        }
        node.apply_epilogue(y, out_length);  // while the row is still in cache
      }
    });
  });
}

}  // namespace

graphrun::plugin::OpDef moving_average_op() {
  graphrun::plugin::OpDef op("moving_average", "mean of each window of consecutive values along the last axis");
  op.input("x", "signal; windows run along its last axis")
      .output("out", "x's shape with the last axis shortened by window - 1")
      .attr("window", 3, "number of values averaged (an INT attribute: its default is an integer)")
      .supports_epilogue()
      .infer(infer)
      .cpu(kernel);
  return op;
}

}  // namespace my_plugin
