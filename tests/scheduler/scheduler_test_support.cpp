#include "scheduler_test_support.h"

#include "support/graph_text.h"

#include <cstring>
#include <new>

namespace graphrun::testing {

std::unique_ptr<Graph> load_test_graph(const std::string& yaml, const std::map<std::string, TensorData>& inputs,
                                       bool fuse) {
  return load_graph_text(yaml, {SCHEDULER_TEST_PLUGIN}, inputs, fuse);
}

TensorData make_tensor(const Shape& shape, const std::vector<double>& values, gr_dtype dtype) {
  TensorData t;
  t.dtype = dtype;
  t.shape = shape;
  const size_t size = dtype == GR_F64 ? sizeof(double) : sizeof(float);
  // 64-byte aligned, like the pool's blocks: kernels may rely on it.
  t.data = std::shared_ptr<void>(::operator new(std::max<size_t>(values.size() * size, 1), std::align_val_t{64}),
                                 [](void* p) { ::operator delete(p, std::align_val_t{64}); });
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == GR_F64)
      static_cast<double*>(t.data.get())[i] = values[i];
    else
      static_cast<float*>(t.data.get())[i] = static_cast<float>(values[i]);
  }
  return t;
}

std::vector<double> values_of(const TensorData& t) {
  int64_t n = 1;
  for (int64_t d : t.shape) n *= d;
  std::vector<double> values(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    values[static_cast<size_t>(i)] = t.dtype == GR_F64 ? static_cast<const double*>(t.data.get())[i]
                                                       : static_cast<const float*>(t.data.get())[i];
  return values;
}

int step_of(const Executor& executor, const std::string& id) {
  const auto& steps = executor.steps();
  for (size_t s = 0; s < steps.size(); ++s)
    if (steps[s].label == id) return static_cast<int>(s);
  return -1;
}

}  // namespace graphrun::testing
