// compile_cuda_source: NVRTC with graphrun's fixed options, ptxas's verbose report parsed
// into per-kernel resources, a failed source saved for the bug report.
#include "backends/cuda/nvrtc_compiler.h"
#include "text/stable_hash.h"

#include <nvrtc.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <type_traits>

namespace graphrun::cuda {
namespace {

void check(nvrtcResult result, const char* what) {
  if (result != NVRTC_SUCCESS)
    throw std::runtime_error(std::string("NVRTC: ") + what + " failed: " + nvrtcGetErrorString(result));
}

struct ProgramDeleter {
  void operator()(nvrtcProgram p) const { nvrtcDestroyProgram(&p); }
};
using ProgramHandle = std::unique_ptr<std::remove_pointer_t<nvrtcProgram>, ProgramDeleter>;

std::string save_failed_source(std::string_view source) {
  char name[64];
  std::snprintf(name, sizeof name, "graphrun-nvrtc-%016llx.cu", static_cast<unsigned long long>(text::stable_hash(source)));
  std::error_code ec;
  const std::filesystem::path path = std::filesystem::temp_directory_path(ec) / name;
  std::ofstream(path, std::ios::binary).write(source.data(), static_cast<std::streamsize>(source.size()));
  return path.string();
}

// Per-kernel lines of ptxas -v:
//   ptxas info    : Compiling entry function 'k' for 'sm_90'
//   ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
//   ptxas info    : Used 18 registers, used 0 barriers
std::vector<KernelResources> parse_ptxas_log(const std::string& log) {
  std::vector<KernelResources> kernels;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (auto at = line.find("Compiling entry function '"); at != std::string::npos) {
      const size_t begin = at + 26, end = line.find('\'', begin);
      kernels.push_back({line.substr(begin, end - begin)});
    } else if (kernels.empty()) {
      continue;
    } else if (line.find("bytes stack frame") != std::string::npos) {
      long long stack = 0, stores = 0, loads = 0;
      const char* text = line.c_str() + line.find_first_of("0123456789");
      if (std::sscanf(text, "%lld bytes stack frame, %lld bytes spill stores, %lld bytes spill loads", &stack,
                      &stores, &loads) == 3) {
        kernels.back().stack_bytes = stack;
        kernels.back().spill_store_bytes = stores;
        kernels.back().spill_load_bytes = loads;
      }
    } else if (auto used = line.find("Used "); used != std::string::npos) {
      std::sscanf(line.c_str() + used, "Used %d registers", &kernels.back().registers);
    }
  }
  return kernels;
}

// One NVRTC run; false (and the log) when the source does not compile.
bool run_nvrtc(std::string_view source, std::string_view name, std::span<const NamedHeader> headers,
               const std::vector<std::string>& options, ProgramHandle& program, std::string& log) {
  std::vector<std::string> header_texts, header_names;
  for (const NamedHeader& h : headers) {
    header_texts.emplace_back(h.text);
    header_names.emplace_back(h.name);
  }
  std::vector<const char*> texts, names, option_ptrs;
  for (size_t i = 0; i < headers.size(); ++i) {
    texts.push_back(header_texts[i].c_str());
    names.push_back(header_names[i].c_str());
  }
  for (const std::string& o : options) option_ptrs.push_back(o.c_str());
  nvrtcProgram raw = nullptr;
  check(nvrtcCreateProgram(&raw, std::string(source).c_str(), std::string(name).c_str(),
                           static_cast<int>(headers.size()), texts.data(), names.data()),
        "nvrtcCreateProgram");
  program.reset(raw);
  const nvrtcResult result = nvrtcCompileProgram(raw, static_cast<int>(option_ptrs.size()), option_ptrs.data());
  size_t log_size = 0;
  check(nvrtcGetProgramLogSize(raw, &log_size), "nvrtcGetProgramLogSize");
  log.assign(log_size, '\0');
  check(nvrtcGetProgramLog(raw, log.data()), "nvrtcGetProgramLog");
  while (!log.empty() && log.back() == '\0') log.pop_back();
  if (result == NVRTC_ERROR_COMPILATION) return false;
  check(result, "nvrtcCompileProgram");
  return true;
}

}  // namespace

std::vector<std::string> nvrtc_options(int arch) {
  if (arch != 80 && arch != 90) throw std::invalid_argument("graphrun compiles CUDA for sm_80 and sm_90, not sm_" + std::to_string(arch));
  return {
      "-arch=sm_" + std::to_string(arch),
      "-std=c++17",
      // No fast math: IEEE division and square root, denormals kept, as on the CPU.
      "--ftz=false", "--prec-div=true", "--prec-sqrt=true",
      // No contraction of a*b+c into an FMA: the CPU code is built with -ffp-contract=off,
      // so the + - * / of a fused formula then round exactly as on the CPU (bit-equal for
      // those ops). CUDA's math library is unaffected (it calls fma explicitly), and a
      // memory-bound elementwise kernel loses nothing measurable without contraction.
      "--fmad=false",
      // ptxas's per-kernel registers and spills, read into CompiledModule::kernels.
      "--ptxas-options=-v",
  };
}

CompiledModule compile_cuda_source(std::string_view source, std::string_view name,
                                   std::span<const NamedHeader> headers, int arch, bool want_ptx) {
  CompiledModule module;
  ProgramHandle program;
  if (!run_nvrtc(source, name, headers, nvrtc_options(arch), program, module.log)) {
    const std::string saved = save_failed_source(source);
    throw NvrtcCompileError("internal error: NVRTC rejected the generated CUDA source " + std::string(name) +
                                " (a graphrun bug; the source is saved in " + saved + "):\n" + module.log,
                            saved);
  }
  size_t size = 0;
  check(nvrtcGetCUBINSize(program.get(), &size), "nvrtcGetCUBINSize");
  module.cubin.resize(size);
  check(nvrtcGetCUBIN(program.get(), module.cubin.data()), "nvrtcGetCUBIN");
  module.kernels = parse_ptxas_log(module.log);
  if (want_ptx) {
    // NVRTC 13 gives no PTX for a real architecture: compile again for the virtual one.
    std::vector<std::string> options = nvrtc_options(arch);
    options.front() = "-arch=compute_" + std::to_string(arch);
    options.pop_back();  // ptxas does not run
    std::string log;
    ProgramHandle ptx_program;
    if (!run_nvrtc(source, name, headers, options, ptx_program, log))
      throw std::runtime_error("NVRTC: the source compiled for sm_" + std::to_string(arch) +
                               " but not for compute_" + std::to_string(arch) + ":\n" + log);
    check(nvrtcGetPTXSize(ptx_program.get(), &size), "nvrtcGetPTXSize");
    module.ptx.assign(size, '\0');
    check(nvrtcGetPTX(ptx_program.get(), module.ptx.data()), "nvrtcGetPTX");
    while (!module.ptx.empty() && module.ptx.back() == '\0') module.ptx.pop_back();
  }
  return module;
}

}  // namespace graphrun::cuda
