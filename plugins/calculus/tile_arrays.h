// Scratch arrays of an `ode` tile: each holds every state of every element, state by state
// (state s of element i at [s * n + i]), so that the right-hand side program sees one
// contiguous array per state and the update formulas see one flat array.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace graphrun::calculus {

/// `count` arrays of num_states * n values.
template <typename T> class TileArrays {
 public:
  TileArrays(int num_states, int64_t n, int count)
      : num_states_(num_states), n_(n), data_(static_cast<size_t>(num_states * n * count)),
        states_(static_cast<size_t>(num_states * count)) {
    for (int k = 0; k < count; ++k)
      for (int s = 0; s < num_states; ++s)
        states_[static_cast<size_t>(k * num_states + s)] = (*this)[k] + s * n;
  }

  /// Array k, flat.
  T* operator[](int k) { return data_.data() + static_cast<int64_t>(k) * num_states_ * n_; }

  /// Array k, one pointer per state.
  T* const* states(int k) { return states_.data() + static_cast<size_t>(k * num_states_); }

  /// Values in each array (num_states * n).
  int64_t size() const { return num_states_ * n_; }

 private:
  int num_states_;
  int64_t n_;
  std::vector<T> data_;
  std::vector<T*> states_;
};

/// out[i] = x[i] + c[0] * k[0][i] + c[1] * k[1][i] + ..., added left to right as
/// Boost.Odeint's scale_sum operations do (out may be x); with `fused`, each term is a fused
/// multiply-add instead (the ode attribute fma: one rounding per term, not two).
template <typename T, size_t K>
void scale_sum(bool fused, int64_t n, T* out, const T* x, const T (&c)[K], const T* const (&k)[K]) {
  if (fused) {
    for (int64_t i = 0; i < n; ++i) {
      T v = x[i];
      for (size_t j = 0; j < K; ++j) v = std::fma(c[j], k[j][i], v);
      out[i] = v;
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    T v = x[i];
    for (size_t j = 0; j < K; ++j) v = v + c[j] * k[j][i];
    out[i] = v;
  }
}

}  // namespace graphrun::calculus
