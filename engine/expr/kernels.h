// One vectorized loop per operation and dtype: the instructions of the tile evaluator,
// compiled for several SIMD targets (kernels.cpp).
#pragma once

#include "expr/expr.h"

#include <cstdint>

namespace graphrun::expr {

/// out[i] = op(a[i], b[i], c[i]) for i < n; b and c are unused by operations of fewer
/// operands. An operand that is a scalar (per the kernel's scalar mask) is read once from
/// its [0]. out may equal a, b or c.
template <typename T> using Kernel = void (*)(int64_t n, const T* a, const T* b, const T* c, T* out);

/// Which operands of a kernel are one scalar instead of n values: bit k for operand k
/// (a = 1, b = 2, c = 4). Never all of an operation's operands (that value is computed once).
using ScalarMask = unsigned;

/// The kernel of `op` (not kConst/kVar) for the best SIMD target the CPU supports (Highway's
/// run-time dispatch).
template <typename T> Kernel<T> kernel_for(OpCode op, ScalarMask scalars);

/// op applied to scalars in double precision, exactly as the evaluator does (constant folding).
double apply_scalar(OpCode op, double a, double b, double c = 0);

}  // namespace graphrun::expr
