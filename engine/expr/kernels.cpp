// Elementwise math with numpy/PyTorch semantics in the tensor's dtype. Arithmetic runs as
// plain loops the compiler vectorizes; transcendental functions as SLEEF vector calls.
#include "expr/kernels.h"

#include "expr/simd.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace graphrun::expr {
namespace {

// ---- Operations written once for scalars (plain loops) --------------------------------

struct NegOp { template <typename T> static T apply(T x) { return -x; } };
struct AbsOp { template <typename T> static T apply(T x) { return std::fabs(x); } };
struct SqrtOp { template <typename T> static T apply(T x) { return std::sqrt(x); } };
struct SquareOp { template <typename T> static T apply(T x) { return x * x; } };
struct RecipOp { template <typename T> static T apply(T x) { return T(1) / x; } };
// As torch.relu and numpy.maximum(x, 0): NaN passes through, -0 becomes 0.
struct ReluOp {
  template <typename T> static T apply(T x) { return (x > T(0) || x != x) ? x : T(0); }
};

struct AddOp { template <typename T> static T apply(T a, T b) { return a + b; } };
struct SubOp { template <typename T> static T apply(T a, T b) { return a - b; } };
struct MulOp { template <typename T> static T apply(T a, T b) { return a * b; } };
struct DivOp { template <typename T> static T apply(T a, T b) { return a / b; } };
// numpy's maximum/minimum: NaN in either operand gives NaN.
struct MaximumOp {
  template <typename T> static T apply(T a, T b) { return (a >= b || a != a) ? a : b; }
};
struct MinimumOp {
  template <typename T> static T apply(T a, T b) { return (a <= b || a != a) ? a : b; }
};

template <typename T, typename Op>
void unary_loop(int64_t n, const T* a, const T*, T* out) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) out[i] = Op::apply(a[i]);
}

template <typename T, typename Op, Variant variant>
void binary_loop(int64_t n, const T* a, const T* b, T* out) {
  if constexpr (variant == Variant::kVectorScalar) {
    const T s = b[0];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = Op::apply(a[i], s);
  } else if constexpr (variant == Variant::kScalarVector) {
    const T s = a[0];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = Op::apply(s, b[i]);
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = Op::apply(a[i], b[i]);
  }
}

// ---- Operations on SIMD lanes (SLEEF) ----------------------------------------------------

template <typename T> using Vec = typename Lanes<T>::V;

// value - 0 rather than 0 + value: keeps the sign of -0.
template <typename T> Vec<T> splat(T value) { return value - Vec<T>{}; }

struct ExpOp { template <typename T> static Vec<T> vec(Vec<T> x) { return Lanes<T>::exp(x); } };
struct LogOp { template <typename T> static Vec<T> vec(Vec<T> x) { return Lanes<T>::log(x); } };
struct SinOp { template <typename T> static Vec<T> vec(Vec<T> x) { return Lanes<T>::sin(x); } };
struct CosOp { template <typename T> static Vec<T> vec(Vec<T> x) { return Lanes<T>::cos(x); } };
struct TanhOp { template <typename T> static Vec<T> vec(Vec<T> x) { return Lanes<T>::tanh(x); } };

// Stable sigmoid: with e = exp(-|x|), 1/(1+e) for x >= 0 and e/(1+e) otherwise, so exp
// never overflows; NaN stays NaN.
template <typename T> Vec<T> sigmoid(Vec<T> x) {
  const Vec<T> e = Lanes<T>::exp(x > T(0) ? -x : x);
  const Vec<T> one = splat<T>(1);
  return (x >= T(0) ? one : e) / (one + e);
}

struct SigmoidOp { template <typename T> static Vec<T> vec(Vec<T> x) { return sigmoid<T>(x); } };
struct SiluOp { template <typename T> static Vec<T> vec(Vec<T> x) { return x * sigmoid<T>(x); } };
// PyTorch's softplus (beta 1, threshold 20): x above the threshold, else log1p(exp(x)).
struct SoftplusOp {
  template <typename T> static Vec<T> vec(Vec<T> x) {
    return x > T(20) ? x : Lanes<T>::log1p(Lanes<T>::exp(x));
  }
};
struct PowOp {
  template <typename T> static Vec<T> vec(Vec<T> a, Vec<T> b) { return Lanes<T>::pow(a, b); }
};

template <typename T> Vec<T> load(const T* p) {
  Vec<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T> void store(T* p, Vec<T> v) { std::memcpy(p, &v, sizeof v); }

template <typename T, typename Op>
void unary_lanes(int64_t n, const T* a, const T*, T* out) {
  constexpr int kWidth = Lanes<T>::kWidth;
  int64_t i = 0;
  for (; i + kWidth <= n; i += kWidth) store(out + i, Op::template vec<T>(load(a + i)));
  if (i < n) {  // the tail goes through a full padded vector so every lane is computed alike
    T buffer[kWidth] = {};
    std::memcpy(buffer, a + i, (n - i) * sizeof(T));
    store(buffer, Op::template vec<T>(load(buffer)));
    std::memcpy(out + i, buffer, (n - i) * sizeof(T));
  }
}

template <typename T, typename Op, Variant variant>
void binary_lanes(int64_t n, const T* a, const T* b, T* out) {
  constexpr int kWidth = Lanes<T>::kWidth;
  auto operand = [](const T* p, int64_t i, bool scalar) { return scalar ? splat<T>(p[0]) : load(p + i); };
  constexpr bool a_scalar = variant == Variant::kScalarVector;
  constexpr bool b_scalar = variant == Variant::kVectorScalar;
  int64_t i = 0;
  for (; i + kWidth <= n; i += kWidth)
    store(out + i, Op::template vec<T>(operand(a, i, a_scalar), operand(b, i, b_scalar)));
  if (i < n) {
    T pad_a[kWidth] = {}, pad_b[kWidth] = {};
    std::memcpy(pad_a, a_scalar ? a : a + i, (a_scalar ? 1 : n - i) * sizeof(T));
    std::memcpy(pad_b, b_scalar ? b : b + i, (b_scalar ? 1 : n - i) * sizeof(T));
    const Vec<T> va = a_scalar ? splat<T>(a[0]) : load(pad_a);
    const Vec<T> vb = b_scalar ? splat<T>(b[0]) : load(pad_b);
    store(pad_a, Op::template vec<T>(va, vb));
    std::memcpy(out + i, pad_a, (n - i) * sizeof(T));
  }
}

template <typename T, typename Op> Kernel<T> binary_plain(Variant variant) {
  switch (variant) {
    case Variant::kVectorScalar: return &binary_loop<T, Op, Variant::kVectorScalar>;
    case Variant::kScalarVector: return &binary_loop<T, Op, Variant::kScalarVector>;
    case Variant::kVectorVector: break;
  }
  return &binary_loop<T, Op, Variant::kVectorVector>;
}

template <typename T, typename Op> Kernel<T> binary_vector(Variant variant) {
  switch (variant) {
    case Variant::kVectorScalar: return &binary_lanes<T, Op, Variant::kVectorScalar>;
    case Variant::kScalarVector: return &binary_lanes<T, Op, Variant::kScalarVector>;
    case Variant::kVectorVector: break;
  }
  return &binary_lanes<T, Op, Variant::kVectorVector>;
}

}  // namespace

template <typename T> Kernel<T> kernel_for(OpCode op, Variant variant) {
  switch (op) {
    case OpCode::kNeg: return &unary_loop<T, NegOp>;
    case OpCode::kAbs: return &unary_loop<T, AbsOp>;
    case OpCode::kSqrt: return &unary_loop<T, SqrtOp>;
    case OpCode::kSquare: return &unary_loop<T, SquareOp>;
    case OpCode::kRecip: return &unary_loop<T, RecipOp>;
    case OpCode::kRelu: return &unary_loop<T, ReluOp>;
    case OpCode::kExp: return &unary_lanes<T, ExpOp>;
    case OpCode::kLog: return &unary_lanes<T, LogOp>;
    case OpCode::kSin: return &unary_lanes<T, SinOp>;
    case OpCode::kCos: return &unary_lanes<T, CosOp>;
    case OpCode::kTanh: return &unary_lanes<T, TanhOp>;
    case OpCode::kSigmoid: return &unary_lanes<T, SigmoidOp>;
    case OpCode::kSilu: return &unary_lanes<T, SiluOp>;
    case OpCode::kSoftplus: return &unary_lanes<T, SoftplusOp>;
    case OpCode::kAdd: return binary_plain<T, AddOp>(variant);
    case OpCode::kSub: return binary_plain<T, SubOp>(variant);
    case OpCode::kMul: return binary_plain<T, MulOp>(variant);
    case OpCode::kDiv: return binary_plain<T, DivOp>(variant);
    case OpCode::kMaximum: return binary_plain<T, MaximumOp>(variant);
    case OpCode::kMinimum: return binary_plain<T, MinimumOp>(variant);
    case OpCode::kPow: return binary_vector<T, PowOp>(variant);
    case OpCode::kConst:
    case OpCode::kVar:
      break;
  }
  throw std::logic_error("no kernel for a constant or variable");
}

template Kernel<float> kernel_for<float>(OpCode, Variant);
template Kernel<double> kernel_for<double>(OpCode, Variant);

double apply_scalar(OpCode op, double a, double b) {
  double out = 0;
  kernel_for<double>(op, Variant::kVectorVector)(1, &a, &b, &out);
  return out;
}

}  // namespace graphrun::expr
