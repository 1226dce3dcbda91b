// transpose: permutes the axes of x (numpy.transpose).
#include "axis_index.h"
#include "core_ops.h"
#include "cuda_launchers.h"
#include "parallel_copy.h"
#include "transpose_index.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace graphrun::core {
namespace {

using plugin::Node;
using plugin::UserError;

/// The perm attribute (default: reversed axes), non-negative and checked as a permutation.
std::vector<int> resolve_perm(const Node& node) {
  const plugin::Tensor x = node.input("x");
  const int rank = x.rank();
  std::vector<int> perm;
  if (!node.has_attr("perm")) {
    for (int i = rank - 1; i >= 0; --i) perm.push_back(i);
    return perm;
  }
  const std::vector<int64_t> given = node.attr_ints("perm");
  if (static_cast<int>(given.size()) != rank)
    throw UserError("perm " + plugin::shape_str(given) + " lists " + std::to_string(given.size()) +
                        " axes but port 'x' has shape " + plugin::shape_str(x.shape()) +
                        " of rank " + std::to_string(rank),
                    "perm");
  std::vector<bool> seen(rank, false);
  for (int64_t p : given) {
    const int axis = normalize_axis(p, rank, "perm");
    if (seen[axis])
      throw UserError("repeated axis " + std::to_string(p) + " in perm " + plugin::shape_str(given),
                      "perm");
    seen[axis] = true;
    perm.push_back(axis);
  }
  return perm;
}

void infer_transpose(const Node& node, plugin::Outputs& outs) {
  const plugin::Tensor x = node.input("x");
  plugin::Shape shape;
  for (int axis : resolve_perm(node)) shape.push_back(x.dim(axis));
  outs.add(shape);
}

/// Side of the square tiles a strided transpose copies through, so reads reuse cache lines.
constexpr int64_t kTile = 32;

template <typename T>
void permute(const Node& node, const Permutation& p, const T* src, T* dst, int64_t numel) {
  const int rank = static_cast<int>(p.dims.size());
  if (rank <= 1 || std::is_sorted(p.perm.begin(), p.perm.end())) {
    parallel_copy(node, dst, src, numel);
    return;
  }
  std::vector<int64_t> in_stride(rank, 1), out_dims(rank), out_stride(rank, 1);
  for (int a = rank - 2; a >= 0; --a) in_stride[a] = in_stride[a + 1] * p.dims[a + 1];
  for (int i = 0; i < rank; ++i) out_dims[i] = p.dims[p.perm[i]];
  for (int i = rank - 2; i >= 0; --i) out_stride[i] = out_stride[i + 1] * out_dims[i + 1];

  if (p.perm[rank - 1] == rank - 1) {
    // The last axis stays last: copy contiguous blocks, one per outer output index.
    const int64_t block = p.dims[rank - 1];
    const int64_t blocks = numel / block;
    node.parallel_for(blocks, copy_grain_rows(block), [&](int64_t b, int64_t e) {
      std::vector<int64_t> idx(rank - 1);
      int64_t rem = b, offset = 0;
      for (int i = rank - 2; i >= 0; --i) {
        idx[i] = rem % out_dims[i];
        rem /= out_dims[i];
        offset += idx[i] * in_stride[p.perm[i]];
      }
      for (int64_t q = b; q < e; ++q) {
        std::memcpy(dst + q * block, src + offset, static_cast<size_t>(block) * sizeof(T));
        for (int i = rank - 2; i >= 0; --i) {
          offset += in_stride[p.perm[i]];
          if (++idx[i] < out_dims[i]) break;
          offset -= idx[i] * in_stride[p.perm[i]];
          idx[i] = 0;
        }
      }
    });
    return;
  }

  // Tiled copy over two axes: output axis `j` (the input's contiguous last axis) and the
  // output's last axis (input axis `q`, strided). Every other axis is an outer loop.
  const int q = p.perm[rank - 1];
  const int j =
      static_cast<int>(std::find(p.perm.begin(), p.perm.end(), rank - 1) - p.perm.begin());
  const int64_t rows = p.dims[rank - 1];  // along output axis j
  const int64_t cols = p.dims[q];         // along the output's last axis
  const int64_t row_tiles = (rows + kTile - 1) / kTile;
  const int64_t rest = numel / (rows * cols);
  const int64_t tasks = rest * row_tiles;
  const int64_t grain = std::max<int64_t>(1, kCopyChunkElements / (kTile * cols));
  node.parallel_for(tasks, grain, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t r0 = (t % row_tiles) * kTile;
      const int64_t r1 = std::min(rows, r0 + kTile);
      int64_t rem = t / row_tiles, in_base = 0, out_base = 0;
      for (int i = rank - 2; i >= 0; --i) {
        if (i == j) continue;
        const int64_t k = rem % out_dims[i];
        rem /= out_dims[i];
        in_base += k * in_stride[p.perm[i]];
        out_base += k * out_stride[i];
      }
      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
        const int64_t c1 = std::min(cols, c0 + kTile);
        for (int64_t r = r0; r < r1; ++r) {
          const T* from = src + in_base + r;
          T* to = dst + out_base + r * out_stride[j];
          for (int64_t c = c0; c < c1; ++c) to[c] = from[c * in_stride[q]];
        }
      }
    }
  });
}

void run_transpose(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor x = node.input("x");
  if (x.numel() == 0) return;
  const Permutation p = simplify(x.shape(), resolve_perm(node));
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    permute(node, p, x.data<T>(), outs[0].data<T>(), x.numel());
  });
}

void run_transpose_cuda(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor x = node.input("x");
  if (x.numel() == 0) return;
  const StridedIndex source = source_index(simplify(x.shape(), resolve_perm(node)));
  transpose_cuda(node, source, x.data<void>(), outs[0].data<void>(), x.numel());
}

}  // namespace

plugin::OpDef transpose_op() {
  plugin::OpDef op("transpose",
                   "Permutes the axes of x as numpy.transpose: output axis i is input axis "
                   "perm[i].");
  op.input("x", "the tensor to transpose")
      .output("out", "x with its axes permuted")
      .attr_optional("perm", GR_ATTR_INT_LIST,
                     "a permutation of the axes, negative values counting from the last "
                     "(default: the axes reversed)")
      .infer(infer_transpose)
      .cpu(run_transpose)
      .cuda(if_built(transpose_cuda, run_transpose_cuda));
  return op;
}

}  // namespace graphrun::core
