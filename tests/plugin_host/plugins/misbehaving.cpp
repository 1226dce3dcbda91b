// Ops that get things wrong in every way the host must catch and blame on the plugin (or,
// for crashes, report with the node before the process dies). One op per mistake.
#include <graphrun/plugin.hpp>

#include <csignal>
#include <stdexcept>

using graphrun::plugin::Node;
using graphrun::plugin::OpDef;
using graphrun::plugin::OutTensor;
using graphrun::plugin::Outputs;
using graphrun::plugin::UserError;

namespace {

void same_shape(const Node& node, Outputs& outs) { outs.add(node.input("x").shape()); }

// An op like x's identity whose kernel body is `kernel`.
OpDef unary(const char* name, const char* doc, graphrun::plugin::KernelFn kernel) {
  OpDef op(name, doc);
  op.input("x", "input").output("out", "output").infer(same_shape).cpu(std::move(kernel));
  return op;
}

void fill(const Node& node, OutTensor& out, double value) {
  graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() {
    for (int64_t i = 0; i < out.numel(); ++i) out.data<T>()[i] = static_cast<T>(value);
  });
}

// A device check that finds nothing wrong (API 2.5).
void no_check(const Node&, std::span<const std::byte>) {}

}  // namespace

GRAPHRUN_PLUGIN(reg) {
  std::vector<OpDef> ops;
  ops.push_back(OpDef("infer_throws", "infer throws a std::runtime_error")
                    .input("x", "input")
                    .output("out", "output")
                    .infer([](const Node&, Outputs&) -> void { throw std::runtime_error("infer broke"); })
                    .cpu([](const Node&, std::span<OutTensor>) {}));
  ops.push_back(OpDef("infer_user_error", "infer refuses its input port as a user error")
                    .input("x", "input")
                    .output("out", "output")
                    .infer([](const Node&, Outputs&) -> void { throw UserError("x must be positive", "x"); })
                    .cpu([](const Node&, std::span<OutTensor>) {}));
  ops.push_back(OpDef("too_many_outputs", "declares one output port, infer adds two")
                    .input("x", "input")
                    .output("out", "output")
                    .infer([](const Node& node, Outputs& outs) {
                      outs.add(node.input("x").shape());
                      outs.add(node.input("x").shape(), "extra");
                    })
                    .cpu([](const Node&, std::span<OutTensor>) {}));
  ops.push_back(OpDef("negative_dim", "infer declares a negative dimension")
                    .input("x", "input")
                    .output("out", "output")
                    .infer([](const Node&, Outputs& outs) { outs.add({-3}); })
                    .cpu([](const Node&, std::span<OutTensor>) {}));
  // The CUDA device services (API 2.2) asked from a CPU kernel: no stream, capability 0.
  ops.push_back(unary("device_services_on_cpu", "out = [has a stream, compute capability, -1]",
                      [](const Node& node, std::span<OutTensor> outs) {
                        graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() {
                          outs[0].data<T>()[0] = node.cuda_stream() ? T(1) : T(0);
                          outs[0].data<T>()[1] = static_cast<T>(node.compute_capability());
                          outs[0].data<T>()[2] = T(-1);  // the kernel ran to its end
                        });
                      }));
  ops.push_back(unary("device_scratch_on_cpu", "asks for device scratch memory from a CPU kernel",
                      [](const Node& node, std::span<OutTensor>) { node.device_scratch(256); }));
  // The generated-kernel services (API 2.5) asked from a CPU kernel: each fails, naming itself.
  ops.push_back(unary("cuda_function_on_cpu", "compiles a CUDA source from a CPU kernel",
                      [](const Node& node, std::span<OutTensor>) {
                        node.cuda_function("extern \"C\" __global__ void k() {}", "k");
                      }));
  ops.push_back(unary("cuda_launch_on_cpu", "launches a CUDA kernel from a CPU kernel",
                      [](const Node& node, std::span<OutTensor>) {
                        node.cuda_launch(reinterpret_cast<void*>(1), {1, 1, 1}, {1, 1, 1}, 0, nullptr);
                      }));
  ops.push_back(unary("cuda_check_on_cpu", "asks for a device check from a CPU kernel",
                      [](const Node& node, std::span<OutTensor>) {
                        node.cuda_check<&no_check>(nullptr, 0);
                      }));
  // program_cuda works anywhere: out = [has the services, length of the CUDA text of x * 2, -1].
  ops.push_back(unary("program_cuda_on_cpu", "writes the CUDA text of a program from a CPU kernel",
                      [](const Node& node, std::span<OutTensor> outs) {
                        const char* formula = "x * 2";
                        const char* var = "x";
                        gr_status status{};
                        gr_program* program = node.host().program_compile(1, &formula, 1, &var, node.raw(), &status);
                        const std::string text = node.program_cuda(program);
                        node.host().program_free(program);
                        graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() {
                          outs[0].data<T>()[0] = node.has_generated_cuda_kernels() ? T(1) : T(0);
                          outs[0].data<T>()[1] = static_cast<T>(text == "const T e0 = v[0] * T(0x1p+1);\nout[0] = e0;\n");
                          outs[0].data<T>()[2] = T(-1);
                        });
                      }));
  // Allocates a state in prepare: a sanitizer build reports it if the host never releases it.
  ops.push_back(unary("prepared", "has a state from prepare", [](const Node& node, std::span<OutTensor> outs) {
                  fill(node, outs[0], *static_cast<double*>(node.state()));
                }).prepare([](const Node&) -> void* { return new double(7); },
                           [](void* state) { delete static_cast<double*>(state); }));
  ops.push_back(unary("prepare_throws", "prepare throws", [](const Node&, std::span<OutTensor>) {})
                    .prepare([](const Node&) -> void* { throw std::runtime_error("prepare broke"); },
                             [](void*) {}));
  ops.push_back(OpDef("bad_formula", "an elementwise op whose own formula does not parse")
                    .input("x", "input")
                    .elementwise("x +* 2"));
  ops.push_back(OpDef("long_formula", "2 x, written over 16 KiB: longer than the host's first buffer")
                    .input("x", "input")
                    .elementwise([](const Node&) { return "x" + std::string(16384, ' ') + "* 2"; }));
  ops.push_back(unary("throws_in_parallel_for", "the parallel_for body throws in one chunk",
                      [](const Node& node, std::span<OutTensor>) {
                        node.parallel_for(1000, 10, [](int64_t begin, int64_t) {
                          if (begin == 500) throw std::runtime_error("chunk 500 failed");
                        });
                      }));
  ops.push_back(unary("int_default", "writes its int attribute n (default 3)",
                      [](const Node& node, std::span<OutTensor> outs) {
                        fill(node, outs[0], static_cast<double>(node.attr_int("n")));
                      })
                    .attr("n", 3, "an int with an integer default"));
  ops.push_back(unary("wrong_kind", "reads its float attribute as an int",
                      [](const Node& node, std::span<OutTensor> outs) {
                        fill(node, outs[0], static_cast<double>(node.attr_int("gain")));
                      })
                    .attr("gain", 0.5, "a float"));
  // The signal a bad access raises, raised by the worker itself: a real bad access would be
  // stopped by UBSan's null check in the sanitizer build before it faults.
  ops.push_back(unary("segfaults", "gets SIGSEGV in a parallel_for worker",
                      [](const Node& node, std::span<OutTensor>) {
                        node.parallel_for(64, 1, [](int64_t begin, int64_t) {
                          if (begin == 63) std::raise(SIGSEGV);
                        });
                      }));
  ops.push_back(unary("raises_sigfpe", "an arithmetic exception", [](const Node&, std::span<OutTensor>) {
    std::raise(SIGFPE);
  }));
  ops.push_back(unary("reports_progress", "reports its progress while it fills 1s",
                      [](const Node& node, std::span<OutTensor> outs) {
                        for (int k = 0; k <= 4; ++k) node.report_progress(k / 4.0);
                        fill(node, outs[0], 1);
                      }));
  return graphrun::plugin::register_ops(reg, std::move(ops));
}
