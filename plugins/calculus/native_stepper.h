// Whole steps of `ode` compiled to native code: the method's stages and their combination
// written out as one loop over a tile's elements with the right-hand side inlined, so that
// a step's values stay in registers (dopri5: a whole grid interval, step-size control
// included, elements in lanes). The source is C++ generated here around the host's
// C++ text of the rhs program (gr_host::program_cpp) and compiled by the host
// (gr_host::native_function: system compiler, disk cache). The arithmetic is the
// interpreted path's, operation for operation and without FMA contraction, so both give
// the same bits; when native code cannot be had the caller keeps the interpreted path.
#pragma once

#include "ode_spec.h"

#include <graphrun/plugin.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace graphrun::calculus {

/// One fixed step over n elements: x (one array per state) advanced in place from time t.
/// hist: Adams-Bashforth derivative arrays (num_states * n each, state s at [s * n + i]),
/// newest first; the step writes f(t, x) into hist[0]. ports: each port's values (one value
/// when it is a single-value port). c: step_coefficients(). mode: for ab2-ab4, 0 = a rk4
/// start-up step, 1 = the Adams-Bashforth step.
template <typename T>
using NativeStepFn = void (*)(int64_t n, T* const* x, T* const* hist, const T* const* ports, T t,
                              const T* c, int32_t mode);

/// Every step of euler or Adams-Bashforth over the n elements of a tile: x (one array
/// per state) advanced in place; ports and c as NativeStepFn's; times[k] the time of grid
/// point k (grid_time), k < steps. For runs that save only the final state and read no
/// signal: no step in between is seen. The same bits as `steps` calls of the NativeStepFn.
template <typename T>
using NativeRunFn = void (*)(int64_t n, T* const* x, const T* const* ports, const T* c, const T* times,
                             int64_t steps);
/// Elements a NativeRunFn advances side by side (f64; twice as many f32): 16 vectors of 8 f64,
/// enough independent chains per step (measured: 0.83x the time of 32 on euler).
inline constexpr int kRunLanes = 128;

/// One grid interval of dopri5 (integrate_adaptive from start to end with the controlled
/// stepper, dopri5.cpp's Dopri5Tile::interval) for all n elements of a tile, each element on
/// its own: x (state by state, stride n), hh (each element's step size) and rejected (its
/// rejected attempts in a row) in and out; ports as NativeStepFn's; c: the Dormand-Prince
/// tableau (kDopri5Coefficients values, in dopri5.cpp's Tableau order) then 5^-5. Returns the
/// number of elements that failed; failure[e] says why (0 none, 1 the step no longer advances
/// t, 2 too many attempts, 3 too many rejections in a row), with x, hh and tt (its t) as they
/// were when it stopped.
template <typename T>
using NativeDopri5Fn = int64_t (*)(int64_t n, T* x, T* hh, int32_t* rejected, T* tt, int32_t* failure,
                                   const T* const* ports, const T* c, T start, T end, T rtol, T atol);
/// Elements the generated dopri5 advances side by side (f64; twice as many f32): enough
/// 64-byte vectors of them to hide the stages' latency. Whole vectors of 8 f64, and at most
/// 64 f32 lanes (one bit each in a 64-bit mask).
inline constexpr int kDopri5Lanes = 32;
static_assert(kDopri5Lanes % 8 == 0 && 2 * kDopri5Lanes <= 64);
inline constexpr int kDopri5Coefficients = 30;

/// The coefficients a generated step reads, computed in T exactly as the interpreted
/// Stepper computes them (fixed_step.cpp).
template <typename T> std::vector<T> step_coefficients(const OdeSpec& spec);

/// The C++ source of the node's fixed step (a pure function of its arguments, so that the
/// same node always gives the same text: the cache key), or "" when the rhs has no exact
/// C++ form. single_ports[p]: port p has one value for every element.
std::string native_step_source(const OdeSpec& spec, int32_t dtype, const std::string& rhs_cpp,
                               const std::vector<bool>& single_ports);

/// The C++ source of the node's dopri5 grid interval (NativeDopri5Fn), or "" as
/// native_step_source.
std::string native_dopri5_source(const OdeSpec& spec, int32_t dtype, const std::string& rhs_cpp,
                                 const std::vector<bool>& single_ports);

/// The node's compiled code: `step` a NativeStepFn (a NativeDopri5Fn for dopri5), and `run`
/// its NativeRunFn (from the same image) where it has one; nullptr when native code is
/// unavailable (a host before API 2.3, no compiler, GRAPHRUN_CXX=none, an rhs with a
/// transcendental function), and `run` for another method, a trajectory or a signal port.
struct NativeOde {
  void* step = nullptr;
  void* run = nullptr;
};
NativeOde compile_native(const plugin::Node& node, const OdeSpec& spec, const gr_program* program,
                         const std::vector<bool>& single_ports);

// ---- The CUDA kernel of `ode` (gr_host API 2.5: program_cuda, cuda_function, cuda_launch) --
//
// One generated source per node: every step of every element in one kernel launch, one
// thread per element (grid-stride), the element's states, stage values and history in
// registers, the rhs program's CUDA text (gr_host::program_cuda) inlined. The statements of a
// step are the native CPU step's (StepWriter, dopri5_attempt), so the operation order is the
// CPU's; the exact operations give its bits (the kernels compile with --fmad=false).
// dopri5 runs Dopri5Tile's step size control per element; an element that fails leaves a
// record in scratch (OdeCudaScratch), and a report kernel picks the failure the CPU reports
// (the lowest failing tile of kOdeTile elements, its first failing interval, its lowest
// element there), which the host checks after its next synchronization (cuda_check).

/// Threads per block of the ode kernel.
inline constexpr int kOdeCudaBlock = 128;
/// Coefficients the kernel's Args carries (step_coefficients, or the dopri5 tableau and 5^-5).
inline constexpr int kOdeCudaCoefficients = 32;
/// The kernels of the source: the integration, and for dopri5 the scratch's initialisation
/// and the failure report (one thread).
inline constexpr const char* kOdeCudaKernel = "graphrun_ode";
inline constexpr const char* kOdeCudaInit = "graphrun_ode_init";
inline constexpr const char* kOdeCudaReport = "graphrun_ode_report";

/// Byte offsets in the dopri5 kernel's scratch (bytes == 0 for the fixed-step methods):
/// 8 bytes of the first failing tile, 8 per tile of its first failure, the report (8 bytes of
/// element or -1, 8 of failure code, then T h, t and the states), then per element h, t,
/// the states (state-major) and an int32 code.
struct OdeCudaScratch {
  int64_t tile = 0, tiles = 0;  // elements per tile (the CPU's), and how many
  int64_t report = 0, report_bytes = 0, h = 0, t = 0, x = 0, code = 0, bytes = 0;
};
OdeCudaScratch ode_cuda_scratch(const OdeSpec& spec, int32_t dtype);

/// The CUDA source of the node's kernels: input_shapes[i] is input i's shape (broadcasting
/// and the signals' lengths are baked in), rhs_cuda the program's gr_host::program_cuda text.
std::string ode_cuda_source(const OdeSpec& spec, int32_t dtype, const std::string& rhs_cuda,
                            const std::vector<std::vector<int64_t>>& input_shapes,
                            const std::vector<bool>& single_ports);

/// The bytes of the kernels' one parameter (struct Args of the source): the inputs' data
/// (by input index), the outputs' (one per state), the scratch, the coefficients, t0, dt,
/// rtol, atol as T, and steps.
template <typename T>
std::vector<std::byte> ode_cuda_args(const OdeSpec& spec, const std::vector<const void*>& inputs,
                                     const std::vector<void*>& outputs, void* scratch);

/// The CUDA kernel of `ode` (ode.cu; API 2.5): program is the node's compiled rhs. A weak,
/// hidden declaration: only a build with CUDA defines it (null otherwise, and `ode` has no
/// CUDA kernel), as the core ops' launchers (plugins/core/cuda_launchers.h).
void ode_cuda(const plugin::Node& node, const gr_program* program, std::span<plugin::OutTensor> outs)
    __attribute__((weak, visibility("hidden")));

}  // namespace graphrun::calculus
