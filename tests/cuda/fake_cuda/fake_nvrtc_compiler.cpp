// The compiler the fake CUDA runtime (fake_runtime.h) is given in place of NVRTC's: the
// "cubin" of a source is the source itself, its named headers written in place of their
// #include lines and a NUL after it (cudaLibraryLoadData is handed no size); the fake
// runtime compiles it as host C++ when a kernel of it is asked for. NVRTC's real compile of
// the same sources is tested by cuda_nvrtc_test.
#include "backends/cuda/nvrtc_compiler.h"

namespace graphrun::cuda {

std::vector<std::string> nvrtc_options(int arch) {
  return {"--graphrun-fake-cuda-runtime", "-arch=sm_" + std::to_string(arch)};
}

CompiledModule compile_cuda_source(std::string_view source, std::string_view, std::span<const NamedHeader> headers,
                                   int, bool) {
  std::string text(source);
  for (const NamedHeader& h : headers) {
    const std::string include = "#include <" + std::string(h.name) + ">";
    for (size_t at; (at = text.find(include)) != std::string::npos;) text.replace(at, include.size(), h.text);
  }
  CompiledModule module;
  module.cubin.assign(text.begin(), text.end());
  module.cubin.push_back('\0');
  return module;
}

}  // namespace graphrun::cuda
