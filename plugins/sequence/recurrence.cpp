// recurrence: the diagonal linear recurrence h_t = a_t ⊙ h_{t-1} + b_t along the last axis,
// as a chunked parallel scan over time and over rows, compiled for every SIMD target.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sequence/recurrence.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "sequence/broadcast_rows.h"
#include "sequence/chunked_scan-inl.h"
#include "sequence/sequence_ops.h"

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {

void run_recurrence(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor a = node.input("a"), b = node.input("b"), h0 = node.input("h0");
  const plugin::Shape rows_dims = rows_shape(b);
  const int64_t rows = plugin::numel(rows_dims), length = b.dim(-1);
  // a's step along time: 1 when it varies along the last axis, 0 when it broadcasts there.
  const int64_t a_step = a.rank() > 0 && a.dim(-1) == length && length > 1 ? 1 : 0;
  const std::span<const int64_t> a_lead = a.rank() > 0 ? a.shape().first(a.rank() - 1) : a.shape();
  const BroadcastRows a_rows(a_lead, rows_dims, a.rank() > 0 ? a.dim(-1) : 1);
  const BroadcastRows h0_rows = h0.valid() ? BroadcastRows(h0.shape(), rows_dims) : BroadcastRows();
  const bool save_all = node.attr_string("save") != "final";

  plugin::dispatch(node.dtype(), [&]<typename T>() HWY_ATTR {
    const T* ap = a.data<T>();
    const T* bp = b.data<T>();
    auto row_of = [&](int64_t r) { return ScanRow<T>{ap + a_rows.offset(r), a_step, bp + r * length}; };
    auto h0_of = [&](int64_t r) { return h0.valid() ? h0.data<T>()[h0_rows.offset(r)] : T(0); };
    auto emit = [&](T* values, int64_t n) { node.apply_epilogue(values, n); };
    T* y = outs[0].data<T>();
    if (save_all) {
      chunked_scan<T>(node, rows, length, row_of, h0_of, y, static_cast<T*>(nullptr), emit);
      return;
    }
    chunked_scan<T>(node, rows, length, row_of, h0_of, static_cast<T*>(nullptr), y, emit);
    node.parallel_for(rows, kScanTaskElements, [&](int64_t begin, int64_t end) {
      node.apply_epilogue(y + begin, end - begin);
    });
  });
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace graphrun::sequence {
namespace {

using plugin::Node;
using plugin::UserError;

HWY_EXPORT(run_recurrence);

void infer(const Node& node, plugin::Outputs& outs) {
  const plugin::Tensor a = node.input("a"), b = node.input("b");
  if (b.rank() == 0)
    throw UserError("port 'b': expected at least one dimension (..., L), the last one time; "
                    "got shape ()", "b");
  if (!broadcasts_to(a.shape(), b.shape()))
    throw UserError("port 'a': shape " + plugin::shape_str(a.shape()) +
                        " does not broadcast to " + plugin::shape_str(b.shape()) +
                        ", the shape of port 'b'", "a");
  const plugin::Shape rows = rows_shape(b);
  if (node.has_input("h0") && !broadcasts_to(node.input("h0").shape(), rows))
    throw UserError("port 'h0': shape " + plugin::shape_str(node.input("h0").shape()) +
                        " does not broadcast to " + plugin::shape_str(rows) +
                        ", the shape of port 'b' " + plugin::shape_str(b.shape()) +
                        " without its last (time) axis", "h0");
  outs.add(node.attr_string("save") == "final" ? rows : b.shape_vec());
}

void run(const Node& node, std::span<plugin::OutTensor> outs) {
  HWY_DYNAMIC_DISPATCH(run_recurrence)(node, outs);
}

}  // namespace

plugin::OpDef recurrence_op() {
  return plugin::OpDef(
             "recurrence",
             "The diagonal linear recurrence h_t = a_t ⊙ h_{t-1} + b_t along the last axis, "
             "h_{-1} = h0 (default 0); scipy.signal.lfilter([1], [1, -a], b) when a is constant. "
             "A parallel scan over time (fixed chunks) and over the leading axes; "
             "bit-identical whatever the thread count.")
      .input("a", "the decay, broadcastable to b (e.g. (C, 1) for one constant per row)")
      .input("b", "the input (..., L), time on the last axis")
      .input("h0", "the initial state, b's shape without the last axis (broadcastable)", true)
      .output("out", "h: b's shape with save all, b's shape without the last axis with save final")
      .attr_choice("save", "all", "all|final", "all: every h_t; final: only the last one")
      .supports_epilogue()
      .infer(infer)
      .cpu(run);
}

}  // namespace graphrun::sequence
#endif  // HWY_ONCE
