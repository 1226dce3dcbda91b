// ode: x' = f(t, x, ...) for one or more states, every element integrated on its own, tile by
// tile: a tile's states stay in small buffers for all the steps, and the right-hand sides are
// one program of the engine's expression language, run inside whole steps compiled to native
// code (native_stepper.h) or, when that cannot be had, stage by stage by the interpreter.
#include "calculus_ops.h"
#include "dopri5.h"
#include "fixed_step.h"
#include "native_stepper.h"
#include "ode_spec.h"
#include "rhs_evaluator.h"
#include "broadcast_offsets.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace graphrun::calculus {
namespace {

using plugin::Node;

template <typename T> constexpr int64_t kTile = kOdeTile<T>;

void infer(const Node& node, plugin::Outputs& outs) {
  const OdeSpec spec = read_ode_spec(node);
  node.host().program_free(compile_rhs(node, spec));
  plugin::Shape shape = spec.shape;
  if (spec.trajectory) shape.push_back(spec.steps + 1);
  for (const auto& state : spec.states) outs.add(shape, state);
}

/// What prepare builds once per node: the compiled right-hand sides.
struct CompiledRhs {
  const gr_host* host;
  gr_program* program;
};

/// The first error thrown by any tile (the lowest tile wins, so the message does not depend
/// on the thread count); errors never leave a parallel_for body.
class FirstError {
 public:
  void record(int64_t tile, const std::exception& e) {
    std::lock_guard lock(mutex_);
    if (tile < tile_) {
      tile_ = tile;
      message_ = e.what();
    }
  }
  void rethrow() const {
    if (!message_.empty()) throw std::runtime_error(message_);
  }

 private:
  std::mutex mutex_;
  int64_t tile_ = INT64_MAX;
  std::string message_;
};

template <typename T>
void integrate_tile(const Node& node, const OdeSpec& spec, const gr_program* program, void* native_step,
                    void* native_run, std::span<plugin::OutTensor> outs, int64_t begin, int64_t n) {
  const int num_states = static_cast<int>(spec.states.size());
  std::vector<T> x(static_cast<size_t>(num_states * n));
  std::vector<int64_t> offsets(static_cast<size_t>(n));
  for (int s = 0; s < num_states; ++s) {
    const plugin::Tensor init = node.input(spec.state_inputs[static_cast<size_t>(s)]);
    BroadcastOffsets(init.shape(), spec.shape).fill(begin, n, offsets.data());
    for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(s * n + i)] = init.data<T>()[offsets[static_cast<size_t>(i)]];
  }
  const int64_t samples = spec.steps + 1;
  auto record = [&](int64_t k) {
    if (!spec.trajectory) return;
    for (int s = 0; s < num_states; ++s) {
      T* out = outs[static_cast<size_t>(s)].data<T>() + begin * samples + k;
      const T* from = x.data() + s * n;
      for (int64_t i = 0; i < n; ++i) out[i * samples] = from[i];
    }
  };
  record(0);
  RhsEvaluator<T> rhs(node, spec, program, begin, n);
  if (spec.method == OdeMethod::kDopri5)
    integrate_dopri5<T>(spec, rhs, x.data(), n, begin, record, native_step);
  else
    integrate_fixed_steps<T>(spec, rhs, x.data(), n, record, native_step, native_run);
  if (spec.trajectory) {
    node.apply_epilogue(outs[0].data<T>() + begin * samples, n * samples);
    return;
  }
  for (int s = 0; s < num_states; ++s)
    std::memcpy(outs[static_cast<size_t>(s)].data<T>() + begin, x.data() + s * n, static_cast<size_t>(n) * sizeof(T));
  node.apply_epilogue(outs[0].data<T>() + begin, n);
}

void kernel(const Node& node, std::span<plugin::OutTensor> outs) {
  const OdeSpec spec = read_ode_spec(node);
  const gr_program* program = static_cast<const CompiledRhs*>(node.state())->program;
  const int64_t elements = plugin::numel(spec.shape);
  // Compiled once per process (then a lookup); nullptr keeps the interpreted stages.
  const std::vector<bool> single_ports = single_value_ports(node, spec);
  // native.run: fixed steps saving only the final state, without signals, in one native call.
  const NativeOde native = compile_native(node, spec, program, single_ports);
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    FirstError error;
    node.parallel_for(elements, kTile<T>, [&](int64_t b, int64_t e) {
      try {
        integrate_tile<T>(node, spec, program, native.step, native.run, outs, b, e - b);
      } catch (const std::exception& ex) {
        error.record(b, ex);
      }
    });
    error.rethrow();
  });
}

}  // namespace

plugin::OpDef ode_op() {
  plugin::OpDef op(
      "ode",
      "Solves x' = f(t, x, ...) for one or more states, each a tensor whose elements integrate "
      "independently and in parallel. Ports: one per state (its initial value); any other port "
      "is a coefficient broadcast against the states, or, when listed in `signals`, a driving "
      "signal whose last axis is the step index (sample k holds for the whole step k). "
      "Outputs: one per state, named after it (`node` alone is the first state). euler is x <- "
      "x + dt*f(t, x) in the graph's dtype; heun, rk4 and ab2-ab4 follow Boost.Odeint's "
      "explicit_generic_rk, runge_kutta4 and adams_bashforth (started by rk4) operation for "
      "operation, on the grid t_k = t0 + k*dt. dopri5 is Boost.Odeint's controlled "
      "runge_kutta_dopri5 under integrate_const, each element with its own step size carried from "
      "one grid interval to the next and its derivative evaluated afresh at every grid point, as "
      "odeint does; an element that needs 500 rejected attempts in a row, 100000 attempts between "
      "two grid points, or a step too small to advance t is a runtime error. Each method's whole step "
      "(dopri5: each grid interval, step size control included) runs as native code compiled at "
      "run time when the formulas use only arithmetic, comparisons, where, clip, minimum, maximum, "
      "abs, sqrt, square, sign and rounding, else stage by stage through the expression "
      "interpreter; both give the same bits (no FMA contraction; docs/performance.md).");
  op.variadic_inputs()
      .dynamic_outputs()
      .output("out", "one output per state, named after it: its value after `steps` steps, "
                     "or (save: trajectory) all steps+1 values on a new last axis")
      .attr("rhs", GR_ATTR_STRING_MAP,
            "map state -> formula of its derivative over the states, t, the other ports and "
            "params, e.g. {x: \"lambda * x\"}")
      .attr_optional("signals", GR_ATTR_STRING_LIST,
                     "ports that are driving signals (last axis: one sample per step)")
      .attr_choice("method", "rk4", "euler|heun|rk4|ab2|ab3|ab4|dopri5", "the integration method")
      .attr("dt", GR_ATTR_FLOAT, "the time step (dopri5: the spacing of the results)")
      .attr("steps", GR_ATTR_INT, "number of steps (>= 1)")
      .attr("t0", 0.0, "time of the initial values")
      .attr_choice("save", "final", "final|trajectory",
                   "final: the states after the last step; trajectory: all steps+1 values")
      .attr_bool("fma", false,
                 "true: each stage's sum x + c1*k1 + c2*k2 + ... as fused multiply-adds (one rounding "
                 "per term): faster where the CPU has FMA, no longer Boost.Odeint's bits (f64 rk4 "
                 "logistic, 100 steps: within 2e-15 relative of the default; docs/performance.md)")
      .attr("rtol", 1e-6, "dopri5: relative tolerance")
      .attr("atol", 1e-6, "dopri5: absolute tolerance")
      .supports_epilogue()
      .infer(infer)
      .prepare(
          [](const Node& node) -> void* {
            return new CompiledRhs{&node.host(), compile_rhs(node, read_ode_spec(node))};
          },
          [](void* state) {
            auto* compiled = static_cast<CompiledRhs*>(state);
            compiled->host->program_free(compiled->program);
            delete compiled;
          })
      .cpu(kernel)
      .cuda(ode_cuda ? plugin::KernelFn([](const Node& node, std::span<plugin::OutTensor> outs) {
        ode_cuda(node, static_cast<const CompiledRhs*>(node.state())->program, outs);
      })
                     : plugin::KernelFn());
  return op;
}

}  // namespace graphrun::calculus
