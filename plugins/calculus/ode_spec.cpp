#include "ode_spec.h"

#include "broadcast_offsets.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace graphrun::calculus {
namespace {

using plugin::UserError;

constexpr const char* kTime = "t";

OdeMethod parse_method(const std::string& m) {
  static const std::map<std::string, OdeMethod> kMethods = {
      {"euler", OdeMethod::kEuler}, {"heun", OdeMethod::kHeun}, {"rk4", OdeMethod::kRk4},
      {"ab2", OdeMethod::kAb2},     {"ab3", OdeMethod::kAb3},   {"ab4", OdeMethod::kAb4},
      {"dopri5", OdeMethod::kDopri5}};
  return kMethods.at(m);
}

double finite_attr(const plugin::Node& node, const char* attr) {
  const double v = node.attr_float(attr);
  if (!std::isfinite(v)) throw UserError(std::string(attr) + " must be a finite number", attr);
  return v;
}

void read_time_grid(const plugin::Node& node, OdeSpec& spec) {
  spec.dt = finite_attr(node, "dt");
  if (spec.dt == 0) throw UserError("dt must be nonzero (the step of the time grid)", "dt");
  spec.t0 = finite_attr(node, "t0");
  spec.steps = node.attr_int("steps");
  if (spec.steps <= 0)
    throw UserError("steps must be at least 1, got " + std::to_string(spec.steps), "steps");
  spec.rtol = finite_attr(node, "rtol");
  spec.atol = finite_attr(node, "atol");
  if (spec.method == OdeMethod::kDopri5) {
    if (spec.rtol < 0) throw UserError("rtol must be >= 0", "rtol");
    if (spec.atol < 0) throw UserError("atol must be >= 0", "atol");
    if (spec.rtol == 0 && spec.atol == 0)
      throw UserError("rtol and atol cannot both be 0: no step would ever be accepted", "rtol");
  }
}

void read_states(const plugin::Node& node, OdeSpec& spec) {
  for (const auto& [state, formula] : node.attr_map("rhs")) {
    if (state == kTime)
      throw UserError("'t' is the time variable and cannot be a state; rename the state", "rhs");
    const int input = node.input_index(state);
    if (input < 0)
      throw UserError("state '" + state + "' has no initial value: connect one under in (in: {" +
                          state + ": ...})",
                      "rhs");
    spec.states.push_back(state);
    spec.formulas.push_back(formula);
    spec.state_inputs.push_back(input);
  }
  if (spec.states.empty()) throw UserError("rhs must give the derivative of at least one state", "rhs");
}

void read_ports(const plugin::Node& node, OdeSpec& spec) {
  std::vector<std::string> signals;
  if (node.has_attr("signals")) signals = node.attr_strings("signals");
  for (const auto& s : signals) {
    if (std::find(spec.states.begin(), spec.states.end(), s) != spec.states.end())
      throw UserError("'" + s + "' is a state, not a driving signal", "signals");
    if (!node.has_input(s))
      throw UserError("signal '" + s + "' is not an input port of the node (connect it under in)",
                      "signals");
  }
  for (int i = 0; i < node.num_inputs(); ++i) {
    const std::string name(node.input_name(i));
    if (std::find(spec.state_inputs.begin(), spec.state_inputs.end(), i) != spec.state_inputs.end())
      continue;
    if (name == kTime)
      throw UserError("port 't' would hide the time variable t; rename the port", name);
    spec.port_inputs.push_back(i);
    spec.ports.push_back(name);
    spec.port_is_signal.push_back(std::find(signals.begin(), signals.end(), name) != signals.end());
  }
}

// The element shape: states and coefficients broadcast, and signals without their time axis.
void read_shape(const plugin::Node& node, OdeSpec& spec) {
  plugin::Shape shape;
  std::string so_far = "()";
  auto merge = [&](std::span<const int64_t> s, const std::string& port, const std::string& what) {
    auto b = broadcast_shapes(shape, s);
    if (!b)
      throw UserError("port '" + port + "'" + what + " of shape " + plugin::shape_str(s) +
                          " does not broadcast with the shape " + so_far + " of the ports before it",
                      port);
    shape = *b;
    so_far = plugin::shape_str(shape);
  };
  for (int i : spec.state_inputs) merge(node.input(i).shape(), std::string(node.input_name(i)), "");
  for (size_t p = 0; p < spec.port_inputs.size(); ++p) {
    const plugin::Tensor in = node.input(spec.port_inputs[p]);
    const std::string name(node.input_name(spec.port_inputs[p]));
    if (!spec.port_is_signal[p]) {
      merge(in.shape(), name, "");
      continue;
    }
    if (in.rank() == 0 || in.dim(-1) < spec.steps)
      throw UserError("signal '" + name + "' must have a last axis of at least steps = " +
                          std::to_string(spec.steps) + " samples (one per step), got shape " +
                          plugin::shape_str(in.shape()),
                      name);
    merge(in.shape().first(static_cast<size_t>(in.rank() - 1)), name, " (without its last axis)");
  }
  spec.shape = shape;
}

}  // namespace

std::vector<std::string> OdeSpec::variables() const {
  std::vector<std::string> v = states;
  v.push_back(kTime);
  v.insert(v.end(), ports.begin(), ports.end());
  return v;
}

OdeSpec read_ode_spec(const plugin::Node& node) {
  OdeSpec spec;
  spec.method = parse_method(node.attr_string("method"));
  spec.trajectory = node.attr_string("save") == "trajectory";
  spec.fma = node.attr_bool("fma");
  read_states(node, spec);
  read_time_grid(node, spec);
  read_ports(node, spec);
  read_shape(node, spec);
  return spec;
}

gr_program* compile_rhs(const plugin::Node& node, const OdeSpec& spec) {
  const std::vector<std::string> names = spec.variables();
  std::vector<const char*> vars, formulas;
  for (const auto& n : names) vars.push_back(n.c_str());
  for (const auto& f : spec.formulas) formulas.push_back(f.c_str());
  gr_status status{};
  gr_program* program = node.host().program_compile(
      static_cast<int32_t>(formulas.size()), formulas.data(), static_cast<int32_t>(vars.size()),
      vars.data(), node.raw(), &status);
  if (program) return program;
  const std::string attr = status.attr;
  const size_t k = attr.rfind("formula:", 0) == 0 ? std::stoul(attr.substr(8)) : 0;
  // "rhs.<state>" points the error at that formula's line, column `offset` inside it.
  throw UserError("rhs of '" + spec.states[k] + "': " + status.message, "rhs." + spec.states[k], status.offset);
}

}  // namespace graphrun::calculus
