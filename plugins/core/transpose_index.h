// A transpose as index math: its axes simplified, and where each output element comes
// from. Shared by the CPU and CUDA kernels of transpose (host code; the device side is
// StridedIndex::offset).
#pragma once

#include "axis_index.h"
#include "strided_index.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace graphrun::core {

/// A transpose reduced to its essentials: size-1 axes dropped and runs of axes that stay
/// adjacent and in order merged. Output axis i is input axis perm[i].
struct Permutation {
  std::vector<int64_t> dims;  // input dims after merging
  std::vector<int> perm;
};

inline Permutation simplify(std::span<const int64_t> dims, const std::vector<int>& perm) {
  // Drop size-1 axes, renumbering the rest.
  std::vector<int> renumber(dims.size(), -1);
  int kept = 0;
  for (size_t a = 0; a < dims.size(); ++a)
    if (dims[a] != 1) renumber[a] = kept++;
  std::vector<int> p;
  for (int a : perm)
    if (renumber[a] >= 0) p.push_back(renumber[a]);
  std::vector<int64_t> d;
  for (int64_t n : dims)
    if (n != 1) d.push_back(n);
  // Group output axes whose input axes are consecutive; each group is one merged axis.
  std::vector<std::pair<int, int>> groups;  // first input axis, last input axis
  for (int a : p) {
    if (!groups.empty() && groups.back().second + 1 == a)
      groups.back().second = a;
    else
      groups.emplace_back(a, a);
  }
  std::vector<int> by_input(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) by_input[g] = static_cast<int>(g);
  std::sort(by_input.begin(), by_input.end(),
            [&](int l, int r) { return groups[l].first < groups[r].first; });
  Permutation out;
  out.perm.resize(groups.size());
  for (size_t i = 0; i < by_input.size(); ++i) {
    const auto [first, last] = groups[by_input[i]];
    out.dims.push_back(dims_product(d, first, last + 1));
    out.perm[by_input[i]] = static_cast<int>(i);
  }
  return out;
}

/// Output element i of the simplified transpose is input element offset(i).
inline StridedIndex source_index(const Permutation& p) {
  StridedIndex s;
  s.rank = static_cast<int>(p.dims.size());
  int64_t stride = 1;
  std::vector<int64_t> in_stride(p.dims.size());
  for (size_t a = p.dims.size(); a-- > 0;) {
    in_stride[a] = stride;
    stride *= p.dims[a];
  }
  for (int i = 0; i < s.rank; ++i) {
    s.dims[i] = p.dims[p.perm[i]];
    s.strides[i] = in_stride[p.perm[i]];
  }
  return s;
}

}  // namespace graphrun::core
