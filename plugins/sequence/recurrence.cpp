// recurrence: the diagonal linear recurrence h_t = a_t ⊙ h_{t-1} + b_t along the last axis,
// as a chunked parallel scan over time and over rows, compiled for every SIMD target.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sequence/recurrence.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "sequence/broadcast_rows.h"
#include "sequence/chunked_scan-inl.h"
#include "sequence/cuda_launchers.h"
#include "sequence/sequence_ops.h"

#include <cstring>
#include <span>
#include <vector>

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {

// The time axis split over MPI ranks (docs/distributed.md): every chunk of this rank's block
// is reduced to its map, the ranks trade those maps (one all-gather of rows x chunks pairs),
// and each row's h0 is carried through every chunk of the ranks before this one, in order:
// the composition one process does, so blocks of whole chunks give one process's bits.
// With only the final h kept, the last rank's is everyone's (a second, small exchange).
template <typename T, typename RowOf, typename H0Of, typename Emit>
void scan_over_ranks(const plugin::Node& node, plugin::Node::ScanShare share, int64_t rows, int64_t length,
                     const RowOf& row_of, const H0Of& h0_of, T* out, T* final, const Emit& emit) {
  const std::vector<ScanMap<T>> maps = chunk_maps<T>(node, rows, length, row_of);
  const plugin::Node::ScanCarries carries = node.scan_exchange(std::as_bytes(std::span(maps)));
  std::vector<T> h(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) h[static_cast<size_t>(r)] = h0_of(r);
  for (int q = 0; q < share.rank && rows > 0; ++q) {
    const std::span<const std::byte> bytes = carries.of(q);
    const int64_t chunks = static_cast<int64_t>(bytes.size() / sizeof(ScanMap<T>)) / rows;
    std::vector<ScanMap<T>> theirs(static_cast<size_t>(rows * chunks));
    std::memcpy(theirs.data(), bytes.data(), theirs.size() * sizeof(ScanMap<T>));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < chunks; ++c) {
        const ScanMap<T>& m = theirs[static_cast<size_t>(r * chunks + c)];
        h[static_cast<size_t>(r)] = m.a * h[static_cast<size_t>(r)] + m.b;
      }
  }
  auto h_in = [&](int64_t r) { return h[static_cast<size_t>(r)]; };
  chunked_scan<T>(node, rows, length, row_of, h_in, out, final, emit, maps.data());
  if (!final) return;
  const bool last = share.rank + 1 == share.ranks;
  const std::span<const T> mine(final, last ? static_cast<size_t>(rows) : 0);
  const plugin::Node::ScanCarries finals = node.scan_exchange(std::as_bytes(mine));
  std::memcpy(final, finals.of(share.ranks - 1).data(), static_cast<size_t>(rows) * sizeof(T));
}

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
    const plugin::Node::ScanShare share = node.scan_share();
    if (share.ranks > 1) {
      scan_over_ranks<T>(node, share, rows, length, row_of, h0_of, save_all ? y : nullptr, save_all ? nullptr : y, emit);
      if (save_all) return;
    } else if (save_all) {
      chunked_scan<T>(node, rows, length, row_of, h0_of, y, static_cast<T*>(nullptr), emit);
      return;
    } else {
      chunked_scan<T>(node, rows, length, row_of, h0_of, static_cast<T*>(nullptr), y, emit);
    }
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

void run_cuda(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor a = node.input("a"), b = node.input("b"), h0 = node.input("h0");
  const plugin::Shape rows_dims = rows_shape(b);
  const int64_t length = b.dim(-1);
  const std::span<const int64_t> a_lead = a.rank() > 0 ? a.shape().first(a.rank() - 1) : a.shape();
  const RecurrenceArgs args{plugin::numel(rows_dims), length, a.data<void>(),
                            a.rank() > 0 && a.dim(-1) == length && length > 1 ? 1 : 0,
                            BroadcastRows(a_lead, rows_dims, a.rank() > 0 ? a.dim(-1) : 1), b.data<void>(),
                            h0.valid() ? h0.data<void>() : nullptr,
                            h0.valid() ? BroadcastRows(h0.shape(), rows_dims) : BroadcastRows(),
                            node.attr_string("save") != "final", outs[0].data<void>()};
  recurrence_cuda(node, args);
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
      .scans_blocks()
      .infer(infer)
      .cpu(run)
      .cuda(if_built(recurrence_cuda, run_cuda));
}

}  // namespace graphrun::sequence
#endif  // HWY_ONCE
