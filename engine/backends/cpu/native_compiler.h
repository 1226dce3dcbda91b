// Native CPU code compiled at run time: C++ source given by a plugin (an ode stepper with its
// right-hand side inlined), compiled by the system compiler into a shared object, cached in
// memory and on disk in the kernel cache the CUDA kernels use (same key design: source,
// target, compiler version, options), and loaded once per process.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace graphrun::cpu {

/// Native code cannot be had: no compiler, a compile error, a missing symbol. The caller
/// falls back to code with the same results.
class NativeCodeUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The compiler options every native source is compiled with: IEEE arithmetic kept (no
/// fast-math, no FMA contraction, so results have the interpreter's bits), vector
/// instructions of this CPU's x86-64 level.
const std::vector<std::string>& native_compile_options();

/// The address of the extern "C" function `symbol` of `source`, compiled (or found in the
/// cache) and loaded for the rest of the process. The compiler is $GRAPHRUN_CXX, else `c++`
/// on the PATH; GRAPHRUN_CXX=none turns native code off. Throws NativeCodeUnavailable.
void* native_function(const std::string& source, const std::string& symbol);

}  // namespace graphrun::cpu
