#include "rhs_evaluator.h"

#include "broadcast_offsets.h"

namespace graphrun::calculus {

template <typename T>
RhsEvaluator<T>::RhsEvaluator(const plugin::Node& node, const OdeSpec& spec, const gr_program* program,
                              int64_t begin, int64_t n)
    : host_(node.host()),
      program_(program),
      dtype_(node.dtype()),
      num_states_(static_cast<int>(spec.states.size())),
      n_(n),
      ports_(spec.port_inputs.size()) {
  const size_t num_vars = spec.states.size() + 1 + spec.port_inputs.size();
  vars_.assign(num_vars, nullptr);
  is_scalar_.assign(num_vars, 0);
  for (size_t p = 0; p < ports_.size(); ++p) {
    Port& port = ports_[p];
    const plugin::Tensor in = node.input(spec.port_inputs[p]);
    port.data = in.data<T>();
    port.signal = spec.port_is_signal[p];
    std::span<const int64_t> shape = in.shape();
    if (port.signal) {
      port.length = in.dim(-1);
      shape = shape.first(shape.size() - 1);
    }
    const BroadcastOffsets map(shape, spec.shape);
    port.single = map.single();
    if (port.single) {
      port.values = port.data;
    } else if (map.identity() && !port.signal) {
      port.values = port.data + begin;
    } else {
      port.offsets.resize(static_cast<size_t>(n));
      map.fill(begin, n, port.offsets.data());
      port.tile.resize(static_cast<size_t>(n));
      if (!port.signal)
        for (int64_t i = 0; i < n; ++i) port.tile[static_cast<size_t>(i)] = port.data[port.offsets[static_cast<size_t>(i)]];
      port.values = port.tile.data();
    }
  }
  bind_selection();
}

template <typename T> void RhsEvaluator<T>::load_step(int64_t k) {
  for (Port& port : ports_) {
    if (!port.signal) continue;
    if (port.single) {
      port.values = port.data + k;
      continue;
    }
    for (int64_t i = 0; i < n_; ++i)
      port.tile[static_cast<size_t>(i)] = port.data[port.offsets[static_cast<size_t>(i)] * port.length + k];
  }
  bind_selection();
}

template <typename T> void RhsEvaluator<T>::select(const int32_t* elements, int64_t m) {
  selection_.assign(elements, elements + m);
  bind_selection();
}

template <typename T> void RhsEvaluator<T>::select_all() {
  selection_.clear();
  bind_selection();
}

template <typename T> void RhsEvaluator<T>::bind_selection() {
  const size_t first_port = static_cast<size_t>(num_states_) + 1;
  for (size_t p = 0; p < ports_.size(); ++p) {
    Port& port = ports_[p];
    is_scalar_[first_port + p] = port.single;
    const T* values = port.values;
    if (!port.single && !selection_.empty()) {
      port.selected.resize(selection_.size());
      for (size_t j = 0; j < selection_.size(); ++j) port.selected[j] = port.values[selection_[j]];
      values = port.selected.data();
    }
    vars_[first_port + p] = values;
  }
}

template <typename T>
void RhsEvaluator<T>::eval(int64_t m, const T* const* states, const T* t, bool t_per_element,
                           T* const* derivs) {
  for (int s = 0; s < num_states_; ++s) vars_[static_cast<size_t>(s)] = states[s];
  vars_[static_cast<size_t>(num_states_)] = t;
  is_scalar_[static_cast<size_t>(num_states_)] = t_per_element ? 0 : 1;
  host_.program_eval(program_, dtype_, m, vars_.data(), is_scalar_.data(),
                     reinterpret_cast<void* const*>(derivs));
}

template <typename T> const T* const* RhsEvaluator<T>::port_values() {
  const size_t first_port = static_cast<size_t>(num_states_) + 1;
  port_values_.resize(ports_.size());
  for (size_t p = 0; p < ports_.size(); ++p) port_values_[p] = static_cast<const T*>(vars_[first_port + p]);
  return port_values_.data();
}

std::vector<bool> single_value_ports(const plugin::Node& node, const OdeSpec& spec) {
  std::vector<bool> single;
  for (size_t p = 0; p < spec.port_inputs.size(); ++p) {
    const plugin::Tensor in = node.input(spec.port_inputs[p]);
    std::span<const int64_t> shape = in.shape();
    if (spec.port_is_signal[p]) shape = shape.first(shape.size() - 1);
    single.push_back(BroadcastOffsets(shape, spec.shape).single());
  }
  return single;
}

template class RhsEvaluator<float>;
template class RhsEvaluator<double>;

}  // namespace graphrun::calculus
