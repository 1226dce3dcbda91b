// ssm: a diagonal continuous state space model per channel, discretized (zoh, bilinear,
// euler) and run as a recurrence or as a causal convolution with its kernel, compiled for
// every SIMD target.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sequence/ssm.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include <cstring>
#include <span>
#include <vector>

#include "sequence/cuda_launchers.h"
#include "sequence/lane_block.h"
#include "sequence/port_checks.h"
#include "sequence/sequence_ops.h"
#include "sequence/ssm_convolution-inl.h"
#include "sequence/ssm_recurrent-inl.h"

#if HWY_ONCE
namespace graphrun::sequence {
namespace {

using plugin::Node;
using plugin::UserError;

void infer(const Node& node, plugin::Outputs& outs) {
  expect_rank(node, "u", 3, "(batch, D, L)");
  const plugin::Tensor u = node.input("u"), a = node.input("A");
  const int64_t channels = u.dim(1);
  if (a.rank() != 2 || a.dim(0) != channels)
    throw UserError("port 'A': expected (D, N) with D = " + std::to_string(channels) + " from " +
                        from_port(node, "u") + ", got shape " + plugin::shape_str(a.shape()),
                    "A");
  const int64_t states = a.dim(1);
  const std::string dn = "(D, N) with D from " + from_port(node, "u") + " and N from " +
                         from_port(node, "A");
  expect_shape(node, "B", {channels, states}, dn);
  expect_shape(node, "C", {channels, states}, dn);
  for (const char* port : {"Dskip", "dt"})
    if (node.has_input(port))
      expect_shape(node, port, {channels}, "(D,) with D from " + from_port(node, "u"));
  if (!node.has_input("dt") && !node.has_attr("dt"))
    throw UserError("ssm needs a step: give attribute 'dt' or connect port 'dt'", "dt");
  if (!node.has_input("dt") && !std::isfinite(node.attr_float("dt")))
    throw UserError("dt must be a finite number", "dt");
  outs.add({u.dim(0), channels, u.dim(2)}, "y");
  outs.add({u.dim(0), channels, states}, "final");
}

/// mode auto: the mode with the smaller estimate, counted in vector operations of one lane
/// block (the same estimate on every CPU, so the same mode and bits) and weighted as they
/// measured on an AVX-512 core. The recurrence does ~3 per step and state
/// vector plus ~8 per step (lane sum, skip term). The convolution makes K and final from
/// the powers of Ā in double (3 + 2·batch per power vector, each worth ~2 float ones) and then
/// convolves each row (directly, L²/2 multiply-adds, or by three FFTs). As final needs work
/// of the recurrence's order in both modes, the recurrence wins for almost every shape here.
bool choose_convolution(const Node& node, int64_t batch, int64_t channels, int64_t states,
                        int64_t length, int width) {
  const std::string mode = node.attr_string("mode");
  if (mode != "auto") return mode == "convolution";
  const double rows = static_cast<double>(batch * channels), steps = static_cast<double>(length);
  const double vectors = static_cast<double>((states + width - 1) / width);
  const double double_vectors = static_cast<double>((2 * states + width - 1) / width);
  const double recurrent = rows * steps * (3.0 * vectors + 8.0);
  double per_row;
  if (convolve_by_fft(length)) {
    const double size = static_cast<double>(fft::fast_fft_size(2 * length - 1));
    per_row = 3.0 * size * std::log2(size) / width * 4.0;
  } else {
    per_row = steps * (steps + 1.0) / 2.0 / width * 2.0;
  }
  const double kernel = static_cast<double>(channels) * steps * double_vectors * (3.0 + 2.0 * batch) * 2.0;
  return kernel + rows * per_row < recurrent;
}

}  // namespace
}  // namespace graphrun::sequence
#endif  // HWY_ONCE

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {

/// Runs the discretized problem in the mode chosen (mode auto decided by choose_convolution).
void run_ssm_f32(const plugin::Node& node, const SsmProblem<float>& p, bool convolution) {
  if (convolution) ssm_convolution(node, p);
  else ssm_recurrent(node, p);
}
void run_ssm_f64(const plugin::Node& node, const SsmProblem<double>& p, bool convolution) {
  if (convolution) ssm_convolution(node, p);
  else ssm_recurrent(node, p);
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace graphrun::sequence {
namespace {

HWY_EXPORT(run_ssm_f32);
HWY_EXPORT(run_ssm_f64);

// The time axis split over MPI ranks (docs/distributed.md), in recurrent mode whatever `mode`
// says: a first pass from a zero state gives the block's final state F (its y is dropped),
// Ā to the block's length gives its decay P; the ranks trade (F, P), each composes the maps
// of the ranks before it (h ← P ⊙ h + F) and runs its block from there; the last rank's final
// state is everyone's. Two passes: within rounding of one process, and no faster than it on
// two ranks (sharding the batch is).
template <typename T, typename Recurrent>
void ssm_over_ranks(const Node& node, Node::ScanShare share, SsmProblem<T> p, const Recurrent& recurrent) {
  const size_t cells = static_cast<size_t>(p.batch * p.channels * p.states), coefs = static_cast<size_t>(p.channels * p.states);
  std::vector<T> map(cells + coefs), dropped(static_cast<size_t>(p.batch * p.channels * p.length));
  SsmProblem<T> first = p;
  first.y = dropped.data();
  first.final = map.data();
  recurrent(first);
  for (size_t k = 0; k < coefs; ++k) {
    T power = T(1), base = static_cast<T>(p.sys->a_bar[k]);
    for (int64_t e = p.length; e > 0; e >>= 1, base = base * base)
      if (e & 1) power = power * base;
    map[cells + k] = power;
  }
  const Node::ScanCarries carries = node.scan_exchange(std::as_bytes(std::span(map)));
  std::vector<T> h(cells, T(0)), theirs(cells + coefs);
  for (int q = 0; q < share.rank; ++q) {
    std::memcpy(theirs.data(), carries.of(q).data(), theirs.size() * sizeof(T));
    for (size_t i = 0; i < cells; ++i) h[i] = theirs[cells + i % coefs] * h[i] + theirs[i];
  }
  p.h_in = h.data();
  recurrent(p);
  const bool last = share.rank + 1 == share.ranks;
  const Node::ScanCarries finals = node.scan_exchange(std::as_bytes(std::span<const T>(p.final, last ? cells : 0)));
  std::memcpy(p.final, finals.of(share.ranks - 1).data(), cells * sizeof(T));
}

void run(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor u = node.input("u"), dt = node.input("dt");
  const Discretization method = discretization_named(node.attr_string("discretization"));
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    auto dt_of = [&](int64_t d) {
      return dt.valid() ? static_cast<double>(dt.data<T>()[d]) : node.attr_float("dt");
    };
    const DiscreteSsm sys =
        discretize_all<T>(method, node.input("A"), node.input("B"), node.input("C"), dt_of);
    const plugin::Tensor dskip = node.input("Dskip");
    const SsmProblem<T> p{u.dim(0), u.dim(1), sys.states, u.dim(2), u.data<T>(),
                          dskip.valid() ? dskip.data<T>() : nullptr, &sys, outs[0].data<T>(),
                          outs[1].data<T>()};
    auto solve = [&](const SsmProblem<T>& problem, bool convolution) {
      if constexpr (sizeof(T) == sizeof(float)) HWY_DYNAMIC_DISPATCH(run_ssm_f32)(node, problem, convolution);
      else HWY_DYNAMIC_DISPATCH(run_ssm_f64)(node, problem, convolution);
    };
    if (const Node::ScanShare share = node.scan_share(); share.ranks > 1) {
      ssm_over_ranks<T>(node, share, p, [&](const SsmProblem<T>& problem) { solve(problem, false); });
      return;
    }
    solve(p, choose_convolution(node, p.batch, p.channels, p.states, p.length, static_cast<int>(kBlockLanes<T>)));
  });
}

/// On the device in the mode the CPU would run (ssm.cu: the recurrence; ssm_convolution.cu: K
/// and the convolution through cuFFT).
void run_cuda(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor u = node.input("u"), dt = node.input("dt"), dskip = node.input("Dskip");
  const int64_t states = node.input("A").dim(1);
  const int width = static_cast<int>(node.dtype() == GR_F64 ? kBlockLanes<double> : kBlockLanes<float>);
  const SsmArgs args{u.dim(0), u.dim(1), states, u.dim(2), u.data<void>(),
                     node.input("A").data<void>(), node.input("B").data<void>(), node.input("C").data<void>(),
                     dskip.valid() ? dskip.data<void>() : nullptr, dt.valid() ? dt.data<void>() : nullptr,
                     dt.valid() ? 0.0 : node.attr_float("dt"),
                     discretization_named(node.attr_string("discretization")),
                     choose_convolution(node, u.dim(0), u.dim(1), states, u.dim(2), width), outs[0].data<void>(),
                     outs[1].data<void>()};
  ssm_cuda(node, args);
}

}  // namespace

plugin::OpDef ssm_op() {
  return plugin::OpDef(
             "ssm",
             "Diagonal continuous SSM per channel, x' = A x + B u, y = C x + Dskip·u, "
             "discretized with step dt: zoh Ā = exp(dt·A), B̄ = (Ā − 1)/A·B; bilinear "
             "Ā = (1 + dt·A/2)/(1 − dt·A/2), B̄ = dt·B/(1 − dt·A/2); euler Ā = 1 + dt·A, "
             "B̄ = dt·B. Runs as the recurrence h_t = Ā h_{t-1} + B̄ u_t, y_t = Σ_n C h_t + "
             "Dskip·u_t, or as the causal convolution of u with K[d, l] = Σ_n C Āˡ B̄ (FFT for "
             "long L: FFTW, cuFFT on a GPU); both agree to float rounding.")
      .input("u", "the input (batch, D, L)")
      .input("A", "the diagonal state matrices (D, N), real")
      .input("B", "the input vectors (D, N)")
      .input("C", "the output vectors (D, N)")
      .input("Dskip", "the skip term (D,)", true)
      .input("dt", "the step per channel (D,); replaces attribute dt", true)
      .output("y", "the output (batch, D, L)")
      .output("final", "the state after the last step (batch, D, N), in both modes")
      .attr_optional("dt", GR_ATTR_FLOAT, "the step, for every channel (when port dt is absent)")
      .attr_choice("discretization", "zoh", "zoh|bilinear|euler", "how A and B are discretized")
      .attr_choice("mode", "auto", "recurrent|convolution|auto",
                   "recurrent: step the states; convolution: build K and convolve (direct or "
                   "FFT by length, on a GPU as on the CPU); auto: whichever costs fewer operations "
                   "for the shapes (the CPU's estimate, on either device)")
      .supports_epilogue()
      .scans_blocks()
      .infer(infer)
      .cpu(run)
      .cuda(if_built(ssm_cuda, run_cuda));
}

}  // namespace graphrun::sequence
#endif  // HWY_ONCE
