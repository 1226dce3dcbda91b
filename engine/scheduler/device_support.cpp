#include "scheduler/device_support.h"

#include "plugin_host/registry.h"

namespace graphrun {

// Purely the op's own declaration: a fused group and an elementwise op run as generated
// kernels, any other op on the device exactly when its plugin gives a cuda_kernel (`read`,
// which reads a file, has none: its result is copied in).
bool has_cuda_kernel(const Node& node) {
  if (node.kind == NodeKind::kFused) return true;
  if (node.kind != NodeKind::kOp || !node.op) return false;
  // A scan split over MPI ranks trades its carries through the host (gr_host.scan_exchange),
  // which the ops' CUDA kernels do not: it runs on the host, its blocks copied out and back.
  if (node.scan_ranks > 1) return false;
  return node.op->desc.cuda_kernel != nullptr || node.op->elementwise();
}

bool cuda_kernel_applies_epilogue(const Node& node) {
  return node.kind == NodeKind::kOp && node.epilogue && node.op && (node.op->desc.flags & GR_OP_CUDA_EPILOGUE);
}

bool needs_epilogue_kernel(const Node& node) {
  return node.kind == NodeKind::kOp && node.epilogue && !cuda_kernel_applies_epilogue(node);
}

}  // namespace graphrun
