// The NVRTC compiler of a graphrun built without the CUDA Toolkit (-DGRAPHRUN_CUDA=OFF).
#include "backends/cuda/nvrtc_compiler.h"

namespace graphrun::cuda {

namespace {
[[noreturn]] void built_without_cuda() {
  throw std::runtime_error("this graphrun was built without CUDA (-DGRAPHRUN_CUDA=OFF): no NVRTC");
}
}  // namespace

std::vector<std::string> nvrtc_options(int) { built_without_cuda(); }

CompiledModule compile_cuda_source(std::string_view, std::string_view, std::span<const NamedHeader>, int, bool) {
  built_without_cuda();
}

}  // namespace graphrun::cuda
