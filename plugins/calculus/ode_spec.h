// What an `ode` node asks for, read from its attributes and ports and validated: the states
// and their right-hand sides, the other ports (coefficients or driving signals), the element
// shape every state integrates over, the method and the time grid.
#pragma once

#include <graphrun/plugin.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace graphrun::calculus {

/// Elements `ode` integrates together on the CPU (1024 f64): a tile's dozen state-sized
/// buffers stay in L2 for all the steps, and each call of the rhs program covers enough
/// elements to amortise it. Also how the CUDA kernel picks which failure to report, as the
/// CPU does (the lowest failing tile's).
template <typename T> constexpr int64_t kOdeTile = 8192 / sizeof(T);

/// The integration methods of `ode`.
enum class OdeMethod { kEuler, kHeun, kRk4, kAb2, kAb3, kAb4, kDopri5 };

/// A validated `ode` node.
struct OdeSpec {
  std::vector<std::string> states;    // the rhs keys, in order: also the output names
  std::vector<std::string> formulas;  // rhs of each state
  std::vector<int> state_inputs;      // input index of each state's initial value
  std::vector<int> port_inputs;       // input index of every other port, in input order
  std::vector<std::string> ports;     // their names
  std::vector<bool> port_is_signal;   // per other port: listed in `signals`
  plugin::Shape shape;                // the broadcast element shape of the states
  OdeMethod method = OdeMethod::kRk4;
  double dt = 0, t0 = 0, rtol = 0, atol = 0;
  int64_t steps = 0;
  bool trajectory = false;
  bool fma = false;  // stage sums as fused multiply-adds (not Boost.Odeint's bits)

  /// Variables of the rhs program, in this order: the states, t, the other ports.
  std::vector<std::string> variables() const;
};

/// Reads and checks the node: UserError naming the attribute or port at fault.
OdeSpec read_ode_spec(const plugin::Node& node);

/// Compiles every rhs into one program over OdeSpec::variables(); UserError about `rhs`
/// (naming the state and the column inside its formula) when a formula is invalid.
gr_program* compile_rhs(const plugin::Node& node, const OdeSpec& spec);

}  // namespace graphrun::calculus
