// Which input elements a reduction (sum, mean, max) combines into each output element.
#pragma once

#include "reduce_index.h"

#include <graphrun/plugin.hpp>

#include <cstdint>
#include <vector>

namespace graphrun::core {

/// A reduction as loops: output element o * inner + i combines the inputs at
/// kept_offset(o) + reduced_offset(r) + i for r in [0, count).
struct ReduceLayout {
  plugin::Shape out_shape;
  int64_t outer = 1;          // product of the kept runs before the trailing kept run
  int64_t inner = 1;          // the trailing kept run, contiguous in input and output (1 if none)
  int64_t count = 1;          // input elements combined into each output
  std::vector<AxisRun> kept;  // kept runs, the trailing one excluded
  std::vector<AxisRun> reduced;  // reduced runs

  /// Input offset of the first element that output row o combines.
  int64_t kept_offset(int64_t o) const { return run_offset(kept, o); }
  /// Input offset, relative to kept_offset, of the r-th combined element (or row).
  int64_t reduced_offset(int64_t r) const {
    if (reduced.size() == 1) return r * reduced[0].stride;
    return run_offset(reduced, r);
  }

  /// The same layout in fixed-size arrays, for a CUDA kernel.
  ReduceIndex index() const {
    ReduceIndex ix;
    ix.inner = inner;
    ix.count = count;
    ix.num_kept = static_cast<int64_t>(kept.size());
    ix.num_reduced = static_cast<int64_t>(reduced.size());
    for (size_t k = 0; k < kept.size(); ++k) ix.kept[k] = kept[k];
    for (size_t k = 0; k < reduced.size(); ++k) ix.reduced[k] = reduced[k];
    return ix;
  }

 private:
  static int64_t run_offset(const std::vector<AxisRun>& runs, int64_t index) {
    return core::run_offset(runs.data(), static_cast<int64_t>(runs.size()), index);
  }
};

/// The layout of a reduction node from port x and attributes axis (absent: every axis;
/// negative allowed) and keepdims; a UserError on an out-of-range or repeated axis.
ReduceLayout reduce_layout(const plugin::Node& node);

/// Declares the reduction's output (shape inference shared by sum, mean and max).
void infer_reduction(const plugin::Node& node, plugin::Outputs& outs);

/// The axis and keepdims attributes every reduction declares, added to `op`.
plugin::OpDef& reduction_attrs(plugin::OpDef& op);

}  // namespace graphrun::core
