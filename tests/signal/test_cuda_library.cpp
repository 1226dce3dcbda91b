// The one loader of the CUDA toolkit libraries the plugins dlopen (plugins/common/cuda_library.h):
// cuFFT and cuBLAS load (from the default path or the toolkit's folder) and give the
// functions cufft_plans.cu and cublas_gemm.cu resolve; a missing library or function is an
// error naming the library. No GPU needed: nothing is called.
#include "common/cuda_library.h"

#include <cublas_api.h>
#include <cufft.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace graphrun::common {
namespace {

std::string message_of(auto&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CudaLibrary, LoadsCufftAndResolvesWhatThePlansUse) {
  const CudaLibrary lib("cufft", CUFFT_VER_MAJOR, GRAPHRUN_CUDA_LIBRARY_DIR);
  EXPECT_EQ(lib.name(), "libcufft.so." + std::to_string(CUFFT_VER_MAJOR));
  decltype(&cufftMakePlanMany64) make_plan_many = nullptr;
  decltype(&cufftExecZ2D) z2d = nullptr;
  lib.resolve(make_plan_many, "cufftMakePlanMany64");
  lib.resolve(z2d, "cufftExecZ2D");
  EXPECT_NE(make_plan_many, nullptr);
  EXPECT_NE(z2d, nullptr);
}

TEST(CudaLibrary, LoadsCublas) {
  const CudaLibrary lib("cublas", CUBLAS_VER_MAJOR, GRAPHRUN_CUDA_LIBRARY_DIR);
  void (*gemm)() = nullptr;
  lib.resolve(gemm, "cublasGemmStridedBatchedEx_64");
  EXPECT_NE(gemm, nullptr);
}

TEST(CudaLibrary, ErrorsNameTheLibrary) {
  EXPECT_EQ(message_of([] { CudaLibrary("graphrun_no_such", 7, "/nonexistent").name(); })
                .rfind("cannot load libgraphrun_no_such.so.7: ", 0),
            0u);
  const CudaLibrary lib("cufft", CUFFT_VER_MAJOR, GRAPHRUN_CUDA_LIBRARY_DIR);
  void (*f)() = nullptr;
  EXPECT_EQ(message_of([&] { lib.resolve(f, "cufftNoSuchFunction"); }),
            "libcufft.so." + std::to_string(CUFFT_VER_MAJOR) + " has no cufftNoSuchFunction");
}

}  // namespace
}  // namespace graphrun::common
