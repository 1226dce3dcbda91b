// The instructions of the tile evaluator: one loop per operation, operand variant and dtype,
// compiled for every SIMD target (Highway's foreach_target) and chosen at run time for the
// CPU. The per-element math is graphrun's numerics layer, the same code the built-in
// plugins call, so an expr `silu` has the bits of conv1d's fused silu.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "expr/kernels.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include <graphrun/numerics/arrays-inl.h>
#include <graphrun/numerics/math-inl.h>

#include "expr/kernels.h"

#include <stdexcept>

HWY_BEFORE_NAMESPACE();
namespace graphrun::expr::HWY_NAMESPACE {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
namespace nm = graphrun::numerics::HWY_NAMESPACE;

// Each operation as apply(d, x) or apply(d, a, b) on vectors.
#define GRAPHRUN_UNARY_OP(Name, Fn)                                                              \
  struct Name {                                                                                  \
    template <class D> static hn::Vec<D> apply(D d, hn::Vec<D> x) { return Fn(d, x); }         \
  };
GRAPHRUN_UNARY_OP(NegOp, nm::Neg)
GRAPHRUN_UNARY_OP(AbsOp, nm::Abs)
GRAPHRUN_UNARY_OP(SqrtOp, nm::Sqrt)
GRAPHRUN_UNARY_OP(SquareOp, nm::Square)
GRAPHRUN_UNARY_OP(RecipOp, nm::Recip)
GRAPHRUN_UNARY_OP(ReluOp, nm::Relu)
GRAPHRUN_UNARY_OP(ExpOp, nm::Exp)
GRAPHRUN_UNARY_OP(LogOp, nm::Log)
GRAPHRUN_UNARY_OP(SinOp, nm::Sin)
GRAPHRUN_UNARY_OP(CosOp, nm::Cos)
GRAPHRUN_UNARY_OP(TanhOp, nm::Tanh)
GRAPHRUN_UNARY_OP(SigmoidOp, nm::Sigmoid)
GRAPHRUN_UNARY_OP(SiluOp, nm::Silu)
GRAPHRUN_UNARY_OP(SoftplusOp, nm::Softplus)
#undef GRAPHRUN_UNARY_OP

#define GRAPHRUN_BINARY_OP(Name, Fn)                                                             \
  struct Name {                                                                                  \
    template <class D> static hn::Vec<D> apply([[maybe_unused]] D d, hn::Vec<D> a, hn::Vec<D> b) {            \
      return Fn;                                                                                 \
    }                                                                                            \
  };
GRAPHRUN_BINARY_OP(AddOp, hn::Add(a, b))
GRAPHRUN_BINARY_OP(SubOp, hn::Sub(a, b))
GRAPHRUN_BINARY_OP(MulOp, hn::Mul(a, b))
GRAPHRUN_BINARY_OP(DivOp, hn::Div(a, b))
GRAPHRUN_BINARY_OP(MaximumOp, nm::Maximum(d, a, b))
GRAPHRUN_BINARY_OP(MinimumOp, nm::Minimum(d, a, b))
GRAPHRUN_BINARY_OP(PowOp, nm::Pow(d, a, b))
#undef GRAPHRUN_BINARY_OP

template <typename T, typename Op> void unary(int64_t n, const T* a, const T*, T* out) {
  nm::Map(hn::ScalableTag<T>(), a, n, out, [](auto d, auto x) HWY_ATTR { return Op::apply(d, x); });
}

template <typename T, typename Op, Variant variant> void binary(int64_t n, const T* a, const T* b, T* out) {
  const hn::ScalableTag<T> d;
  if constexpr (variant == Variant::kVectorScalar) {
    const hn::Vec<decltype(d)> s = hn::Set(d, b[0]);
    nm::Map(d, a, n, out, [s](auto dd, auto x) HWY_ATTR { return Op::apply(dd, x, s); });
  } else if constexpr (variant == Variant::kScalarVector) {
    const hn::Vec<decltype(d)> s = hn::Set(d, a[0]);
    nm::Map(d, b, n, out, [s](auto dd, auto x) HWY_ATTR { return Op::apply(dd, s, x); });
  } else {
    nm::Map2(d, a, b, n, out, [](auto dd, auto x, auto y) HWY_ATTR { return Op::apply(dd, x, y); });
  }
}

template <typename T, typename Op> Kernel<T> binary_kernel(Variant variant) {
  switch (variant) {
    case Variant::kVectorScalar: return &binary<T, Op, Variant::kVectorScalar>;
    case Variant::kScalarVector: return &binary<T, Op, Variant::kScalarVector>;
    case Variant::kVectorVector: break;
  }
  return &binary<T, Op, Variant::kVectorVector>;
}

template <typename T> Kernel<T> kernel_of(OpCode op, Variant variant) {
  switch (op) {
    case OpCode::kNeg: return &unary<T, NegOp>;
    case OpCode::kAbs: return &unary<T, AbsOp>;
    case OpCode::kSqrt: return &unary<T, SqrtOp>;
    case OpCode::kSquare: return &unary<T, SquareOp>;
    case OpCode::kRecip: return &unary<T, RecipOp>;
    case OpCode::kRelu: return &unary<T, ReluOp>;
    case OpCode::kExp: return &unary<T, ExpOp>;
    case OpCode::kLog: return &unary<T, LogOp>;
    case OpCode::kSin: return &unary<T, SinOp>;
    case OpCode::kCos: return &unary<T, CosOp>;
    case OpCode::kTanh: return &unary<T, TanhOp>;
    case OpCode::kSigmoid: return &unary<T, SigmoidOp>;
    case OpCode::kSilu: return &unary<T, SiluOp>;
    case OpCode::kSoftplus: return &unary<T, SoftplusOp>;
    case OpCode::kAdd: return binary_kernel<T, AddOp>(variant);
    case OpCode::kSub: return binary_kernel<T, SubOp>(variant);
    case OpCode::kMul: return binary_kernel<T, MulOp>(variant);
    case OpCode::kDiv: return binary_kernel<T, DivOp>(variant);
    case OpCode::kMaximum: return binary_kernel<T, MaximumOp>(variant);
    case OpCode::kMinimum: return binary_kernel<T, MinimumOp>(variant);
    case OpCode::kPow: return binary_kernel<T, PowOp>(variant);
    case OpCode::kConst:
    case OpCode::kVar:
      break;
  }
  throw std::logic_error("no kernel for a constant or variable");
}

}  // namespace

// The entry points of this target, one per dtype (Highway dispatches plain functions).
Kernel<float> kernel_f32(OpCode op, Variant variant) { return kernel_of<float>(op, variant); }
Kernel<double> kernel_f64(OpCode op, Variant variant) { return kernel_of<double>(op, variant); }

}  // namespace graphrun::expr::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace graphrun::expr {

HWY_EXPORT(kernel_f32);
HWY_EXPORT(kernel_f64);

template <> Kernel<float> kernel_for<float>(OpCode op, Variant variant) {
  return HWY_DYNAMIC_DISPATCH(kernel_f32)(op, variant);
}
template <> Kernel<double> kernel_for<double>(OpCode op, Variant variant) {
  return HWY_DYNAMIC_DISPATCH(kernel_f64)(op, variant);
}

double apply_scalar(OpCode op, double a, double b) {
  double out = 0;
  kernel_for<double>(op, Variant::kVectorVector)(1, &a, &b, &out);
  return out;
}

}  // namespace graphrun::expr
#endif  // HWY_ONCE
