// The sequence ops' CUDA kernels without a GPU: their __host__ __device__ math and their
// algorithms replayed on the host (cuda_scan_emulation.h) against the CPU ops, on shapes
// with several chunks, lengths that are not multiples of a chunk, every option, f32 and
// f64; and, in a CUDA build, that every sequence op registers a CUDA kernel.
#include "cuda_scan_emulation.h"
#include "sequence/broadcast_rows.h"
#include "sequence_test_support.h"

#include "support/command.h"

#include <graphrun/testing.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace graphrun::sequence {
namespace {

using testing::Array;

template <typename T> Array array(std::vector<int64_t> shape, const std::vector<T>& v) {
  return {std::move(shape), std::vector<double>(v.begin(), v.end())};
}

template <typename T> const char* dtype_name() { return sizeof(T) == 4 ? "f32" : "f64"; }

/// SPEC's scan tolerance: |got - want| <= rtol·|want| + atol·max|want| (the output's scale).
template <typename T> void expect_close(const std::vector<T>& got, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  const double rtol = sizeof(T) == 4 ? 1e-5 : 1e-12, atol = sizeof(T) == 4 ? 1e-4 : 1e-12;
  double scale = 0;
  for (double w : want) scale = std::max(scale, std::abs(w));
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_LE(std::abs(static_cast<double>(got[i]) - want[i]), rtol * std::abs(want[i]) + atol * scale)
        << what << " element " << i << ": " << got[i] << " vs the CPU's " << want[i];
}

TEST(CudaScanMath, ComposeAndApplyAreTheStepsInOrder) {
  const AffineMap<double> first{0.5, 2.0}, then{3.0, -1.0};
  EXPECT_EQ(apply(compose(first, then), 4.0), apply(then, apply(first, 4.0)));
  EXPECT_EQ(apply(identity_map<double>(), 7.25), 7.25);
  const AffineMap<double> items[3] = {{2, 1}, {0.5, -3}, {4, 0.25}};
  double h[3];
  rerun_items(items, 1.0, h);
  EXPECT_EQ(h[0], 3.0);
  EXPECT_EQ(h[1], -1.5);
  EXPECT_EQ(h[2], -5.75);
  EXPECT_EQ(apply(compose_items(items), 1.0), h[2]);
}

TEST(CudaScanMath, BlockScanEqualsTheSequentialRecurrenceExactlyOnIntegers) {
  // Integer-valued maps whose values stay exact: every grouping gives the same numbers, so
  // the block scan's carries and lanes must land each value on its own step.
  std::vector<AffineMap<double>> m(kScanThreads * kScanItems<double>);
  for (size_t s = 0; s < m.size(); ++s) m[s] = {s % 3 == 0 ? -1.0 : 1.0, static_cast<double>(s % 7) - 3};
  std::vector<double> h;
  emulation::block_scan<double, kScanThreads, kScanItems<double>>(m, 5.0, h);
  double v = 5.0;
  for (size_t s = 0; s < m.size(); ++s) {
    v = apply(m[s], v);
    ASSERT_EQ(h[s], v) << "step " << s;
  }
  EXPECT_EQ(apply(emulation::block_total<double, kScanThreads, kScanItems<double>>(m), 5.0), v);
}

TEST(CudaScanMath, SelectiveStepMathIsTheCpuFormula) {
  // decay_rate/decay_factor: 2^(Δ·A·log2 e) in f32, exp(Δ·A) in f64.
  for (float a : {-4.0f, -0.5f, -0.01f})
    for (float dt : {0.001f, 0.3f, 2.0f}) {
      const float want = std::exp(a * dt);
      EXPECT_NEAR(decay_factor(decay_rate(a), dt), want, 4e-7f * want) << a << " " << dt;
      EXPECT_EQ(decay_factor(decay_rate(double{a}), double{dt}), std::exp(double{a} * double{dt}));
    }
  // softplus only when asked, after the bias.
  const double bias = 0.5;
  EXPECT_EQ(selective_dt(1.0, &bias, false), 1.5);
  const double* none = nullptr;
  EXPECT_EQ(selective_dt(1.0, none, true), std::log1p(std::exp(1.0)));
  EXPECT_EQ(selective_dt(25.0, &bias, true), 25.5);
  // The output: + Dskip·u, then the silu gate.
  const double skip = 2.0, z = 1.5;
  EXPECT_EQ(selective_output(1.0, 3.0, &skip, none), 7.0);
  EXPECT_EQ(selective_output(1.0, 3.0, &skip, &z), 7.0 * (1.5 / (1.0 + std::exp(-1.5))));
  EXPECT_EQ(selective_output(1.0, 3.0, none, none), 1.0);
}

TEST(CudaScanMath, Exp2DecayEdgesAreTheCpus) {
  EXPECT_EQ(exp2_decay(0.0f), 1.0f);
  EXPECT_EQ(exp2_decay(-127.0f), 0.0f);
  EXPECT_EQ(exp2_decay(128.0f), INFINITY);
  EXPECT_TRUE(std::isnan(exp2_decay(NAN)));
  EXPECT_TRUE(std::isnan(exp2_decay(INFINITY)));
  EXPECT_TRUE(std::isnan(exp2_decay(-INFINITY)));
  EXPECT_EQ(exp2_decay(-3.0f), 0.125f);
}

// ---- recurrence ----------------------------------------------------------------------

struct RecurrenceCase {
  int64_t rows, length;
  bool a_varies, with_h0, save_all;
};

template <typename T> void check_recurrence(const RecurrenceCase& c) {
  const std::string what = std::string(dtype_name<T>()) + " rows " + std::to_string(c.rows) + " L " +
                           std::to_string(c.length) + (c.a_varies ? " a varies" : " a per row") +
                           (c.with_h0 ? " h0" : "") + (c.save_all ? " save all" : " save final");
  const auto b = uniform<T>(static_cast<size_t>(c.rows * c.length), -1, 1, 11);
  const auto a = uniform<T>(static_cast<size_t>(c.a_varies ? c.rows * c.length : c.rows), 0.9, 1.0, 12);
  auto h0 = uniform<T>(static_cast<size_t>(c.rows), -2, 2, 13);
  testing::OpTest op("recurrence");
  op.dtype(dtype_name<T>())
      .input("a", array<T>(c.a_varies ? std::vector<int64_t>{c.rows, c.length} : std::vector<int64_t>{c.rows, 1}, a))
      .input("b", array<T>({c.rows, c.length}, b))
      .attr("save", c.save_all ? "all" : "final");
  if (c.with_h0) op.input("h0", array<T>({c.rows}, h0));
  else std::fill(h0.begin(), h0.end(), T(0));
  const auto cpu = op.run();
  const std::vector<T> got = emulation::recurrence<T>(c.rows, c.length, a, c.a_varies ? 1 : 0, b, h0, c.save_all);
  expect_close(got, cpu.at("out").values, what);
}

TEST(CudaRecurrence, ChunkedBlockScanMatchesTheCpuOp) {
  const RecurrenceCase cases[] = {
      {3, 2500, true, true, true},    // several chunks, a partial last one
      {2, 5000, false, false, true},  // a constant a per row
      {4, 1100, true, true, false},   // save final from the last chunk
      {5, 1024, true, false, true},   // exactly one f32 chunk, two f64 ones
      {7, 40, true, true, true},      // short rows: one thread each
      {3, 65, false, true, false},    // just past the short rows
      {2, 1, true, true, true},
  };
  for (const RecurrenceCase& c : cases) {
    check_recurrence<float>(c);
    check_recurrence<double>(c);
  }
}

TEST(CudaRecurrence, BroadcastRowsAddressesAsNumpy) {
  // a (3, 1) against rows (2, 3): row r takes a[r % 3]; h0 (3,) likewise.
  const std::vector<int64_t> rows = {2, 3}, a_lead = {3}, h0 = {3};
  const BroadcastRows a_rows(a_lead, rows, 1), h0_rows(h0, rows);
  for (int64_t r = 0; r < 6; ++r) {
    EXPECT_EQ(a_rows.offset(r), r % 3);
    EXPECT_EQ(h0_rows.offset(r), r % 3);
  }
  const std::vector<int64_t> full = {2, 3};
  EXPECT_EQ(BroadcastRows(full, rows, 10).offset(4), 40);
  const std::vector<int64_t> one = {};
  EXPECT_EQ(BroadcastRows(one, rows).offset(5), 0);
}

// ---- selective_scan ------------------------------------------------------------------

struct SelectiveCase {
  int64_t batch, channels, states, length;
  bool options;  // Dskip, z, delta_bias, softplus
};

template <typename T> void check_selective(const SelectiveCase& c) {
  const std::string what = std::string(dtype_name<T>()) + " B " + std::to_string(c.batch) + " D " +
                           std::to_string(c.channels) + " N " + std::to_string(c.states) + " L " +
                           std::to_string(c.length) + (c.options ? " all options" : " no options");
  const int64_t B = c.batch, D = c.channels, N = c.states, L = c.length;
  emulation::SelectiveInputs<T> in{B, D, N, L, {}, {}, {}, {}, {}, {}, {}, {}, c.options};
  const size_t bdl = static_cast<size_t>(B * D * L), bnl = static_cast<size_t>(B * N * L);
  in.u = uniform<T>(bdl, -1, 1, 21);
  in.delta = uniform<T>(bdl, c.options ? -4.0 : 0.001, c.options ? 1.0 : 0.1, 22);
  in.a = uniform<T>(static_cast<size_t>(D * N), -3, -0.1, 23);
  in.bm = uniform<T>(bnl, -1, 1, 24);
  in.cm = uniform<T>(bnl, -1, 1, 25);
  testing::OpTest op("selective_scan");
  op.dtype(dtype_name<T>())
      .input("u", array<T>({B, D, L}, in.u))
      .input("delta", array<T>({B, D, L}, in.delta))
      .input("A", array<T>({D, N}, in.a))
      .input("Bm", array<T>({B, N, L}, in.bm))
      .input("Cm", array<T>({B, N, L}, in.cm));
  if (c.options) {
    in.dskip = uniform<T>(static_cast<size_t>(D), -1, 1, 26);
    in.z = uniform<T>(bdl, -3, 3, 27);
    in.delta_bias = uniform<T>(static_cast<size_t>(D), -1, 0, 28);
    op.input("Dskip", array<T>({D}, in.dskip))
        .input("z", array<T>({B, D, L}, in.z))
        .input("delta_bias", array<T>({D}, in.delta_bias))
        .attr("delta_softplus", "true");
  }
  const auto cpu = op.run();
  std::vector<T> y, final;
  emulation::selective_scan(in, y, final);
  expect_close(y, cpu.at("y").values, what + ": y");
  expect_close(final, cpu.at("final").values, what + ": final");
}

TEST(CudaSelectiveScan, ChunkedBlockScanMatchesTheCpuOp) {
  const SelectiveCase cases[] = {
      {2, 3, 16, 1500, true},   // several chunks (f32 1024, f64 512), a partial last one
      {1, 2, 5, 2048, false},   // whole chunks, states not a multiple of the staging group
      {2, 2, 24, 300, true},    // one partial chunk
      {1, 3, 1, 1, true},       // one step, one state
      {1, 2, 4, 700, false},
  };
  for (const SelectiveCase& c : cases) {
    check_selective<float>(c);
    check_selective<double>(c);
  }
}

// ---- ssm -----------------------------------------------------------------------------

/// ssm on the device in `mode` replayed on the host against the CPU op: the recurrence
/// (recurrent, and auto where the CPU steps) or the convolution (K, then directly or through
/// the FFT, in rounds of rows for `round_budget` bytes).
template <typename T>
void check_ssm(const char* method, const char* mode, bool dt_port, int64_t length, bool skip = true,
               int64_t round_budget = kSsmRoundBytes) {
  const std::string what = std::string(dtype_name<T>()) + " " + method + " " + mode + (dt_port ? " dt port" : " dt attr") +
                           (skip ? " Dskip" : "") + " L " + std::to_string(length) + " budget " +
                           std::to_string(round_budget);
  const int64_t batch = 2, D = 3, N = 10, L = length;
  const auto u = uniform<T>(static_cast<size_t>(batch * D * L), -1, 1, 31);
  const auto a = uniform<T>(static_cast<size_t>(D * N), -1, -0.01, 32);
  const auto b = uniform<T>(static_cast<size_t>(D * N), -1, 1, 33);
  const auto c = uniform<T>(static_cast<size_t>(D * N), -1, 1, 34);
  const auto dskip = skip ? uniform<T>(static_cast<size_t>(D), -1, 1, 35) : std::vector<T>();
  const auto dt = uniform<T>(static_cast<size_t>(D), 0.05, 0.2, 36);
  testing::OpTest op("ssm");
  op.dtype(dtype_name<T>())
      .input("u", array<T>({batch, D, L}, u))
      .input("A", array<T>({D, N}, a))
      .input("B", array<T>({D, N}, b))
      .input("C", array<T>({D, N}, c))
      .attr("discretization", method)
      .attr("mode", mode);
  if (skip) op.input("Dskip", array<T>({D}, dskip));
  std::vector<double> dts(static_cast<size_t>(D), 0.1);
  if (dt_port) {
    op.input("dt", array<T>({D}, dt));
    std::copy(dt.begin(), dt.end(), dts.begin());
  } else {
    op.attr("dt", "0.1");
  }
  const auto cpu = op.run();
  std::vector<T> y, final;
  if (std::string(mode) == "convolution")
    emulation::ssm_convolution<T>(batch, D, N, L, u, a, b, c, dskip, dt_port ? dt.data() : nullptr, 0.1,
                                  discretization_named(method), round_budget, y, final);
  else
    emulation::ssm<T>(batch, D, N, L, u, a, b, c, dskip, dts, discretization_named(method), y, final);
  expect_close(y, cpu.at("y").values, what + ": y");
  expect_close(final, cpu.at("final").values, what + ": final");
}

TEST(CudaSsm, RecurrentBlockScanMatchesTheCpuOp) {
  for (const char* method : {"zoh", "bilinear", "euler"})
    for (bool dt_port : {false, true}) {
      check_ssm<float>(method, "recurrent", dt_port, 1300);
      check_ssm<double>(method, "recurrent", dt_port, 1300);
    }
  check_ssm<float>("zoh", "recurrent", false, 1300, false);
  // auto: the CPU's cost model steps these (ssm.cpp: choose_convolution, which run_cuda calls too).
  check_ssm<float>("zoh", "auto", false, 77);
  check_ssm<double>("zoh", "auto", true, 77);
}

TEST(CudaSsm, ConvolutionPipelineMatchesTheCpuOp) {
  for (const char* method : {"zoh", "bilinear", "euler"})
    for (bool dt_port : {false, true}) {
      check_ssm<float>(method, "convolution", dt_port, 1300);  // through the FFT
      check_ssm<double>(method, "convolution", dt_port, 1300);
      check_ssm<float>(method, "convolution", dt_port, 77);  // directly
      check_ssm<double>(method, "convolution", dt_port, 77);
    }
  // Without the skip term; rounds of 4 rows and 2, and of 1 (the budget below one row).
  const int64_t size = fft::fast_fft_size(2 * 1300 - 1), row_f32 = (size + 2 * (size / 2 + 1)) * 4;
  check_ssm<float>("zoh", "convolution", false, 1300, false, 4 * row_f32);
  check_ssm<double>("zoh", "convolution", true, 1300, true, 1);
  // L = 1 and L = 0 (final only).
  check_ssm<double>("bilinear", "convolution", false, 1);
  check_ssm<float>("zoh", "convolution", true, 0);
}

// ---- rnn -----------------------------------------------------------------------------

template <typename T> void check_rnn(int64_t batch, int64_t input, int64_t hidden, int64_t length, bool options, bool relu) {
  const std::string what = std::string(dtype_name<T>()) + " batch " + std::to_string(batch) + " input " +
                           std::to_string(input) + " hidden " + std::to_string(hidden) + " L " + std::to_string(length) +
                           (options ? " bias h0" : "") + (relu ? " relu" : " tanh");
  const auto x = uniform<T>(static_cast<size_t>(batch * input * length), -1, 1, 41);
  const auto w_hh = uniform<T>(static_cast<size_t>(hidden * hidden), -0.3, 0.3, 42);
  const auto w_xh = uniform<T>(static_cast<size_t>(hidden * input), -0.5, 0.5, 43);
  std::vector<T> bias, h0;
  testing::OpTest op("rnn");
  op.dtype(dtype_name<T>())
      .input("x", array<T>({batch, input, length}, x))
      .input("W_hh", array<T>({hidden, hidden}, w_hh))
      .input("W_xh", array<T>({hidden, input}, w_xh))
      .attr("activation", relu ? "relu" : "tanh");
  if (options) {
    bias = uniform<T>(static_cast<size_t>(hidden), -0.5, 0.5, 44);
    h0 = uniform<T>(static_cast<size_t>(batch * hidden), -1, 1, 45);
    op.input("b", array<T>({hidden}, bias)).input("h0", array<T>({batch, hidden}, h0));
  }
  const auto cpu = op.run();
  std::vector<T> out, final;
  emulation::rnn<T>(batch, input, hidden, length, x, w_hh, w_xh, bias, h0, relu, out, final);
  expect_close(out, cpu.at("out").values, what + ": out");
  expect_close(final, cpu.at("final").values, what + ": final");
}

TEST(CudaRnn, PersistentStepsMatchTheCpuOp) {
  for (bool options : {false, true})
    for (bool relu : {false, true}) {
      check_rnn<float>(3, 5, 40, 57, options, relu);  // more units than warps, one lane's run
      check_rnn<double>(3, 5, 40, 57, options, relu);
      check_rnn<float>(2, 3, 70, 9, options, relu);   // rows longer than a warp
      check_rnn<double>(2, 3, 70, 9, options, relu);
    }
  check_rnn<double>(2, 3, 4, 0, true, false);  // no steps: final is h0
  check_rnn<float>(2, 3, 4, 0, false, false);
}

// ---- registration ----------------------------------------------------------------------

TEST(SequenceCudaKernels, EverySequenceOpHasOneExactlyInACudaBuild) {
  for (const char* op : {"recurrence", "selective_scan", "ssm", "rnn"}) {
    const graphrun::testing::CommandResult r = graphrun::testing::run_graphrun({"ops", op});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const bool has_cuda = r.out.find("kernels: cpu, cuda") != std::string::npos;
    EXPECT_EQ(has_cuda, GRAPHRUN_TEST_CUDA_BUILT == 1) << op << ":\n" << r.out;
  }
}

}  // namespace
}  // namespace graphrun::sequence
