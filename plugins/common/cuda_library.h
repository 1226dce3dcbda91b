// The CUDA toolkit libraries the built-in plugins load with dlopen on first use (cuBLAS in
// cublas_gemm.cu, cuFFT in cufft_plans.cu): linking them would load hundreds of MB into every
// graphrun process, GPU or not. One loader for both: libX.so.N from the dynamic loader's
// default path (LD_LIBRARY_PATH, the system's folders), else from the toolkit's library folder
// the build found, and then the functions wanted, with errors naming the library. Host code
// only; the library stays loaded for the process.
#pragma once

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace graphrun::common {

/// An opened toolkit library (never closed).
class CudaLibrary {
 public:
  /// Opens "lib<stem>.so.<major>" from the default path, else from `toolkit_folder`; throws
  /// std::runtime_error "cannot load lib<stem>.so.<major>: dlopen's message" when neither has it.
  CudaLibrary(const char* stem, int major, const char* toolkit_folder)
      : name_("lib" + std::string(stem) + ".so." + std::to_string(major)) {
    handle_ = dlopen(name_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) handle_ = dlopen((std::string(toolkit_folder) + "/" + name_).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      const char* why = dlerror();
      throw std::runtime_error("cannot load " + name_ + ": " + (why ? why : "not found"));
    }
  }

  /// f = the function `symbol` (declared as F in the library's header); throws
  /// std::runtime_error "lib<stem>.so.<major> has no <symbol>" when the library lacks it.
  template <typename F> void resolve(F*& f, const char* symbol) const {
    f = reinterpret_cast<F*>(dlsym(handle_, symbol));
    if (!f) throw std::runtime_error(name_ + " has no " + symbol);
  }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  void* handle_ = nullptr;
};

}  // namespace graphrun::common
