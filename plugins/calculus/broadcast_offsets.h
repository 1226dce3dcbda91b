// Which element of an operand feeds each element of a broadcast shape (numpy rules), so that
// `ode` can gather a tile's initial values and coefficients from tensors of smaller shapes.
#pragma once

#include <graphrun/plugin.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace graphrun::calculus {

/// The numpy broadcast of two shapes, or nothing when they do not broadcast.
std::optional<plugin::Shape> broadcast_shapes(std::span<const int64_t> a, std::span<const int64_t> b);

/// Maps flat indices of shape `to` to flat indices of an operand of shape `from` broadcast
/// to it (`from` must broadcast to `to`).
class BroadcastOffsets {
 public:
  BroadcastOffsets(std::span<const int64_t> from, std::span<const int64_t> to);

  /// The operand has the target's shape: offset(i) == i.
  bool identity() const { return identity_; }

  /// The operand has one element: every offset is 0.
  bool single() const { return single_; }

  /// Writes the offsets of target elements [begin, begin + n) to out.
  void fill(int64_t begin, int64_t n, int64_t* out) const;

 private:
  plugin::Shape to_;
  std::vector<int64_t> strides_;  // per target axis: the operand's stride, 0 when broadcast
  bool identity_ = false, single_ = false;
};

}  // namespace graphrun::calculus
