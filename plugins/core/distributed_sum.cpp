// sum over ranks (distributed_sum.h): two exchanges, the ranks' element counts, then each
// rank's pieces of the global pairwise tree for every output.
#include "distributed_sum.h"

#include "reduce_kernel.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace graphrun::core {

namespace {

// The ranks' ranges of the flattened reduced index: starts[q] .. starts[q + 1].
std::vector<int64_t> rank_starts(const plugin::Node& node, const ReduceLayout& layout) {
  const int64_t mine[2] = {layout.count, layout.inner};
  const plugin::Node::ScanCarries all = node.scan_exchange(std::as_bytes(std::span(mine)));
  const int ranks = static_cast<int>(all.offsets.size()) - 1;
  std::vector<int64_t> starts(static_cast<size_t>(ranks) + 1, 0);
  for (int q = 0; q < ranks; ++q) {
    int64_t theirs[2];
    if (all.of(q).size() != sizeof theirs) throw std::runtime_error("sum over ranks: a rank sent no count");
    std::memcpy(theirs, all.of(q).data(), sizeof theirs);
    // The engine splits only the outermost reduced axis, in blocks of at least 2, so every
    // rank's layout differs from the whole one only in its count.
    if (theirs[1] != layout.inner)
      throw std::runtime_error("sum over ranks: rank " + std::to_string(q) + " holds rows of " +
                               std::to_string(theirs[1]) + " values, this rank " + std::to_string(layout.inner));
    starts[static_cast<size_t>(q) + 1] = starts[static_cast<size_t>(q)] + theirs[0];
  }
  return starts;
}

// This rank's pieces for every output unit (an output, or an output row of `inner` values),
// unit after unit: the values of its whole subtrees, computed in parallel segments of the
// subtree as reduce_kernel.h does, and the raw elements of its partial leaves.
// Every piece is a subtree of the tree over all `total` elements: no deeper than it.
template <typename T>
std::vector<T> my_pieces(const plugin::Node& node, const ReduceLayout& layout, const T* x,
                         const std::vector<TreePiece>& pieces, int64_t first, int64_t total) {
  const bool rows = layout.inner > 1;
  const int64_t w = layout.inner, units = layout.outer;
  const int64_t limit = rows ? std::max(kPairwiseBlock, kReduceSegment / std::min(w, kReduceTile)) : kReduceSegment;
  const bool contiguous = layout.reduced.size() <= 1;  // inner == 1: the reduced values are adjacent
  // The segments of the whole pieces, in local element positions.
  std::vector<std::pair<int64_t, int64_t>> segments;
  std::vector<size_t> first_segment;
  for (const TreePiece& p : pieces) {
    first_segment.push_back(segments.size());
    if (p.whole) pairwise_segments(p.lo - first, p.n, limit, segments);
  }
  const int64_t num_segments = static_cast<int64_t>(segments.size());
  std::vector<T> partials(static_cast<size_t>(units * num_segments * w));
  const int64_t longest = std::max<int64_t>(1, std::min(layout.count, limit));
  node.parallel_for(units * num_segments, std::max<int64_t>(1, kReduceSegment / (longest * w)), [&](int64_t b, int64_t e) {
    std::vector<T> buffer(static_cast<size_t>(rows || contiguous ? 0 : longest));
    for (int64_t t = b; t < e; ++t) {
      const int64_t u = t / num_segments;
      const int64_t lo = segments[static_cast<size_t>(t % num_segments)].first;
      const int64_t n = segments[static_cast<size_t>(t % num_segments)].second;
      const int64_t base = layout.kept_offset(u);
      T* out = partials.data() + t * w;
      if (rows) {
        const T* row0 = x + base;
        auto row = [&](int64_t r) { return row0 + layout.reduced_offset(r); };
        buffer.resize(std::max(buffer.size(), static_cast<size_t>(pairwise_depth(n, kPairwiseBlock) * w)));
        pairwise_sum_rows(row, lo, n, w, out, buffer.data());
        continue;
      }
      const T* values = x + base + lo;
      if (!contiguous) {
        for (int64_t r = 0; r < n; ++r) buffer[static_cast<size_t>(r)] = x[base + layout.reduced_offset(lo + r)];
        values = buffer.data();
      }
      *out = pairwise_sum(values, n);
    }
  });

  const int64_t per_unit = piece_values(pieces) * w;
  std::vector<T> message(static_cast<size_t>(units * per_unit));
  const int merge_depth = pairwise_depth(total, limit);
  node.parallel_for(units, std::max<int64_t>(1, kReduceSegment / std::max<int64_t>(1, per_unit)), [&](int64_t b, int64_t e) {
    std::vector<T> scratch(static_cast<size_t>(merge_depth * w));
    for (int64_t u = b; u < e; ++u) {
      T* to = message.data() + u * per_unit;
      const int64_t base = layout.kept_offset(u);
      for (size_t k = 0; k < pieces.size(); ++k) {
        const TreePiece& p = pieces[k];
        if (p.whole) {
          int64_t next = 0;
          merge_segments(p.n, limit, partials.data() + (u * num_segments + static_cast<int64_t>(first_segment[k])) * w, w,
                         next, w, to, scratch.data(), SumReducer::combine<T>);
          to += w;
          continue;
        }
        for (int64_t r = p.lo - first; r < p.lo - first + p.n; ++r, to += w) {
          const T* element = x + base + layout.reduced_offset(r);
          std::copy(element, element + w, to);
        }
      }
    }
  });
  return message;
}

}  // namespace

template <typename T>
int64_t sum_over_ranks(const plugin::Node& node, const ReduceLayout& layout, const T* x, T* y, T empty) {
  const std::vector<int64_t> starts = rank_starts(node, layout);
  const int64_t total = starts.back();
  const int64_t outputs = layout.outer * layout.inner;
  if (total == 0) {
    std::fill(y, y + outputs, empty);
    return 0;
  }
  const int ranks = static_cast<int>(starts.size()) - 1;
  const int rank = node.scan_share().rank;
  std::vector<std::vector<TreePiece>> pieces(static_cast<size_t>(ranks));
  for (int q = 0; q < ranks; ++q)
    tree_pieces(0, total, starts[static_cast<size_t>(q)], starts[static_cast<size_t>(q) + 1], pieces[static_cast<size_t>(q)]);
  const std::vector<T> mine = my_pieces(node, layout, x, pieces[static_cast<size_t>(rank)], starts[static_cast<size_t>(rank)], total);
  const plugin::Node::ScanCarries all = node.scan_exchange(std::as_bytes(std::span(mine)));

  const int64_t w = layout.inner;
  std::vector<int64_t> per_unit(static_cast<size_t>(ranks));
  for (int q = 0; q < ranks; ++q) {
    per_unit[static_cast<size_t>(q)] = piece_values(pieces[static_cast<size_t>(q)]) * w;
    if (all.of(q).size() != static_cast<size_t>(per_unit[static_cast<size_t>(q)] * layout.outer) * sizeof(T))
      throw std::runtime_error("sum over ranks: rank " + std::to_string(q) + " sent " + std::to_string(all.of(q).size()) +
                               " bytes, not its pieces of the tree");
  }
  const bool rows = layout.inner > 1;
  const int64_t work = (2 * pairwise_depth(total, kPairwiseBlock) * static_cast<int64_t>(ranks) + kPairwiseBlock) * w;
  node.parallel_for(layout.outer, std::max<int64_t>(1, kReduceSegment / work), [&](int64_t b, int64_t e) {
    std::vector<T> scratch(static_cast<size_t>(tree_scratch(total, w)));
    std::vector<const T*> streams(static_cast<size_t>(ranks));
    for (int64_t u = b; u < e; ++u) {
      for (int q = 0; q < ranks; ++q)
        streams[static_cast<size_t>(q)] =
            reinterpret_cast<const T*>(all.of(q).data()) + u * per_unit[static_cast<size_t>(q)];
      TreeFromPieces<T>(starts, streams, w, rows, scratch.data()).evaluate(0, total, y + u * w);
    }
  });
  return total;
}

template int64_t sum_over_ranks<float>(const plugin::Node&, const ReduceLayout&, const float*, float*, float);
template int64_t sum_over_ranks<double>(const plugin::Node&, const ReduceLayout&, const double*, double*, double);

}  // namespace graphrun::core
