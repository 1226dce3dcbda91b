// The C++ text of one element of a compiled Program, for CPU kernels that plugins compile at
// run time (gr_host::program_cpp): statements over `v[i]` and `out[k]` in a type `T` the
// caller defines, in a source that includes <cmath>. Only operations whose C++ form has the
// interpreter's bits exactly (IEEE arithmetic, comparisons, selections, sqrt, rounding) are
// emitted; a program using a transcendental function (the SIMD numerics layer's own
// polynomials) has no such text.
#pragma once

#include "expr/expr.h"

#include <optional>
#include <string>

namespace graphrun::expr {

/// The statements, or nullopt when an operation of `program` has no exact C++ form.
std::optional<std::string> program_cpp_source(const Program& program);

}  // namespace graphrun::expr
