#include "broadcast_offsets.h"

#include <algorithm>

namespace graphrun::calculus {

std::optional<plugin::Shape> broadcast_shapes(std::span<const int64_t> a, std::span<const int64_t> b) {
  const size_t rank = std::max(a.size(), b.size());
  plugin::Shape out(rank);
  for (size_t k = 0; k < rank; ++k) {
    const int64_t da = k < rank - a.size() ? 1 : a[k - (rank - a.size())];
    const int64_t db = k < rank - b.size() ? 1 : b[k - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[k] = da == 1 ? db : da;
  }
  return out;
}

BroadcastOffsets::BroadcastOffsets(std::span<const int64_t> from, std::span<const int64_t> to)
    : to_(to.begin(), to.end()), strides_(to.size(), 0) {
  identity_ = from.size() == to.size() && std::equal(from.begin(), from.end(), to.begin());
  single_ = plugin::numel(from) == 1;
  int64_t stride = 1;
  for (size_t k = 0; k < from.size(); ++k) {
    const size_t axis_from = from.size() - 1 - k, axis_to = to.size() - 1 - k;
    strides_[axis_to] = from[axis_from] == 1 ? 0 : stride;
    stride *= from[axis_from];
  }
}

void BroadcastOffsets::fill(int64_t begin, int64_t n, int64_t* out) const {
  if (n <= 0) return;
  if (identity_ || single_) {
    for (int64_t i = 0; i < n; ++i) out[i] = identity_ ? begin + i : 0;
    return;
  }
  const size_t rank = to_.size();
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0, rest = begin;
  for (size_t k = rank; k-- > 0;) {
    index[k] = rest % to_[k];
    rest /= to_[k];
    offset += index[k] * strides_[k];
  }
  for (int64_t i = 0; i < n; ++i) {
    out[i] = offset;
    for (size_t k = rank; k-- > 0;) {  // odometer step to the next target element
      offset += strides_[k];
      if (++index[k] < to_[k]) break;
      offset -= strides_[k] * to_[k];
      index[k] = 0;
    }
  }
}

}  // namespace graphrun::calculus
