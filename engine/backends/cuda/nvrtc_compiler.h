// Compiling generated CUDA source at run time with NVRTC (no driver needed): CUBIN for one
// architecture, the compile log, and each kernel's registers and spills from ptxas.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace graphrun::cuda {

/// A header the source includes by name (NVRTC reads no files).
struct NamedHeader {
  std::string_view name;  // as written in #include <...>
  std::string_view text;
};

/// Resources of one compiled kernel, as ptxas reports them.
struct KernelResources {
  std::string name;
  int registers = 0;
  int64_t stack_bytes = 0;
  int64_t spill_store_bytes = 0;
  int64_t spill_load_bytes = 0;
};

/// The result of a successful compile.
struct CompiledModule {
  std::vector<char> cubin;                // for sm_<arch>
  std::string ptx;                        // only when asked for
  std::string log;                        // NVRTC's and ptxas's messages
  std::vector<KernelResources> kernels;   // one per __global__ function
};

/// A generated source NVRTC rejected: a bug in the generator, not a user error. The
/// message names the file the source was saved to and carries the log.
class NvrtcCompileError : public std::runtime_error {
 public:
  NvrtcCompileError(const std::string& message, std::string source_file)
      : std::runtime_error(message), source_file_(std::move(source_file)) {}
  const std::string& source_file() const { return source_file_; }

 private:
  std::string source_file_;
};

/// The NVRTC options graphrun compiles with for sm_<arch> (80 or 90: 8.0 and 9.0).
std::vector<std::string> nvrtc_options(int arch);

/// Compiles `source` (named `name` in messages) for sm_<arch>. On a compile error saves the
/// source under the temp directory as graphrun-nvrtc-<hash>.cu and throws NvrtcCompileError.
/// Throws std::runtime_error in a build without CUDA.
CompiledModule compile_cuda_source(std::string_view source, std::string_view name,
                                   std::span<const NamedHeader> headers, int arch, bool want_ptx = false);

}  // namespace graphrun::cuda
