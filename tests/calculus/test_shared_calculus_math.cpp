// The per-element math that the CUDA kernels of derivative and integrate run
// (derivative_stencil.h, integrate_scan.h), on the host against the CPU op: derivative's
// stencil at every position gives the CPU kernel's bits; integrate's tiled segmented scan,
// followed on the host step by step as the device takes it, gives the CPU's cumulative
// integral within SPEC's tolerances (and its bits where the order of the sums is the same).
#include "calculus/derivative_stencil.h"
#include "calculus/integrate_scan.h"
#include "calculus/row_position.h"

#include <graphrun/testing.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

namespace graphrun::calculus {
namespace {

using testing::Array;
using Shape = std::vector<int64_t>;

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

/// Smooth values with some noise, deterministic, already rounded to T.
template <typename T> std::vector<double> samples(int64_t n, int seed) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] =
        static_cast<T>(std::sin(0.37 * static_cast<double>(i) + seed) * 3 + std::cos(1.7 * static_cast<double>(i * seed)));
  return v;
}

/// Strictly increasing, unevenly spaced positions, rounded to T.
template <typename T> std::vector<double> uneven_positions(int64_t n) {
  std::vector<double> t(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double u = static_cast<double>(i);
    t[static_cast<size_t>(i)] = static_cast<T>(0.5 * u + 0.2 * std::sin(1.3 * u) + 0.01 * u * u / (n + 1.0));
  }
  return t;
}

/// Equally spaced positions (steps exactly equal in T): derivative treats them as dx.
template <typename T> std::vector<double> even_positions(int64_t n) {
  std::vector<double> t(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) t[static_cast<size_t>(i)] = static_cast<T>(-2.0 + 0.25 * static_cast<double>(i));
  return t;
}

template <typename T> std::vector<T> as(const std::vector<double>& v) { return {v.begin(), v.end()}; }

template <typename T> const char* dtype_name() { return sizeof(T) == 4 ? "f32" : "f64"; }

// ---- derivative ----

struct DerivativeCase {
  std::string attrs;  // scheme, order, accuracy, edge_order as YAML
  DerivativeScheme scheme;
};

std::vector<DerivativeCase> derivative_cases() {
  using K = DerivativeScheme::Kind;
  std::vector<DerivativeCase> cases;
  for (int order : {1, 2}) {
    for (int accuracy : {2, 4})
      for (int edge : {1, 2})
        cases.push_back({"scheme: central, order: " + std::to_string(order) + ", accuracy: " +
                             std::to_string(accuracy) + ", edge_order: " + std::to_string(edge),
                         {K::kCentral, order, accuracy, edge}});
    cases.push_back({"scheme: forward, order: " + std::to_string(order), {K::kForward, order, 2, 1}});
    cases.push_back({"scheme: backward, order: " + std::to_string(order), {K::kBackward, order, 2, 1}});
  }
  return cases;
}

int64_t fewest_samples(const DerivativeScheme& s) {
  if (s.kind != DerivativeScheme::Kind::kCentral) return s.order + 1;
  return s.order == 1 ? s.edge_order + 1 : s.edge_order + 2;
}

enum class Grid { kDx, kUneven, kEven };

/// The derivative as the CUDA kernel computes it: each flattened output g at its row
/// position (row_position), the stencil after the uniform-spacing check.
template <typename T>
std::vector<T> stencil_derivative(const DerivativeScheme& scheme, const Shape& shape, const std::vector<T>& x,
                                  const std::vector<T>* t, double dx) {
  const int64_t length = shape.back();
  DerivativeStencil<T> st{scheme, length, t ? t->data() : nullptr, dx};
  if (t && uniformly_spaced(t->data(), length)) st.treat_as_uniform();
  std::vector<T> out(x.size());
  for (int64_t g = 0; g < static_cast<int64_t>(x.size()); ++g) {
    const RowPosition at = row_position(g, length);
    out[static_cast<size_t>(g)] = st.at(x.data() + (g - at.pos), at.pos);
  }
  return out;
}

template <typename T> void check_derivative_bits() {
  const std::vector<Shape> shapes = {{2}, {3}, {4}, {5}, {6}, {9}, {3, 7}, {2, 3, 11}, {1, 40}};
  int checked = 0;
  for (const DerivativeCase& c : derivative_cases())
    for (const Shape& shape : shapes) {
      const int64_t length = shape.back();
      if (length < fewest_samples(c.scheme)) continue;
      const std::vector<double> x = samples<T>(numel(shape), static_cast<int>(length));
      for (Grid spacing : {Grid::kDx, Grid::kUneven, Grid::kEven}) {
        testing::OpTest op("derivative");
        op.dtype(dtype_name<T>()).input("x", Array{shape, x}).attrs("{" + c.attrs + "}");
        std::vector<double> t;
        const double dx = spacing == Grid::kDx ? 0.3 : 1.0;
        if (spacing == Grid::kDx) {
          op.attr("dx", "0.3");
        } else {
          t = spacing == Grid::kUneven ? uneven_positions<T>(length) : even_positions<T>(length);
          op.input("t", Array{{length}, t});
        }
        const std::vector<double> cpu = op.run().at("out").values;
        const std::vector<T> tt = as<T>(t);
        const std::vector<T> mine = stencil_derivative<T>(c.scheme, shape, as<T>(x), t.empty() ? nullptr : &tt, dx);
        ASSERT_EQ(cpu.size(), mine.size());
        for (size_t i = 0; i < cpu.size(); ++i) {
          // The same bits (NaN nowhere: the positions differ and the steps are nonzero).
          ASSERT_EQ(static_cast<T>(cpu[i]), mine[i])
              << c.attrs << " shape (" << shape.size() << " axes) length " << length << " spacing "
              << static_cast<int>(spacing) << " element " << i;
        }
        ++checked;
      }
    }
  EXPECT_GT(checked, 200);
}

TEST(SharedDerivativeStencil, GivesTheCpuKernelsBitsF64) { check_derivative_bits<double>(); }
TEST(SharedDerivativeStencil, GivesTheCpuKernelsBitsF32) { check_derivative_bits<float>(); }

TEST(SharedDerivativeStencil, FornbergWeightsAreExactOnPolynomials) {
  // Nodes -1, 0, 2 (uneven): the first derivative of x^2 at 0 is 0, the second is 2.
  const double z[3] = {-1, 0, 2};
  double w1[3], w2[3];
  fornberg_weights<3, 1>(z, w1);
  fornberg_weights<3, 2>(z, w2);
  double d1 = 0, d2 = 0, s1 = 0;
  for (int j = 0; j < 3; ++j) {
    d1 += w1[j] * z[j] * z[j];
    d2 += w2[j] * z[j] * z[j];
    s1 += w1[j] * z[j];
  }
  EXPECT_NEAR(d1, 0, 1e-15);
  EXPECT_NEAR(d2, 2, 1e-15);
  EXPECT_NEAR(s1, 1, 1e-15);
}

TEST(SharedRowPosition, SplitsFlatIndicesInBothWidths) {
  for (int64_t length : {int64_t{1}, int64_t{3}, int64_t{2048}, int64_t{5} << 32})
    for (int64_t g : {int64_t{0}, int64_t{1}, int64_t{4097}, (int64_t{1} << 32) + 7, (int64_t{3} << 40) + 11}) {
      const RowPosition at = row_position(g, length);
      EXPECT_EQ(at.row, g / length);
      EXPECT_EQ(at.pos, g % length);
    }
}

// ---- integrate ----

/// integrate.cu's three passes, one thread and one tile after another on the host: each
/// tile's window with its halo, the pieces of each thread (thread_pieces), the tile scanned
/// left to right; the tiles' totals into carries; each output its carry then its piece.
template <typename T>
std::vector<T> tiled_integral(const IntegralTerms<T>& terms, const std::vector<T>& x, int64_t length, T initial) {
  const int64_t n = static_cast<int64_t>(x.size());
  const int64_t tiles = (n + kScanTile - 1) / kScanTile;
  std::vector<RunningPiece> scanned(static_cast<size_t>(tiles * kScanTile));
  std::vector<RunningPiece> carries(static_cast<size_t>(tiles));
  RunningPiece carry = no_piece();
  for (int64_t tile = 0; tile < tiles; ++tile) {
    const int64_t begin = tile * kScanTile, window_begin = begin - kHaloBefore;
    std::vector<T> window(kScanWindowSlots);
    for (int k = 0; k < kScanWindow; ++k) {
      const int64_t g = window_begin + k;
      window[static_cast<size_t>(window_slot(k))] = g >= 0 && g < n ? x[static_cast<size_t>(g)] : T(0);
    }
    RunningPiece running = no_piece();
    for (int thread = 0; thread < kScanThreads; ++thread) {
      RunningPiece pieces[kScanItems];
      thread_pieces(terms, window.data(), window_begin, begin + int64_t{thread} * kScanItems, length, n, pieces);
      for (int j = 0; j < kScanItems; ++j) {
        running = FollowedBy()(running, pieces[j]);
        scanned[static_cast<size_t>(begin + thread * kScanItems + j)] = running;
      }
    }
    carries[static_cast<size_t>(tile)] = carry;
    carry = FollowedBy()(carry, running);
  }
  std::vector<T> out(static_cast<size_t>(n));
  for (int64_t g = 0; g < n; ++g)
    out[static_cast<size_t>(g)] =
        output_of(FollowedBy()(carries[static_cast<size_t>(g / kScanTile)], scanned[static_cast<size_t>(g)]), initial);
  return out;
}

const char* method_name(IntegralMethod m) {
  return m == IntegralMethod::kTrapezoid ? "trapezoid" : m == IntegralMethod::kRectangle ? "rectangle" : "simpson";
}

/// Checks the tiled integral against the CPU op on one shape; `exact`: bit for bit.
template <typename T>
void check_integral(IntegralMethod method, const Shape& shape, bool with_t, bool exact) {
  const int64_t length = shape.back();
  const std::vector<double> x = samples<T>(numel(shape), 3);
  const double initial = 0.75;
  testing::OpTest op("integrate");
  op.dtype(dtype_name<T>())
      .input("x", Array{shape, x})
      .attrs(std::string("{method: ") + method_name(method) + ", initial: 0.75}");
  std::vector<double> t;
  if (with_t) {
    t = uneven_positions<T>(length);
    op.input("t", Array{{length}, t});
  } else {
    op.attr("dx", "0.3");
  }
  const std::vector<double> cpu = op.run().at("out").values;
  const std::vector<T> tt = as<T>(t);
  const IntegralTerms<T> terms(method, length, with_t ? tt.data() : nullptr, with_t ? 1.0 : 0.3);
  const std::vector<T> mine = tiled_integral<T>(terms, as<T>(x), length, T(initial));
  ASSERT_EQ(cpu.size(), mine.size());
  // SPEC: scans within 1e-4 (f32) of the output's scale; f64 within 1e-12 of it.
  double scale = 0;
  for (double v : cpu) scale = std::max(scale, std::abs(v));
  const double tolerance = (sizeof(T) == 4 ? 1e-4 : 1e-12) * std::max(scale, 1.0);
  for (size_t i = 0; i < cpu.size(); ++i) {
    if (exact)
      ASSERT_EQ(static_cast<T>(cpu[i]), mine[i]) << method_name(method) << " length " << length << " element " << i;
    else
      ASSERT_NEAR(cpu[i], static_cast<double>(mine[i]), tolerance)
          << method_name(method) << " length " << length << " element " << i;
  }
}

const std::vector<Shape>& integral_shapes() {
  static const std::vector<Shape> shapes = {
      {1},        {2},        {3},          {7},           {5, 7},       {1000, 3},  // many rows in a tile
      {3, 2049},  {2, 4097},  {1, 5000},    {6143},        {3, 3, 700},  {2, 1},
  };
  return shapes;
}

TEST(SharedIntegralScan, FollowsTheCpuWithinTolerance) {
  for (IntegralMethod m : {IntegralMethod::kTrapezoid, IntegralMethod::kRectangle, IntegralMethod::kSimpson})
    for (const Shape& shape : integral_shapes())
      for (bool with_t : {false, true}) {
        SCOPED_TRACE(std::string(method_name(m)) + (with_t ? " t" : " dx") + " rows of " + std::to_string(shape.back()));
        check_integral<double>(m, shape, with_t, false);
        check_integral<float>(m, shape, with_t, false);
      }
}

TEST(SharedIntegralScan, GivesTheCpuBitsWhenRowsStayInsideTiles) {
  // Rows of 256 samples: every row starts and ends inside one tile, so the host's left to
  // right scan adds exactly as the CPU kernel does (in f64, the sums' type).
  for (IntegralMethod m : {IntegralMethod::kTrapezoid, IntegralMethod::kRectangle, IntegralMethod::kSimpson})
    for (bool with_t : {false, true}) check_integral<double>(m, {20, 256}, with_t, true);
}

TEST(SharedIntegralScan, PiecesCombineAssociatively) {
  const RunningPiece a{1.5, 0}, b{2.0, 1}, c{4.0, 0}, d{8.0, 0};
  const FollowedBy f;
  for (const auto& [p, q, r] : {std::tuple{a, b, c}, std::tuple{a, c, d}, std::tuple{b, c, d}, std::tuple{c, b, a}}) {
    const RunningPiece left = f(f(p, q), r), right = f(p, f(q, r));
    EXPECT_EQ(left.value, right.value);
    EXPECT_EQ(left.starts, right.starts);
  }
  EXPECT_EQ(f(no_piece(), c).value, c.value);
  EXPECT_EQ(f(a, b).value, 2.0);  // a row starts in b: nothing before it counts
}

}  // namespace
}  // namespace graphrun::calculus
