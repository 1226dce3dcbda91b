// The generated CUDA kernels compiled as host C++ (host_shim.h) and run thread by thread:
// until a GPU runs them, this checks their index math, broadcasting, vector and scalar
// paths against the CPU evaluator (expr::eval_tensors) on shape and broadcast edge cases,
// aligned and misaligned (data offset by one element, so the 128-bit path is refused),
// under several launch shapes. The kernels are printed at build time by
// generate_emulated_kernels (emulated_kernels.inc).
#include "cuda/host_shim.h"

#include "emulated_kernels.inc"

#include "cuda/compare_values.h"
#include "cuda/emulation_cases.h"

#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace graphrun::cuda::testing {
namespace {

int64_t count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Input values: the special ones first (each op meets NaN, ±inf, ±0, the softplus
// threshold...), then a deterministic spread over [-3, 3].
template <typename T> std::vector<T> input_values(int64_t n, int var) {
  const T inf = std::numeric_limits<T>::infinity();
  const T specials[] = {T(0.75), -T(0), T(0), T(1), T(-1), inf, -inf, std::numeric_limits<T>::quiet_NaN(),
                        T(20.5), T(-20.5), T(88.5), T(-88.5), T(2), T(0.5), std::numeric_limits<T>::denorm_min()};
  std::vector<T> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = i + 3 * var;  // a different order per variable
    v[i] = k < 15 && n > 1 ? specials[k] : T(3 * std::sin(0.7 * static_cast<double>(i) + var + 0.3));
  }
  return v;
}

// A buffer whose data starts 16-byte aligned plus `shift` elements, with guard elements
// around it that must stay untouched.
template <typename T> class Buffer {
 public:
  static constexpr int kGuard = 4;
  Buffer(int64_t n, int shift) : storage_(static_cast<size_t>(n + 2 * kGuard + 4), kSentinel) {
    auto address = reinterpret_cast<uintptr_t>(storage_.data() + kGuard);
    const size_t align = (16 - address % 16) % 16 / sizeof(T);
    data_ = storage_.data() + kGuard + align + shift;
    n_ = n;
  }
  T* data() { return data_; }
  bool guards_intact() const {
    for (const T* p = storage_.data(); p < storage_.data() + storage_.size(); ++p)
      if ((p < data_ || p >= data_ + n_) && std::memcmp(p, &kSentinel, sizeof(T)) != 0) return false;
    return true;
  }

 private:
  static constexpr T kSentinel = T(-12345.25);
  std::vector<T> storage_;
  T* data_ = nullptr;
  int64_t n_ = 0;
};

gr_tensor tensor_of(const std::vector<int64_t>& shape, void* data, gr_dtype dtype) {
  gr_tensor t{};
  t.data = data;
  t.dtype = dtype;
  t.rank = static_cast<int32_t>(shape.size());
  std::copy(shape.begin(), shape.end(), t.shape);
  return t;
}

void serial_for(int64_t begin, int64_t end, int64_t, const std::function<void(int64_t, int64_t)>& body) {
  body(begin, end);
}

template <typename T> void run_case(const EmulationCase& c, const EmulatedKernel& kernel) {
  const auto program = compile_case(c);
  const int64_t n = count(c.out_shape);
  const size_t num_vars = c.vars.size(), num_outputs = c.formulas.size();
  std::vector<std::vector<T>> inputs;
  for (size_t v = 0; v < num_vars; ++v) inputs.push_back(input_values<T>(count(c.in_shapes[v]), static_cast<int>(v)));

  // The CPU's results.
  std::vector<std::vector<T>> want(num_outputs, std::vector<T>(static_cast<size_t>(n)));
  std::vector<gr_tensor> in_tensors, out_tensors;
  for (size_t v = 0; v < num_vars; ++v) in_tensors.push_back(tensor_of(c.in_shapes[v], inputs[v].data(), c.dtype));
  for (auto& w : want) out_tensors.push_back(tensor_of(c.out_shape, w.data(), c.dtype));
  expr::eval_tensors(*program, c.dtype, in_tensors, out_tensors, serial_for);

  struct Launch {
    unsigned grid, block;
  };
  const Launch launches[] = {{1, 1}, {3, 5}, {static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>(
                                                  4, (n + kernel.block_size - 1) / kernel.block_size))),
                                              static_cast<unsigned>(kernel.block_size)}};
  for (int shift : {0, 1}) {
    for (const Launch& launch : launches) {
      SCOPED_TRACE(c.name + (shift ? " misaligned" : " aligned") + ", grid " + std::to_string(launch.grid) +
                   " x block " + std::to_string(launch.block));
      std::vector<std::unique_ptr<Buffer<T>>> buffers;
      std::vector<void*> args;
      for (size_t v = 0; v < num_vars; ++v) {
        buffers.push_back(std::make_unique<Buffer<T>>(static_cast<int64_t>(inputs[v].size()), shift));
        std::copy(inputs[v].begin(), inputs[v].end(), buffers.back()->data());
        args.push_back(buffers.back()->data());
      }
      for (size_t k = 0; k < num_outputs; ++k) {
        buffers.push_back(std::make_unique<Buffer<T>>(n, shift));
        args.push_back(buffers.back()->data());
      }
      kernel.launch(args.data(), launch.grid, launch.block);
      for (const auto& b : buffers) EXPECT_TRUE(b->guards_intact()) << "a kernel wrote outside its tensors";
      for (size_t k = 0; k < num_outputs; ++k) {
        const T* got = static_cast<const T*>(args[num_vars + k]);
        int failures = 0;
        for (int64_t i = 0; i < n && failures < 5; ++i) {
          const auto result = close(got[i], want[k][i]);
          if (!result) ++failures;
          EXPECT_TRUE(result) << "output " << k << ", element " << i;
        }
      }
    }
  }
}

TEST(HostEmulation, EveryCaseHasItsKernel) {
  const auto cases = emulation_cases();
  ASSERT_GT(cases.size(), 50u);  // never passes on an empty table
  ASSERT_EQ(std::size(kEmulatedKernels), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) EXPECT_EQ(kEmulatedKernels[i].case_name, cases[i].name);
}

TEST(HostEmulation, BothPathsAreExercised) {
  int vector = 0, scalar_only = 0;
  for (const EmulatedKernel& k : kEmulatedKernels) (k.vector_width > 1 ? vector : scalar_only)++;
  EXPECT_GT(vector, 10);
  EXPECT_GT(scalar_only, 5);
}

class HostEmulationCase : public ::testing::TestWithParam<size_t> {};

TEST_P(HostEmulationCase, MatchesCpuEvaluator) {
  const EmulationCase c = emulation_cases()[GetParam()];
  if (c.dtype == GR_F32) run_case<float>(c, kEmulatedKernels[GetParam()]);
  else run_case<double>(c, kEmulatedKernels[GetParam()]);
}

INSTANTIATE_TEST_SUITE_P(Cases, HostEmulationCase, ::testing::Range<size_t>(0, std::size(kEmulatedKernels)),
                         [](const ::testing::TestParamInfo<size_t>& param) {
                           return std::string(kEmulatedKernels[param.param].case_name);
                         });

}  // namespace
}  // namespace graphrun::cuda::testing
