// random on the device: element i is random_value(seed, i), the CPU kernel's function, so
// uniform draws are the CPU's bits (normal ones up to the last bits of log and cos: see
// random_value.h).
#include "cuda_launch.cuh"
#include "cuda_launchers.h"

namespace graphrun::core {
namespace {

template <typename T> struct RandomAt {
  RandomParams p;
  __device__ T operator()(int64_t i) const { return random_value<T>(p, static_cast<uint64_t>(i)); }
};

}  // namespace

void random_cuda(const plugin::Node& node, const RandomParams& p, void* out, int64_t numel) {
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    generate(node, "random", numel, RandomAt<T>{p}, static_cast<T*>(out));
  });
}

}  // namespace graphrun::core
