#include "scheduler/device_support.h"

#include "plugin_host/registry.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace graphrun {
namespace {

// TRANSITIONAL: the ops of the built-in core plugin (libgraphrun_core.so) whose CUDA kernels
// are being written in the "CUDA backend, part 1" issue. Placement treats them as GPU ops now
// so that plans and tests mean what they will mean; each name goes when its plugin's
// descriptor sets cuda_kernel, and the list goes with the last one. `read` is not here: it
// reads a file on the host, and its result is copied in.
constexpr std::array<std::string_view, 13> kCoreCudaKernelsBeingWritten = {
    "constant", "linspace", "arange", "random", "slice", "reshape", "transpose",
    "concat",   "sum",      "mean",   "max",    "matmul", "linear"};
constexpr std::string_view kCorePlugin = "libgraphrun_core.so";

bool core_kernel_being_written(const OpInfo& op) {
  const std::string_view plugin = op.plugin;
  const bool from_core = plugin.ends_with(kCorePlugin) &&
                         (plugin.size() == kCorePlugin.size() || plugin[plugin.size() - kCorePlugin.size() - 1] == '/');
  return from_core && std::find(kCoreCudaKernelsBeingWritten.begin(), kCoreCudaKernelsBeingWritten.end(),
                                std::string_view(op.desc.name)) != kCoreCudaKernelsBeingWritten.end();
}

}  // namespace

bool has_cuda_kernel(const Node& node) {
  if (node.kind == NodeKind::kFused) return true;
  if (node.kind != NodeKind::kOp || !node.op) return false;
  const OpInfo& op = *node.op;
  return op.desc.cuda_kernel != nullptr || op.elementwise() || core_kernel_being_written(op);
}

}  // namespace graphrun
