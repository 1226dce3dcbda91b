// integrate: cumulative integral along the last axis, as a blocked parallel prefix sum.
#include "calculus_cuda.h"
#include "calculus_ops.h"
#include "integral_terms.h"
#include "running_sum.h"
#include "spacing.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

namespace graphrun::calculus {
namespace {

using plugin::Node;
using plugin::UserError;

/// Samples per block of the prefix sum. Fixed, so the additions happen in the same order
/// whatever the thread count; a row shorter than a block is summed exactly left to right.
constexpr int64_t kBlock = int64_t{1} << 16;

/// Blocks (or rows) per parallel chunk at the least: their running sums interleave.
constexpr int64_t kLanes = 4;

/// Bytes of x whose blocks are totalled and then scanned before the next ones: well inside
/// the last-level cache (32 MiB on the benchmark machine) with their outputs beside them.
constexpr int64_t kChunkBytes = int64_t{8} << 20;

/// Outputs of at least this many bytes (twice that cache) are written with streaming stores.
constexpr int64_t kStreamBytes = int64_t{64} << 20;

void infer(const Node& node, plugin::Outputs& outs) {
  plugin::Tensor x = node.input("x");
  if (x.rank() == 0) throw UserError("port 'x' must have at least one axis, got a scalar", "x");
  read_spacing(node, x.dim(-1));
  if (!std::isfinite(node.attr_float("initial")))
    throw UserError("initial must be a finite number", "initial");
  outs.add(x.shape());
}

// The time axis split over MPI ranks (docs/distributed.md), trapezoid and rectangle: the
// ranks trade each row's last sample (and position), so that each rank > 0 has the term of
// the interval that joins its block to the one before; then every block's total, its first
// block's including that term, summed as one process sums it; then each rank's offsets are
// the totals of every block before its own, added in row order. Blocks of whole kBlock
// samples: one process's bits. offsets[item] of a first block of a row on a rank > 0 holds
// offset + the joining term: the first output of the block, as one process computes it.
template <typename T>
void offsets_over_ranks(const Node& node, Node::ScanShare share, const IntegralTerms<T>& terms, const Spacing& spacing,
                        const T* xs, int64_t rows, int64_t length, int64_t block, std::vector<T>& offsets) {
  const int64_t blocks_per_row = (length + block - 1) / block;
  const T* t = spacing.has_t() ? spacing.t.data<T>() : nullptr;
  std::vector<T> last(static_cast<size_t>(rows) + 1);  // each row's last sample, then the last position
  for (int64_t r = 0; r < rows; ++r) last[static_cast<size_t>(r)] = xs[r * length + length - 1];
  last[static_cast<size_t>(rows)] = t ? t[length - 1] : T(0);
  std::vector<T> joining(static_cast<size_t>(rows), T(0));  // the term before each row's first sample
  {
    const Node::ScanCarries edges = node.scan_exchange(std::as_bytes(std::span(last)));
    if (share.rank > 0) {
      std::vector<T> before(static_cast<size_t>(rows) + 1);
      std::memcpy(before.data(), edges.of(share.rank - 1).data(), before.size() * sizeof(T));
      const T positions[2] = {before[static_cast<size_t>(rows)], t ? t[0] : T(0)};
      const IntegralTerms<T> edge(read_integral_method(node), 2, t ? positions : nullptr, spacing.dx);
      for (int64_t r = 0; r < rows; ++r) {
        const T pair[2] = {before[static_cast<size_t>(r)], xs[r * length]};
        joining[static_cast<size_t>(r)] = edge.term(pair, 0);
      }
    }
  }
  // Every block's total (rows x blocks_per_row), the first ones of a rank > 0 with the joining term.
  std::vector<T> totals(static_cast<size_t>(rows * blocks_per_row));
  node.parallel_for(rows * blocks_per_row, 1, [&](int64_t b, int64_t e) {
    for (int64_t item = b; item < e; ++item) {
      const int64_t r = item / blocks_per_row, begin = item % blocks_per_row * block;
      const int64_t end = std::min(length, begin + block);
      const T* row = xs + r * length;
      totals[static_cast<size_t>(item)] = begin == 0 && share.rank > 0
                                              ? block_total_after(terms, row, end, joining[static_cast<size_t>(r)])
                                              : block_total(terms, row, begin, end);
    }
  });
  const Node::ScanCarries carries = node.scan_exchange(std::as_bytes(std::span(totals)));
  std::vector<T> sum(static_cast<size_t>(rows), T(0));
  for (int q = 0; q < share.rank; ++q) {
    const std::span<const std::byte> bytes = carries.of(q);
    const int64_t theirs = static_cast<int64_t>(bytes.size() / sizeof(T)) / rows;
    std::vector<T> their(static_cast<size_t>(rows * theirs));
    std::memcpy(their.data(), bytes.data(), their.size() * sizeof(T));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < theirs; ++j)
        sum[static_cast<size_t>(r)] = their[static_cast<size_t>(r * theirs + j)] + sum[static_cast<size_t>(r)];
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < blocks_per_row; ++j) {
      const size_t item = static_cast<size_t>(r * blocks_per_row + j);
      offsets[item] = j == 0 ? sum[static_cast<size_t>(r)] : totals[item - 1] + offsets[item - 1];
    }
  // The first output of a rank > 0 already has the joining term: scan_lanes adds no term
  // before a row's position 0.
  if (share.rank > 0)
    for (int64_t r = 0; r < rows; ++r) {
      T& first = offsets[static_cast<size_t>(r * blocks_per_row)];
      first = first + joining[static_cast<size_t>(r)];
    }
}

template <typename T> void run(const Node& node, plugin::OutTensor& out) {
  plugin::Tensor x = node.input("x");
  const int64_t length = x.dim(-1);
  if (x.numel() == 0) return;
  const int64_t rows = x.numel() / length;
  const Spacing spacing = read_spacing(node, length);
  const IntegralTerms<T> terms(read_integral_method(node), length,
                               spacing.has_t() ? spacing.t.data<T>() : nullptr, spacing.dx);
  if (std::string why = terms.check_positions(); !why.empty()) throw std::runtime_error(why);
  const T initial = T(node.attr_float("initial"));
  const T* xs = x.data<T>();
  T* ys = out.data<T>();

  // Output position k holds initial + the sum of the terms of intervals 0..k-1.
  const int64_t block = std::min(length, kBlock);
  const int64_t blocks_per_row = (length + block - 1) / block;
  const int64_t items = rows * blocks_per_row;
  auto lane = [&](int64_t item, T sum) {
    const int64_t r = item / blocks_per_row, begin = item % blocks_per_row * block;
    return SumLane<T>{xs + r * length, ys + r * length, begin, std::min(length, begin + block), sum};
  };

  // Offset of every block: the sum of all terms before it in its row.
  std::vector<T> offsets(static_cast<size_t>(items), T(0));

  // Output positions of items [first, last), each block from its offset. An output too large
  // for the caches is written past them (unless an epilogue reads it back at once).
  const bool stream = !node.has_epilogue() && x.numel() * static_cast<int64_t>(sizeof(T)) >= kStreamBytes;
  const int64_t grain = std::max<int64_t>(kLanes, kBlock / block);
  auto scan_items = [&](int64_t first, int64_t last) {
    node.parallel_for(last - first, grain, [&](int64_t b, int64_t e) {
      std::vector<SumLane<T>> lanes;
      for (int64_t item = first + b; item < first + e; ++item)
        lanes.push_back(lane(item, offsets[static_cast<size_t>(item)]));
      if (stream)
        scan_all<T, true>(terms, lanes.data(), static_cast<int64_t>(lanes.size()), initial);
      else
        scan_all<T>(terms, lanes.data(), static_cast<int64_t>(lanes.size()), initial);
      for (const SumLane<T>& l : lanes) node.apply_epilogue(l.dst + l.begin, l.end - l.begin);
    });
  };

  const plugin::Node::ScanShare share = node.scan_share();
  if (share.ranks > 1) {
    offsets_over_ranks<T>(node, share, terms, spacing, xs, rows, length, block, offsets);
    scan_items(0, items);
  } else if (blocks_per_row == 1) {
    scan_items(0, items);
  } else {
    // A chunk of blocks at a time, small enough for the last-level cache: its totals read x
    // from memory, its scan reads x again from the cache. The totals and their running sum
    // are the same, in the same order, whatever the chunk.
    // At least a task for every hardware thread (on a large machine the chunk outgrows the
    // cache rather than leave threads idle).
    const int64_t threads = std::max<int64_t>(1, std::thread::hardware_concurrency());
    const int64_t chunk = std::max(grain * threads, kChunkBytes / (block * static_cast<int64_t>(sizeof(T))));
    for (int64_t first = 0; first < items; first += chunk) {
      const int64_t last = std::min(items, first + chunk);
      node.parallel_for(last - first, 1, [&](int64_t b, int64_t e) {
        for (int64_t item = first + b; item < first + e; ++item)
          if ((item + 1) % blocks_per_row != 0) {
            const SumLane<T> l = lane(item, T(0));
            offsets[static_cast<size_t>(item + 1)] = block_total(terms, l.row, l.begin, l.end);
          }
      });
      for (int64_t item = first; item < last; ++item)
        if (item % blocks_per_row != 0) offsets[static_cast<size_t>(item)] += offsets[static_cast<size_t>(item - 1)];
      scan_items(first, last);
    }
  }
}

void kernel(const Node& node, std::span<plugin::OutTensor> outs) {
  plugin::dispatch(node.dtype(), [&]<typename T>() { run<T>(node, outs[0]); });
}

// On the device (integrate.cu). A scan split over MPI ranks never gets here: the host runs
// it (scan_exchange is the host's).
void cuda_kernel(const Node& node, std::span<plugin::OutTensor> outs) {
  plugin::Tensor x = node.input("x");
  if (x.numel() == 0) return;
  const int64_t length = x.dim(-1);
  const Spacing spacing = read_spacing(node, length);
  integrate_cuda(node, read_integral_method(node), length, spacing.has_t() ? spacing.t.data<void>() : nullptr,
                 spacing.dx, node.attr_float("initial"), x.data<void>(), outs[0].data<void>(), x.numel());
}

}  // namespace

plugin::OpDef integrate_op() {
  plugin::OpDef op(
      "integrate",
      "Cumulative integral of x along its last axis; output length L, the first value is "
      "`initial`. trapezoid equals scipy.integrate.cumulative_trapezoid(x, dx or t, initial=0) "
      "+ initial; simpson equals scipy.integrate.cumulative_simpson(x, dx or t, initial=0) + "
      "initial (scipy 1.12; the trapezoid rule below 3 samples); rectangle is the left Riemann "
      "sum. A blocked parallel prefix sum: the same bits for any thread count, and a row of up "
      "to 65536 samples is summed left to right like scipy.");
  op.input("x", "the samples, shape (..., L)")
      .input("t", "optional sample positions, shape (L,) (simpson: strictly increasing)", true)
      .output("out", "the cumulative integral, shape of x")
      .attr_choice("method", "trapezoid", "trapezoid|rectangle|simpson", "the quadrature rule")
      .attr_optional("dx", GR_ATTR_FLOAT, "uniform sample step (default 1; not with port t)")
      .attr("initial", 0.0, "value added to every output (the integral's value at the first sample)")
      .supports_epilogue()
      .scans_blocks()
      .infer(infer)
      .cpu(kernel)
      .cuda(core::if_built(integrate_cuda, cuda_kernel));
  return op;
}

}  // namespace graphrun::calculus
