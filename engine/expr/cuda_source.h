// The CUDA source of a fused elementwise group: a pure function of the compiled Program
// (its bytecode), the dtype and the shapes, so it is golden-tested without a GPU and the
// same group always gives the same text (NVRTC's cache key).
//
// The source is one `extern "C" __global__` kernel and starts with
//   #include <graphrun/cuda/elementwise_math.cuh>
// the per-element math shared with plugins and host tests. NVRTC receives that header by
// name (elementwise_math_header() gives its text, embedded at build time); nvcc compiles
// the printed source with -I<graphrun's include dir> (`nvcc -arch=sm_90 -c`).
#pragma once

#include "expr/expr.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace graphrun::expr {

/// The shapes of one evaluation: every output has out_shape; input v broadcasts to it by
/// numpy rules (a one-element input is read once as a scalar).
struct KernelLayout {
  std::vector<int64_t> out_shape;
  std::vector<std::vector<int64_t>> in_shapes;  // one per program variable
};

/// How to launch the generated kernel.
struct KernelLaunch {
  std::string kernel_name;              // "gr_ew_<16 hex digits of the source's hash>"
  std::vector<std::string> parameters;  // "in0", ..., "out0", ...: each a T* (const for inputs)
  int num_inputs = 0, num_outputs = 0;
  int block_size = 256;                 // threads per block (the kernel's __launch_bounds__)
  int64_t elements = 0;                 // elements of each output
  /// Elements one thread handles per step on the 128-bit path (4 for f32, 2 for f64), 1
  /// when the kernel has no such path (an input is broadcast along an axis).
  int vector_width = 1;

  /// Blocks to launch: enough for one step of every thread, capped at max_blocks (e.g.
  /// 32 per multiprocessor); the grid-stride loop covers the rest. 0 when there are no
  /// elements (launch nothing).
  int64_t grid_size(int64_t max_blocks) const;
};

/// A generated kernel: its source and launch description.
struct KernelSource {
  std::string source;
  KernelLaunch launch;
};

/// Generates the kernel of `program` (a Program::compile result) for dtype GR_F32 or GR_F64.
/// Throws std::invalid_argument when the layout does not fit the program or the shapes do
/// not broadcast.
KernelSource generate_cuda_kernel(const Program& program, gr_dtype dtype,
                                  const KernelLayout& layout);

/// One element of `program` as CUDA statements (gr_host::program_cuda, API 2.5): they read
/// `v[i]` (variable i) and assign `out[k]` (result k) in a type `T` the caller defines, one
/// `const T eK = ...;` per instruction with the fused kernels' snippets (the math header's
/// functions, spelled graphrun::ew::...). Constants are the program's doubles converted to
/// T. Throws std::invalid_argument for a program not made by Program::compile.
std::string program_cuda_source(const Program& program);

/// The name under which the generated source includes the math header.
inline constexpr std::string_view kElementwiseMathHeaderName = "graphrun/cuda/elementwise_math.cuh";

/// The text of graphrun/cuda/elementwise_math.cuh, embedded at build time (for NVRTC).
std::string_view elementwise_math_header();

}  // namespace graphrun::expr
