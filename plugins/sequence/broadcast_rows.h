// Where an operand broadcast against the rows of a sequence tensor lives: the rows are the
// leading axes of (..., L) flattened, and an operand of a smaller or size-1 shape repeats
// along the axes it lacks, as numpy broadcasting does. A plain value (at most GR_MAX_RANK
// axes) whose offset() the CPU and CUDA kernels share.
#pragma once

#include <graphrun/cuda/elementwise_math.cuh>  // GRAPHRUN_HD
#include <graphrun/plugin.hpp>

#include <cstdint>
#include <string>
#include <span>

namespace graphrun::sequence {

/// The element offset of each row of `dims` in an operand broadcast to `dims`.
class BroadcastRows {
 public:
  BroadcastRows() = default;
  /// Strides of `operand` laid over `dims` (right-aligned), each of its rows `inner`
  /// elements long; the caller has checked that it broadcasts (broadcasts_to).
  BroadcastRows(std::span<const int64_t> operand, std::span<const int64_t> dims, int64_t inner = 1)
      : rank_(static_cast<int>(dims.size())) {
    const size_t skip = dims.size() - operand.size();
    for (size_t i = 0; i < dims.size(); ++i) dims_[i] = dims[i];
    int64_t stride = inner;
    for (size_t i = operand.size(); i-- > 0;) {
      if (operand[i] != 1) strides_[skip + i] = stride;
      stride *= operand[i];
    }
  }
  /// Offset of row `row` (a flat index over dims).
  GRAPHRUN_HD int64_t offset(int64_t row) const {
    int64_t off = 0;
    for (int i = rank_; i-- > 0;) {
      off += (row % dims_[i]) * strides_[i];
      row /= dims_[i];
    }
    return off;
  }

 private:
  int rank_ = 0;
  int64_t dims_[GR_MAX_RANK] = {}, strides_[GR_MAX_RANK] = {};
};

/// The rows of a sequence tensor (..., L): its shape without the last (time) axis.
inline plugin::Shape rows_shape(const plugin::Tensor& t) {
  plugin::Shape s = t.shape_vec();
  s.pop_back();
  return s;
}

/// Whether `operand` broadcasts to exactly `dims` (numpy rules, without growing dims).
inline bool broadcasts_to(std::span<const int64_t> operand, std::span<const int64_t> dims) {
  if (operand.size() > dims.size()) return false;
  const size_t skip = dims.size() - operand.size();
  for (size_t i = 0; i < operand.size(); ++i)
    if (operand[i] != 1 && operand[i] != dims[skip + i]) return false;
  return true;
}

}  // namespace graphrun::sequence
