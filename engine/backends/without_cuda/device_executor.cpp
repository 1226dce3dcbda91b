// The device executor of a graphrun built without the CUDA Toolkit (-DGRAPHRUN_CUDA=OFF): it
// cannot be made; `run --device cuda` then exits with code 3 and says why.
#include "backends/cuda/device_executor.h"

#include "graph/diagnostics.h"

namespace graphrun::cuda {
namespace {
[[noreturn]] void unavailable() {
  throw DeviceUnavailable("--device cuda: this graphrun was built without CUDA (-DGRAPHRUN_CUDA=OFF)");
}
}  // namespace

struct DeviceExecutor::State {};

DeviceExecutor::DeviceExecutor(const Graph&) { unavailable(); }
DeviceExecutor::~DeviceExecutor() = default;
RunResult DeviceExecutor::run(const std::map<std::string, TensorData>&, bool) const { unavailable(); }
std::unique_ptr<CapturedRun> DeviceExecutor::capture() const { unavailable(); }
const ExecutionPlan& DeviceExecutor::plan() const { unavailable(); }
uint64_t DeviceExecutor::device_bytes_in_use() const { return 0; }

struct CapturedRun::Replay {};
CapturedRun::~CapturedRun() = default;
RunResult CapturedRun::run(const std::map<std::string, TensorData>&) const { unavailable(); }
size_t CapturedRun::graph_nodes() const { return 0; }
double CapturedRun::last_graph_ms() const { return 0; }

}  // namespace graphrun::cuda
