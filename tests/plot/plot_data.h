// Tensors for the plot tests, filled from a function of the index.
#pragma once

#include "scheduler/executor.h"

#include <functional>
#include <memory>

namespace graphrun::plot {

inline TensorData f64_tensor(Shape shape, const std::function<double(int64_t)>& f) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  std::shared_ptr<double[]> data(new double[static_cast<size_t>(n)]);
  for (int64_t i = 0; i < n; ++i) data[static_cast<size_t>(i)] = f(i);
  return TensorData{GR_F64, std::move(shape), std::shared_ptr<void>(data, data.get())};
}

}  // namespace graphrun::plot
