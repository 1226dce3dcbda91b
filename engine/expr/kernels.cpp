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

#include <cstring>
#include <stdexcept>

HWY_BEFORE_NAMESPACE();
namespace graphrun::expr::HWY_NAMESPACE {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
namespace nm = graphrun::numerics::HWY_NAMESPACE;

// Each operation as apply(d, x), apply(d, a, b) or apply(d, c, a, b) on vectors.
#define GRAPHRUN_UNARY_OP(Name, Fn)                                                              \
  struct Name {                                                                                  \
    static constexpr int kArity = 1;                                                             \
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
GRAPHRUN_UNARY_OP(TanOp, nm::Tan)
GRAPHRUN_UNARY_OP(AsinOp, nm::Asin)
GRAPHRUN_UNARY_OP(AcosOp, nm::Acos)
GRAPHRUN_UNARY_OP(AtanOp, nm::Atan)
GRAPHRUN_UNARY_OP(SinhOp, nm::Sinh)
GRAPHRUN_UNARY_OP(CoshOp, nm::Cosh)
GRAPHRUN_UNARY_OP(AsinhOp, nm::Asinh)
GRAPHRUN_UNARY_OP(AcoshOp, nm::Acosh)
GRAPHRUN_UNARY_OP(AtanhOp, nm::Atanh)
GRAPHRUN_UNARY_OP(ErfOp, nm::Erf)
GRAPHRUN_UNARY_OP(Log1pOp, nm::Log1p)
GRAPHRUN_UNARY_OP(Expm1Op, nm::Expm1)
GRAPHRUN_UNARY_OP(SignOp, nm::Sign)
GRAPHRUN_UNARY_OP(FloorOp, nm::Floor)
GRAPHRUN_UNARY_OP(CeilOp, nm::Ceil)
GRAPHRUN_UNARY_OP(RoundOp, nm::Round)
#undef GRAPHRUN_UNARY_OP

#define GRAPHRUN_BINARY_OP(Name, Fn)                                                             \
  struct Name {                                                                                  \
    static constexpr int kArity = 2;                                                             \
    template <class D> static hn::Vec<D> apply([[maybe_unused]] D d, hn::Vec<D> a, hn::Vec<D> b) { \
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
GRAPHRUN_BINARY_OP(Atan2Op, nm::Atan2(d, a, b))
GRAPHRUN_BINARY_OP(HypotOp, nm::Hypot(d, a, b))
GRAPHRUN_BINARY_OP(FmodOp, nm::Fmod(d, a, b))
// Comparisons give 1 or 0; with NaN every one is false but !=, as numpy's.
GRAPHRUN_BINARY_OP(LessOp, hn::IfThenElseZero(hn::Lt(a, b), hn::Set(d, 1)))
GRAPHRUN_BINARY_OP(LessEqualOp, hn::IfThenElseZero(hn::Le(a, b), hn::Set(d, 1)))
GRAPHRUN_BINARY_OP(GreaterOp, hn::IfThenElseZero(hn::Gt(a, b), hn::Set(d, 1)))
GRAPHRUN_BINARY_OP(GreaterEqualOp, hn::IfThenElseZero(hn::Ge(a, b), hn::Set(d, 1)))
GRAPHRUN_BINARY_OP(EqualOp, hn::IfThenElseZero(hn::Eq(a, b), hn::Set(d, 1)))
GRAPHRUN_BINARY_OP(NotEqualOp, hn::IfThenZeroElse(hn::Eq(a, b), hn::Set(d, 1)))
#undef GRAPHRUN_BINARY_OP

// where(c, a, b): a where c is nonzero (NaN included, as numpy's bool(nan)), else b.
struct WhereOp {
  static constexpr int kArity = 3;
  template <class D> static hn::Vec<D> apply(D d, hn::Vec<D> c, hn::Vec<D> a, hn::Vec<D> b) {
    return hn::IfThenElse(hn::Eq(c, hn::Zero(d)), b, a);
  }
};

template <class Op, class D> HWY_INLINE hn::Vec<D> apply_op(D d, const hn::Vec<D>* v) {
  if constexpr (Op::kArity == 1) return Op::apply(d, v[0]);
  else if constexpr (Op::kArity == 2) return Op::apply(d, v[0], v[1]);
  else return Op::apply(d, v[0], v[1], v[2]);
}

// The loop of every kernel: full vectors, then the last few values through one zero-padded
// vector (as numerics' Map), so a value's bits never depend on where it sits. A scalar
// operand is one vector of copies.
template <typename T, class Op, ScalarMask kScalars>
void kernel(int64_t n, const T* a, const T* b, const T* c, T* out) {
  const hn::ScalableTag<T> d;
  using V = hn::Vec<decltype(d)>;
  constexpr int kArity = Op::kArity;
  const T* in[3] = {a, b, c};
  V v[kArity];
  for (int k = 0; k < kArity; ++k)
    if ((kScalars >> k) & 1) v[k] = hn::Set(d, in[k][0]);
  const int64_t w = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + w <= n; i += w) {
    for (int k = 0; k < kArity; ++k)
      if (!((kScalars >> k) & 1)) v[k] = hn::LoadU(d, in[k] + i);
    hn::StoreU(apply_op<Op>(d, v), d, out + i);
  }
  if (i == n) return;
  HWY_ALIGN T tail[kArity][hn::MaxLanes(d)] = {};
  for (int k = 0; k < kArity; ++k)
    if (!((kScalars >> k) & 1)) {
      std::memcpy(tail[k], in[k] + i, static_cast<size_t>(n - i) * sizeof(T));
      v[k] = hn::Load(d, tail[k]);
    }
  hn::Store(apply_op<Op>(d, v), d, tail[0]);
  std::memcpy(out + i, tail[0], static_cast<size_t>(n - i) * sizeof(T));
}

// The kernel of Op for one scalar mask (all-scalar masks fall back to the plain kernel,
// which reads [0] of each operand the same way when n = 1).
template <typename T, class Op> Kernel<T> kernel_of_mask(ScalarMask scalars) {
  if constexpr (Op::kArity >= 2) {
    switch (scalars) {
      case 1: return &kernel<T, Op, 1>;
      case 2: return &kernel<T, Op, 2>;
      default: break;
    }
  }
  if constexpr (Op::kArity == 3) {
    switch (scalars) {
      case 3: return &kernel<T, Op, 3>;
      case 4: return &kernel<T, Op, 4>;
      case 5: return &kernel<T, Op, 5>;
      case 6: return &kernel<T, Op, 6>;
      default: break;
    }
  }
  return &kernel<T, Op, 0>;
}

template <typename T> Kernel<T> kernel_of(OpCode op, ScalarMask scalars) {
  switch (op) {
    case OpCode::kNeg: return kernel_of_mask<T, NegOp>(scalars);
    case OpCode::kAbs: return kernel_of_mask<T, AbsOp>(scalars);
    case OpCode::kSqrt: return kernel_of_mask<T, SqrtOp>(scalars);
    case OpCode::kSquare: return kernel_of_mask<T, SquareOp>(scalars);
    case OpCode::kRecip: return kernel_of_mask<T, RecipOp>(scalars);
    case OpCode::kRelu: return kernel_of_mask<T, ReluOp>(scalars);
    case OpCode::kExp: return kernel_of_mask<T, ExpOp>(scalars);
    case OpCode::kLog: return kernel_of_mask<T, LogOp>(scalars);
    case OpCode::kSin: return kernel_of_mask<T, SinOp>(scalars);
    case OpCode::kCos: return kernel_of_mask<T, CosOp>(scalars);
    case OpCode::kTanh: return kernel_of_mask<T, TanhOp>(scalars);
    case OpCode::kSigmoid: return kernel_of_mask<T, SigmoidOp>(scalars);
    case OpCode::kSilu: return kernel_of_mask<T, SiluOp>(scalars);
    case OpCode::kSoftplus: return kernel_of_mask<T, SoftplusOp>(scalars);
    case OpCode::kTan: return kernel_of_mask<T, TanOp>(scalars);
    case OpCode::kAsin: return kernel_of_mask<T, AsinOp>(scalars);
    case OpCode::kAcos: return kernel_of_mask<T, AcosOp>(scalars);
    case OpCode::kAtan: return kernel_of_mask<T, AtanOp>(scalars);
    case OpCode::kSinh: return kernel_of_mask<T, SinhOp>(scalars);
    case OpCode::kCosh: return kernel_of_mask<T, CoshOp>(scalars);
    case OpCode::kAsinh: return kernel_of_mask<T, AsinhOp>(scalars);
    case OpCode::kAcosh: return kernel_of_mask<T, AcoshOp>(scalars);
    case OpCode::kAtanh: return kernel_of_mask<T, AtanhOp>(scalars);
    case OpCode::kErf: return kernel_of_mask<T, ErfOp>(scalars);
    case OpCode::kLog1p: return kernel_of_mask<T, Log1pOp>(scalars);
    case OpCode::kExpm1: return kernel_of_mask<T, Expm1Op>(scalars);
    case OpCode::kSign: return kernel_of_mask<T, SignOp>(scalars);
    case OpCode::kFloor: return kernel_of_mask<T, FloorOp>(scalars);
    case OpCode::kCeil: return kernel_of_mask<T, CeilOp>(scalars);
    case OpCode::kRound: return kernel_of_mask<T, RoundOp>(scalars);
    case OpCode::kAdd: return kernel_of_mask<T, AddOp>(scalars);
    case OpCode::kSub: return kernel_of_mask<T, SubOp>(scalars);
    case OpCode::kMul: return kernel_of_mask<T, MulOp>(scalars);
    case OpCode::kDiv: return kernel_of_mask<T, DivOp>(scalars);
    case OpCode::kMaximum: return kernel_of_mask<T, MaximumOp>(scalars);
    case OpCode::kMinimum: return kernel_of_mask<T, MinimumOp>(scalars);
    case OpCode::kPow: return kernel_of_mask<T, PowOp>(scalars);
    case OpCode::kAtan2: return kernel_of_mask<T, Atan2Op>(scalars);
    case OpCode::kHypot: return kernel_of_mask<T, HypotOp>(scalars);
    case OpCode::kFmod: return kernel_of_mask<T, FmodOp>(scalars);
    case OpCode::kLess: return kernel_of_mask<T, LessOp>(scalars);
    case OpCode::kLessEqual: return kernel_of_mask<T, LessEqualOp>(scalars);
    case OpCode::kGreater: return kernel_of_mask<T, GreaterOp>(scalars);
    case OpCode::kGreaterEqual: return kernel_of_mask<T, GreaterEqualOp>(scalars);
    case OpCode::kEqual: return kernel_of_mask<T, EqualOp>(scalars);
    case OpCode::kNotEqual: return kernel_of_mask<T, NotEqualOp>(scalars);
    case OpCode::kWhere: return kernel_of_mask<T, WhereOp>(scalars);
    case OpCode::kConst:
    case OpCode::kVar:
      break;
  }
  throw std::logic_error("no kernel for a constant or variable");
}

}  // namespace

// The entry points of this target, one per dtype (Highway dispatches plain functions).
Kernel<float> kernel_f32(OpCode op, ScalarMask scalars) { return kernel_of<float>(op, scalars); }
Kernel<double> kernel_f64(OpCode op, ScalarMask scalars) { return kernel_of<double>(op, scalars); }

}  // namespace graphrun::expr::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace graphrun::expr {

HWY_EXPORT(kernel_f32);
HWY_EXPORT(kernel_f64);

template <> Kernel<float> kernel_for<float>(OpCode op, ScalarMask scalars) {
  return HWY_DYNAMIC_DISPATCH(kernel_f32)(op, scalars);
}
template <> Kernel<double> kernel_for<double>(OpCode op, ScalarMask scalars) {
  return HWY_DYNAMIC_DISPATCH(kernel_f64)(op, scalars);
}

double apply_scalar(OpCode op, double a, double b, double c) {
  double out = 0;
  kernel_for<double>(op, 0)(1, &a, &b, &c, &out);
  return out;
}

}  // namespace graphrun::expr
#endif  // HWY_ONCE
