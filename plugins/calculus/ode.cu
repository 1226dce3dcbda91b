// The CUDA kernel of `ode`: the node's kernels generated at run time (native_stepper.h:
// ode_cuda_source) and compiled, loaded and launched by the host (gr_host API 2.5), all on
// the node's stream without synchronizing. dopri5's failures (an element that cannot meet the
// tolerance) are found by the device; the host checks the report after its next
// synchronization (cuda_check) and fails the run at this node with the CPU's message.
#include "dopri5.h"
#include "native_stepper.h"
#include "ode_spec.h"
#include "rhs_evaluator.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace graphrun::calculus {
namespace {

using plugin::Node;

// The report of the dopri5 kernel (OdeCudaScratch): element -1 when every element met the
// tolerance, else the element the CPU would name, why it stopped, its h, t and states.
void check_dopri5_report(const Node& node, std::span<const std::byte> bytes) {
  int64_t element = -1, code = 0;
  std::memcpy(&element, bytes.data(), sizeof element);
  if (element < 0) return;
  std::memcpy(&code, bytes.data() + 8, sizeof code);
  const OdeSpec spec = read_ode_spec(node);
  std::vector<double> values(spec.states.size() + 2);
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    for (size_t j = 0; j < values.size(); ++j) {
      T v;
      std::memcpy(&v, bytes.data() + 16 + j * sizeof(T), sizeof v);
      values[j] = static_cast<double>(v);
    }
  });
  throw std::runtime_error(dopri5_failure_message(spec, element, static_cast<int>(code), values[0], values[1],
                                                  std::vector<double>(values.begin() + 2, values.end())));
}

uint32_t blocks_for(int64_t threads) {
  const int64_t blocks = (threads + kOdeCudaBlock - 1) / kOdeCudaBlock;
  return static_cast<uint32_t>(std::clamp<int64_t>(blocks, 1, 0x7fffffff));  // grid-stride beyond
}

}  // namespace

void ode_cuda(const Node& node, const gr_program* program, std::span<plugin::OutTensor> outs) {
  if (!node.has_generated_cuda_kernels())
    throw std::runtime_error("ode: this graphrun is older than plugin API 2.5 (no generated CUDA kernels)");
  const OdeSpec spec = read_ode_spec(node);
  const int64_t elements = plugin::numel(spec.shape);
  if (elements == 0) return;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<const void*> inputs;
  for (int i = 0; i < node.num_inputs(); ++i) {
    const plugin::Tensor in = node.input(i);
    shapes.emplace_back(in.shape().begin(), in.shape().end());
    inputs.push_back(in.raw()->data);
  }
  std::vector<void*> outputs;
  for (plugin::OutTensor& out : outs) outputs.push_back(out.raw()->data);
  const std::string source =
      ode_cuda_source(spec, node.dtype(), node.program_cuda(program), shapes, single_value_ports(node, spec));
  void* kernel = node.cuda_function(source, kOdeCudaKernel);
  const OdeCudaScratch layout = ode_cuda_scratch(spec, node.dtype());
  void* scratch = layout.bytes > 0 ? node.device_scratch(static_cast<size_t>(layout.bytes)) : nullptr;
  std::vector<std::byte> args = plugin::dispatch(node.dtype(), [&]<typename T>() {
    return ode_cuda_args<T>(spec, inputs, outputs, scratch);
  });
  void* const argv[] = {args.data()};
  const Node::Dim3 block{kOdeCudaBlock, 1, 1};
  if (scratch)
    node.cuda_launch(node.cuda_function(source, kOdeCudaInit), {blocks_for(layout.tiles + 1), 1, 1}, block, 0, argv);
  node.cuda_launch(kernel, {blocks_for(elements), 1, 1}, block, 0, argv);
  if (!scratch) return;
  node.cuda_launch(node.cuda_function(source, kOdeCudaReport), {1, 1, 1}, {1, 1, 1}, 0, argv);
  node.cuda_check<&check_dopri5_report>(static_cast<const std::byte*>(scratch) + layout.report,
                                        static_cast<size_t>(layout.report_bytes));
}

}  // namespace graphrun::calculus
