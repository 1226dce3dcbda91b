// Build-time generator of the host-emulation test: prints the CUDA kernel of every
// emulation case, then a table of launchers, into the file named by argv[1]; the test
// compiles that file as host C++ after host_shim.h. Generating at build time keeps the
// test a plain executable (no compiler run at test time) while the kernels stay exactly
// what generate_cuda_kernel prints.
#include "cuda/emulation_cases.h"
#include "expr/cuda_source.h"

#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

using namespace graphrun;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: generate_emulated_kernels OUTPUT.inc\n";
    return 2;
  }
  std::ostringstream kernels, launchers, table;
  std::set<std::string> printed;
  const auto cases = cuda::testing::emulation_cases();
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const expr::KernelSource k = expr::generate_cuda_kernel(*cuda::testing::compile_case(c), c.dtype,
                                                            {c.out_shape, c.in_shapes});
    if (printed.insert(k.launch.kernel_name).second) kernels << "// ---- " << c.name << "\n" << k.source << "\n";
    const std::string type = c.dtype == GR_F32 ? "float" : "double";
    launchers << "static void launch_" << c.name << "(void* const* args, unsigned grid, unsigned block) {\n"
              << "  host_launch(grid, block, [&] {\n    " << k.launch.kernel_name << "(";
    for (size_t p = 0; p < k.launch.parameters.size(); ++p)
      launchers << (p ? ", " : "") << "static_cast<" << (static_cast<int>(p) < k.launch.num_inputs ? "const " : "")
                << type << "*>(args[" << p << "])";
    launchers << ");\n  });\n}\n";
    table << "    {\"" << c.name << "\", \"" << k.launch.kernel_name << "\", " << k.launch.vector_width << ", "
          << k.launch.block_size << ", &launch_" << c.name << "},\n";
  }
  std::ofstream out(argv[1]);
  out << "// Generated at build time by tests/cuda/generate_emulated_kernels.cpp: do not edit.\n\n"
      << kernels.str() << "namespace graphrun::cuda::testing {\n\n"
      << launchers.str()
      << "\n/// One entry per emulation_cases() entry, in its order.\n"
         "struct EmulatedKernel {\n  const char* case_name;\n  const char* kernel_name;\n  int vector_width;\n"
         "  int block_size;\n  void (*launch)(void* const* args, unsigned grid, unsigned block);\n};\n"
         "inline constexpr EmulatedKernel kEmulatedKernels[] = {\n"
      << table.str() << "};\n\n}  // namespace graphrun::cuda::testing\n";
  return out.good() ? 0 : 1;
}
