// One vectorized loop per operation and dtype: the instructions of the tile evaluator,
// compiled for several SIMD targets (kernels.cpp).
#pragma once

#include "expr/expr.h"

#include <cstdint>

namespace graphrun::expr {

/// out[i] = op(a[i], b[i]) for i < n; b is unused by unary operations. An operand that is
/// a scalar (per the kernel's variant) is read once from a[0] or b[0]. out may equal a or b.
template <typename T> using Kernel = void (*)(int64_t n, const T* a, const T* b, T* out);

/// Which operands of a binary kernel are one scalar instead of n values.
enum class Variant { kVectorVector, kVectorScalar, kScalarVector };

/// The kernel of `op` (not kConst/kVar) for the best SIMD target the CPU supports (Highway's
/// run-time dispatch); unary operations only have kVectorVector.
template <typename T> Kernel<T> kernel_for(OpCode op, Variant variant);

/// op applied to scalars in double precision, exactly as the evaluator does (constant folding).
double apply_scalar(OpCode op, double a, double b);

}  // namespace graphrun::expr
