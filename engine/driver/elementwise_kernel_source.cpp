#include "driver/elementwise_kernel_source.h"

#include "expr/cuda_source.h"
#include "ir/fused_group.h"
#include "ir/node_call.h"
#include "scheduler/device_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <span>

namespace graphrun {

bool runs_as_elementwise_kernel(const Node& node) {
  return node.kind == NodeKind::kFused ||
         (node.kind == NodeKind::kOp && node.op && node.op->elementwise() && !node.op->desc.cpu_kernel);
}

bool has_epilogue_kernel(const Node& node) { return needs_epilogue_kernel(node); }

std::string elementwise_kernel_source(const Graph& graph, const Node& node) {
  // The program the CPU evaluator runs for this step (execution_plan.cpp compiles the same).
  std::shared_ptr<const expr::Program> program;
  if (node.kind == NodeKind::kFused) {
    program = node.fused->program;
  } else if (has_epilogue_kernel(node)) {
    program = node.epilogue->program;
  } else {
    expr::AstPtr formula = elementwise_formula(graph, node);
    program = expr::Program::compile(std::span(&formula, 1), node.input_ports);
  }
  // Shapes are part of the kernel: an input of unknown size (explain without --input) leaves
  // the step uninferred.
  auto known = [](const Node& n, int port) {
    return static_cast<size_t>(port) < n.output_shapes.size() &&
           std::none_of(n.output_shapes[port].begin(), n.output_shapes[port].end(), [](int64_t d) { return d < 0; });
  };
  const bool epilogue = has_epilogue_kernel(node);
  bool all_known = known(node, 0);
  if (!epilogue)
    for (const ValueRef& in : node.inputs) all_known = all_known && known(graph.nodes[in.node], in.port);
  if (!all_known) return "// generated once the inputs' sizes are known (pass --input NAME=FILE)\n";
  expr::KernelLayout layout;
  layout.out_shape = node.output_shapes[0];
  if (epilogue) layout.in_shapes = {layout.out_shape};  // the op's first output, in place
  for (const ValueRef& in : node.inputs)
    if (!epilogue) layout.in_shapes.push_back(graph.nodes[in.node].output_shapes[in.port]);
  const expr::KernelSource kernel = expr::generate_cuda_kernel(*program, graph.dtype, layout);
  const expr::KernelLaunch& l = kernel.launch;
  const std::string vectors = l.vector_width > 1 ? fmt::format("{} per thread on the 128-bit path", l.vector_width)
                                                  : std::string("no 128-bit path");
  return fmt::format("// launch {}: {} element{}, {} threads per block, {}\n{}", l.kernel_name, l.elements,
                     l.elements == 1 ? "" : "s", l.block_size, vectors, kernel.source);
}

}  // namespace graphrun
