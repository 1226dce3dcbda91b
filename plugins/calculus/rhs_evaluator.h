// The right-hand sides of an `ode` node evaluated over one tile of elements: binds the
// compiled program's variables (states, t, coefficient and signal ports) to the tile's values.
#pragma once

#include "ode_spec.h"

#include <graphrun/plugin.hpp>

#include <cstdint>
#include <vector>

namespace graphrun::calculus {

/// Evaluates every state's derivative for elements of one tile [begin, begin + n) of the
/// element shape. Coefficients are gathered once per tile, signals once per step.
template <typename T> class RhsEvaluator {
 public:
  RhsEvaluator(const plugin::Node& node, const OdeSpec& spec, const gr_program* program,
               int64_t begin, int64_t n);

  /// Signals take their values of step k (held for the whole step).
  void load_step(int64_t k);

  /// Later evaluations cover these m tile elements, in this order (adaptive steps evaluate
  /// only the elements still moving); select_all() restores the whole tile.
  void select(const int32_t* elements, int64_t m);
  void select_all();

  /// derivs[s][i] = rhs of state s at states[.][i] and time t (t[i] when t_per_element,
  /// else t[0]), for the m currently selected elements.
  void eval(int64_t m, const T* const* states, const T* t, bool t_per_element, T* const* derivs);

  /// Each port's values for the selected elements (one value for a single-value port), as
  /// eval binds them: what native code reads instead of calling eval.
  const T* const* port_values();

 private:
  /// Where a port's values for the tile come from.
  struct Port {
    const T* data = nullptr;       // the input tensor
    bool single = false;           // one value for every element (a scalar var)
    bool signal = false;
    int64_t length = 1;            // signals: samples along the last axis
    std::vector<int64_t> offsets;  // per tile element: its flat offset (gathered ports)
    std::vector<T> tile;           // the tile's values (when not read in place)
    const T* values = nullptr;     // the tile's values, or the single value
    std::vector<T> selected;       // values of the selected elements
  };

  void bind_selection();

  const gr_host& host_;
  const gr_program* program_;
  int32_t dtype_;
  int num_states_;
  int64_t n_;
  std::vector<Port> ports_;
  std::vector<int32_t> selection_;  // empty: the whole tile
  std::vector<const void*> vars_;
  std::vector<int32_t> is_scalar_;
  std::vector<const T*> port_values_;
};

/// Per port of the node: whether it has one value for every element (a scalar broadcast).
std::vector<bool> single_value_ports(const plugin::Node& node, const OdeSpec& spec);

}  // namespace graphrun::calculus
