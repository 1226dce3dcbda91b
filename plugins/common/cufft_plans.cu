// cuFFT's batched real transforms (cufft_plans.h): the library loaded on first use, the plans
// kept per (device, dtype, direction, size, batch) for the process. A plan's use (set stream,
// work area, execute) is serialised, since nodes on different streams may run at once; the
// calls only queue work, so the lock is short.
#include "cufft_plans.h"

#include "cuda_library.h"

#include <cuda_runtime.h>
#include <cufft.h>

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>

namespace graphrun::common {
namespace {

/// The cuFFT functions used.
struct Cufft {
  decltype(&cufftCreate) create;
  decltype(&cufftSetAutoAllocation) set_auto_allocation;
  decltype(&cufftMakePlanMany64) make_plan_many;
  decltype(&cufftSetStream) set_stream;
  decltype(&cufftSetWorkArea) set_work_area;
  decltype(&cufftExecR2C) r2c;
  decltype(&cufftExecC2R) c2r;
  decltype(&cufftExecD2Z) d2z;
  decltype(&cufftExecZ2D) z2d;
};

/// The loaded library, or std::runtime_error "op: why it cannot be loaded".
const Cufft& cufft(const char* op) {
  try {
    static const Cufft api = [] {
      const CudaLibrary lib("cufft", CUFFT_VER_MAJOR, GRAPHRUN_CUDA_LIBRARY_DIR);
      Cufft c{};
      lib.resolve(c.create, "cufftCreate");
      lib.resolve(c.set_auto_allocation, "cufftSetAutoAllocation");
      lib.resolve(c.make_plan_many, "cufftMakePlanMany64");
      lib.resolve(c.set_stream, "cufftSetStream");
      lib.resolve(c.set_work_area, "cufftSetWorkArea");
      lib.resolve(c.r2c, "cufftExecR2C");
      lib.resolve(c.c2r, "cufftExecC2R");
      lib.resolve(c.d2z, "cufftExecD2Z");
      lib.resolve(c.z2d, "cufftExecZ2D");
      return c;
    }();
    return api;
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string(op) + ": " + e.what());
  }
}

void check_cufft(cufftResult r, const char* op, const char* what) {
  if (r != CUFFT_SUCCESS)
    throw std::runtime_error(std::string(op) + ": " + what + " failed: cuFFT error " + std::to_string(r));
}

struct Plan {
  cufftHandle handle = 0;
  size_t work_bytes = 0;
  std::mutex mutex;
};

/// The plan of `batch` real transforms of `size` samples (forward or inverse) on the current device.
Plan& plan_of(bool f64, bool inverse, int64_t size, int64_t batch, const char* op) {
  static std::mutex mutex;
  static std::map<std::tuple<int, bool, bool, int64_t, int64_t>, std::unique_ptr<Plan>> plans;
  int device = 0;
  if (const cudaError_t e = cudaGetDevice(&device); e != cudaSuccess)
    throw std::runtime_error(std::string(op) + ": no current device: " + cudaGetErrorString(e));
  const Cufft& api = cufft(op);
  std::lock_guard lock(mutex);
  std::unique_ptr<Plan>& p = plans[{device, f64, inverse, size, batch}];
  if (!p) {
    auto made = std::make_unique<Plan>();
    check_cufft(api.create(&made->handle), op, "cufftCreate");
    check_cufft(api.set_auto_allocation(made->handle, 0), op, "cufftSetAutoAllocation");
    long long n = size;
    const cufftType type = f64 ? (inverse ? CUFFT_Z2D : CUFFT_D2Z) : (inverse ? CUFFT_C2R : CUFFT_R2C);
    // The basic layout: transforms `size` reals and size/2 + 1 complex values apart.
    check_cufft(api.make_plan_many(made->handle, 1, &n, nullptr, 1, 0, nullptr, 1, 0, type, batch, &made->work_bytes),
                op, "cufftMakePlanMany64");
    p = std::move(made);
  }
  return *p;
}

void transform(const plugin::Node& node, bool inverse, int64_t size, int64_t batch, void* real, void* spectra,
               const char* op) {
  if (batch == 0) return;
  const bool f64 = node.dtype() == GR_F64;
  Plan& plan = plan_of(f64, inverse, size, batch, op);
  const Cufft& api = cufft(op);
  void* work = plan.work_bytes > 0 ? node.device_scratch(plan.work_bytes) : nullptr;
  std::lock_guard lock(plan.mutex);
  check_cufft(api.set_stream(plan.handle, static_cast<cudaStream_t>(node.cuda_stream())), op, "cufftSetStream");
  if (work) check_cufft(api.set_work_area(plan.handle, work), op, "cufftSetWorkArea");
  if (f64) {
    auto* r = static_cast<cufftDoubleReal*>(real);
    auto* c = static_cast<cufftDoubleComplex*>(spectra);
    check_cufft(inverse ? api.z2d(plan.handle, c, r) : api.d2z(plan.handle, r, c), op,
                inverse ? "cufftExecZ2D" : "cufftExecD2Z");
  } else {
    auto* r = static_cast<cufftReal*>(real);
    auto* c = static_cast<cufftComplex*>(spectra);
    check_cufft(inverse ? api.c2r(plan.handle, c, r) : api.r2c(plan.handle, r, c), op,
                inverse ? "cufftExecC2R" : "cufftExecR2C");
  }
}

}  // namespace

void cufft_forward(const plugin::Node& node, int64_t size, int64_t batch, void* real, void* spectra, const char* op) {
  transform(node, false, size, batch, real, spectra, op);
}

void cufft_inverse(const plugin::Node& node, int64_t size, int64_t batch, void* spectra, void* real, const char* op) {
  transform(node, true, size, batch, real, spectra, op);
}

}  // namespace graphrun::common
