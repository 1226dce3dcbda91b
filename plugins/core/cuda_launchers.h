// The CUDA launchers of the core ops, one per <op>.cu, and how an op registers its CUDA
// kernel only when they are built.
//
// The launchers are weak declarations: in a build with CUDA (GRAPHRUN_CUDA) the .cu files
// define them; without it no .cu file is compiled, each name resolves to null, and
// if_built() leaves the op without a CUDA kernel. So an op's .cpp is the same in both
// builds and no #ifdef is needed. Each launcher queues its work on node.cuda_stream(),
// never synchronizes, and throws std::runtime_error naming the op when a launch fails.
// Pointers are device pointers; dtype is node.dtype().
#pragma once

#include "../common/cublas_gemm.h"  // relative: core's .cu files compile with -I plugins/core alone
#include "concat_placement.h"
#include "random_value.h"
#include "reduce_index.h"
#include "slice_geometry.h"
#include "source_formulas.h"
#include "strided_index.h"

#include <graphrun/plugin.hpp>

#include <cstdint>
#include <utility>

#define GRAPHRUN_CUDA_LAUNCHER __attribute__((weak, visibility("hidden")))

namespace graphrun::core {

/// `kernel` when `launcher` was built (a CUDA build), else no kernel.
template <typename Launcher>
plugin::KernelFn if_built(Launcher* launcher, plugin::KernelFn kernel) {
  return launcher != nullptr ? std::move(kernel) : plugin::KernelFn();
}

/// constant: out[i] = values[broadcast.offset(i)]; `values` (count of them, in the node's
/// dtype) is host memory that outlives the run (the node's prepared state).
void constant_cuda(const plugin::Node& node, const void* values, int64_t count,
                   const StridedIndex& broadcast, void* out, int64_t numel) GRAPHRUN_CUDA_LAUNCHER;
void linspace_cuda(const plugin::Node& node, const LinspaceFormula& f, void* out) GRAPHRUN_CUDA_LAUNCHER;
void arange_cuda(const plugin::Node& node, const ArangeFormula& f, void* out,
                 int64_t length) GRAPHRUN_CUDA_LAUNCHER;
void random_cuda(const plugin::Node& node, const RandomParams& p, void* out,
                 int64_t numel) GRAPHRUN_CUDA_LAUNCHER;
void slice_cuda(const plugin::Node& node, const SliceGeometry& g, const void* x, void* out,
                int64_t numel) GRAPHRUN_CUDA_LAUNCHER;
/// reshape: a device-to-device copy of `bytes`.
void reshape_cuda(const plugin::Node& node, const void* x, void* out, int64_t bytes) GRAPHRUN_CUDA_LAUNCHER;
/// transpose: out[i] = x[source.offset(i)].
void transpose_cuda(const plugin::Node& node, const StridedIndex& source, const void* x, void* out,
                    int64_t numel) GRAPHRUN_CUDA_LAUNCHER;
/// concat: one input of `numel` elements copied to its place in out.
void concat_cuda(const plugin::Node& node, const ConcatPlacement& place, const void* part,
                 int64_t numel, void* out) GRAPHRUN_CUDA_LAUNCHER;
/// sum, mean, max: `outputs` values of out, each over layout.count inputs (count 0: sum
/// gives 0 and mean NaN; max never gets an empty reduction).
void sum_cuda(const plugin::Node& node, const ReduceIndex& layout, const void* x, void* out,
              int64_t outputs) GRAPHRUN_CUDA_LAUNCHER;
void mean_cuda(const plugin::Node& node, const ReduceIndex& layout, const void* x, void* out,
               int64_t outputs) GRAPHRUN_CUDA_LAUNCHER;
void max_cuda(const plugin::Node& node, const ReduceIndex& layout, const void* x, void* out,
              int64_t outputs) GRAPHRUN_CUDA_LAUNCHER;

/// The batched product of plugins/common/cublas_gemm.h.
using common::GemmBatch;
/// matmul and linear: cuBLAS (common::cublas_gemm), one handle per device, strict f32/f64
/// arithmetic (no TF32).
void cublas_gemm(const plugin::Node& node, const GemmBatch& g, const void* a, const void* b,
                 void* c) GRAPHRUN_CUDA_LAUNCHER;
/// linear: every one of `rows` rows of y (out values each) set to bias.
void linear_bias_cuda(const plugin::Node& node, const void* bias, void* y, int64_t rows,
                      int64_t out) GRAPHRUN_CUDA_LAUNCHER;

}  // namespace graphrun::core
