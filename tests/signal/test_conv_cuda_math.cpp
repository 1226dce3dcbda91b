// conv1d's CUDA kernels' per-output math (plugins/signal/conv_math.h, __host__ __device__)
// run on the host against the CPU op: the direct sum bit for bit on every padding mode,
// stride, dilation, groups layout and K (1 to 4 and longer), f32 and f64; silu within SPEC's
// tolerance (CUDA's exp is not SLEEF's); the depthwise register kernel's window arithmetic
// bit for bit; the FFT path's overlap-save block geometry (each output taken from one block,
// at the right offset, from the right inputs) against the CPU's FFT path. Then the choice of
// kernel (conv_cuda_plan.cpp), and that a CUDA build registers a CUDA kernel for conv1d.
#include "signal/conv_cuda_plan.h"
#include "signal/conv_math.h"

#include "support/command.h"

#include <graphrun/testing.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace graphrun::signal {
namespace {

using graphrun::testing::Array;

/// The channels of one test graph: x (N, C_in, L), w (C_out, C_in/groups, K).
struct Channels {
  int64_t batch, in, out, groups, length;
};

/// One conv1d node's attributes.
struct Attrs {
  std::string padding;  // valid, same, causal or an int
  int64_t stride, dilation, kernel;
  bool silu, bias;
  std::string algorithm = "direct";
};

/// The geometry the attributes give, worked out here from SPEC's rules (so the op's own
/// conv_geometry is checked too, by the output length); false when the op refuses them.
bool dims_of(const Channels& c, const Attrs& a, ConvDims& d) {
  d.batch = c.batch, d.in_channels = c.in, d.length = c.length;
  d.out_channels = c.out, d.kernel = a.kernel, d.groups = c.groups;
  d.stride = a.stride, d.dilation = a.dilation, d.silu = a.silu;
  const int64_t total = a.dilation * (a.kernel - 1);
  int64_t right = 0;
  if (a.padding == "valid") d.pad_left = 0;
  else if (a.padding == "causal") d.pad_left = total;
  else if (a.padding == "same") {
    if (a.stride != 1) return false;
    d.pad_left = total / 2, right = total - total / 2;
  } else {
    d.pad_left = right = std::stoll(a.padding);
  }
  const int64_t dense = c.length + d.pad_left + right - d.span() + 1;
  if (dense < 1) return false;
  d.out_length = (dense - 1) / a.stride + 1;
  return true;
}

Array random_array(std::vector<int64_t> shape, std::mt19937& rng) {
  Array a{std::move(shape), {}};
  int64_t n = 1;
  for (int64_t s : a.shape) n *= s;
  std::normal_distribution<double> normal;
  for (int64_t i = 0; i < n; ++i) a.values.push_back(normal(rng));
  return a;
}

template <typename T> std::vector<T> values_as(const Array& a) { return std::vector<T>(a.values.begin(), a.values.end()); }

/// A test graph: the inputs and one conv1d node per attribute set, outputs c0, c1, ...
struct Problem {
  Channels channels;
  std::vector<Attrs> attrs;
  std::map<std::string, Array> inputs;  // x, b, and w<K> for each K
  std::string yaml;
};

Problem make_problem(const Channels& c, const std::vector<Attrs>& candidates, const std::string& dtype, unsigned seed) {
  Problem p{c, {}, {}, {}};
  std::mt19937 rng(seed);
  p.inputs["x"] = random_array({c.batch, c.in, c.length}, rng);
  p.inputs["b"] = random_array({c.out}, rng);
  std::ostringstream nodes, outputs;
  for (const Attrs& a : candidates) {
    ConvDims d;
    if (!dims_of(c, a, d)) continue;
    const std::string w = "w" + std::to_string(a.kernel);
    if (!p.inputs.count(w)) p.inputs[w] = random_array({c.out, c.in / c.groups, a.kernel}, rng);
    const std::string id = "c" + std::to_string(p.attrs.size());
    nodes << "  - {id: " << id << ", op: conv1d, in: {x: x, w: " << w << (a.bias ? ", bias: b" : "")
          << "}, groups: " << c.groups << ", stride: " << a.stride << ", dilation: " << a.dilation
          << ", padding: " << a.padding << ", activation: " << (a.silu ? "silu" : "none")
          << ", algorithm: " << a.algorithm << "}\n";
    outputs << (p.attrs.empty() ? "" : ", ") << id;
    p.attrs.push_back(a);
  }
  std::ostringstream g;
  g << "format: 1\ngraph: conv_cuda_math\ndtype: " << dtype << "\ninputs:\n";
  for (const auto& [name, array] : p.inputs) {
    g << "  " << name << ": {shape: [";
    for (size_t k = 0; k < array.shape.size(); ++k) g << (k ? ", " : "") << array.shape[k];
    g << "]}\n";
  }
  g << "nodes:\n" << nodes.str() << "outputs: [" << outputs.str() << "]\n";
  p.yaml = g.str();
  return p;
}

/// Every padding mode, stride, dilation and K (1 to 4, then longer), with and without silu
/// and bias.
std::vector<Attrs> all_attrs(const std::string& algorithm = "direct") {
  std::vector<Attrs> out;
  int n = 0;
  for (const char* padding : {"valid", "same", "causal", "0", "1", "5"})
    for (int64_t stride : {1, 2, 3})
      for (int64_t dilation : {1, 2, 3})
        for (int64_t kernel : {1, 2, 3, 4, 7, 33})
          for (bool silu : {false, true}) out.push_back({padding, stride, dilation, kernel, silu, ++n % 3 != 0, algorithm});
  return out;
}

const std::vector<Channels> kChannelLayouts = {
    {2, 1, 1, 1, 120},   // one channel
    {2, 4, 4, 4, 120},   // depthwise
    {2, 4, 8, 4, 120},   // depthwise with two outputs per input channel
    {2, 4, 6, 2, 120},   // groups
    {1, 3, 2, 1, 120},   // dense
    {2, 8, 12, 2, 61},   // groups of 4 inputs and 6 outputs (the tiled kernel's channel tiles of 4 and a rest)
};

/// |got − want| <= tolerance·max(1, |want|)
template <typename T> bool close(T got, T want, double tolerance) {
  return std::fabs(static_cast<double>(got) - static_cast<double>(want)) <=
         tolerance * std::max(1.0, std::fabs(static_cast<double>(want)));
}

template <typename T> void check_sums_against_cpu(const std::string& dtype, double silu_tolerance) {
  int compared = 0, unequal = 0;
  for (const Channels& c : kChannelLayouts) {
    const Problem p = make_problem(c, all_attrs(), dtype, 17 + static_cast<unsigned>(compared));
    const auto got = graphrun::testing::run_graph(p.yaml, p.inputs);
    const std::vector<T> x = values_as<T>(p.inputs.at("x")), bias = values_as<T>(p.inputs.at("b"));
    for (size_t i = 0; i < p.attrs.size(); ++i) {
      const Attrs& a = p.attrs[i];
      ConvDims d;
      ASSERT_TRUE(dims_of(c, a, d));
      const std::vector<T> w = values_as<T>(p.inputs.at("w" + std::to_string(a.kernel)));
      const Array& cpu = got.at("c" + std::to_string(i));
      ASSERT_EQ(static_cast<int64_t>(cpu.values.size()), d.rows() * d.out_length) << p.yaml;
      for (int64_t row = 0; row < d.rows(); ++row)
        for (int64_t t = 0; t < d.out_length; ++t) {
          const T sum = conv_sum(d, x.data(), w.data(), a.bias ? bias.data() : nullptr, row, t);
          const T mine = conv_activate(d, sum);
          const T want = static_cast<T>(cpu.values[row * d.out_length + t]);
          if (a.silu ? !close(mine, want, silu_tolerance) : mine != want) {
            if (++unequal <= 5)
              ADD_FAILURE() << "c" << i << " padding " << a.padding << " stride " << a.stride << " dilation "
                            << a.dilation << " K " << a.kernel << " silu " << a.silu << " groups " << c.groups
                            << ": row " << row << " t " << t << ": " << mine << " vs the CPU's " << want;
          }
          ++compared;
        }
    }
  }
  EXPECT_EQ(unequal, 0);
  EXPECT_GT(compared, 100000);
}

TEST(ConvCudaMath, TheDirectSumHasTheCpuBitsF32) { check_sums_against_cpu<float>("f32", 1e-5); }
TEST(ConvCudaMath, TheDirectSumHasTheCpuBitsF64) { check_sums_against_cpu<double>("f64", 1e-12); }

/// The register kernel's arithmetic: window win[m] = x[t0 − pad + m] for each run of kLanes
/// outputs whose taps are all inside, against the CPU's depthwise path (auto picks it).
template <typename T, int kTaps, int kLanes>
void check_window(const std::string& dtype, const std::string& padding, bool silu, double tolerance) {
  const Channels c{2, 6, 6, 6, 203};
  Attrs a{padding, 1, 1, kTaps, silu, true, "auto"};
  const Problem p = make_problem(c, {a}, dtype, 5);
  ASSERT_EQ(p.attrs.size(), 1u);
  ConvDims d;
  ASSERT_TRUE(dims_of(c, a, d));
  ConvGeometry g;
  g.in_channels = g.out_channels = g.groups = c.in, g.kernel = kTaps, g.pad_left = d.pad_left;
  ASSERT_TRUE(cuda_depthwise_taps(g)) << padding;
  const auto got = graphrun::testing::run_graph(p.yaml, p.inputs);
  const std::vector<T> x = values_as<T>(p.inputs.at("x")), bias = values_as<T>(p.inputs.at("b"));
  const std::vector<T> w = values_as<T>(p.inputs.at("w" + std::to_string(kTaps)));
  int runs = 0;
  for (int64_t row = 0; row < d.rows(); ++row)
    for (int64_t t0 = 0; t0 + kLanes <= d.out_length; t0 += kLanes) {
      if (!conv_taps_inside(d, t0) || !conv_taps_inside(d, t0 + kLanes - 1)) continue;
      T win[kLanes + kTaps - 1], out[kLanes];
      for (int m = 0; m < kLanes + kTaps - 1; ++m) win[m] = x[row * d.length + t0 - d.pad_left + m];
      depthwise_window<T, kTaps, kLanes>(win, w.data() + row % c.out * kTaps, bias[row % c.out], silu, out);
      for (int i = 0; i < kLanes; ++i) {
        const T want = static_cast<T>(got.at("c0").values[row * d.out_length + t0 + i]);
        if (silu) {
          EXPECT_TRUE(close(out[i], want, tolerance)) << out[i] << " vs " << want;
        } else {
          EXPECT_EQ(out[i], want) << "row " << row << " t " << t0 + i;
        }
      }
      ++runs;
    }
  EXPECT_GT(runs, 10);
}

template <typename T, int kLanes> void check_windows(const std::string& dtype, double tolerance) {
  for (bool silu : {false, true}) {
    check_window<T, 1, kLanes>(dtype, "valid", silu, tolerance);
    check_window<T, 2, kLanes>(dtype, "causal", silu, tolerance);
    check_window<T, 3, kLanes>(dtype, "same", silu, tolerance);
    check_window<T, 3, kLanes>(dtype, "0", silu, tolerance);
    check_window<T, 4, kLanes>(dtype, "causal", silu, tolerance);
    check_window<T, 4, kLanes>(dtype, "same", silu, tolerance);
    check_window<T, 4, kLanes>(dtype, "valid", silu, tolerance);
    check_window<T, 4, kLanes>(dtype, "2", silu, tolerance);
  }
}

TEST(ConvCudaMath, TheDepthwiseWindowHasTheCpuBits) {
  check_windows<float, 8>("f32", 1e-5);
  check_windows<double, 4>("f64", 1e-12);
}

/// Overlap-save as the CUDA FFT path cuts it, each block's correlation summed directly
/// instead of by transforms: every output comes from exactly one block, and the values
/// match the CPU's FFT path to its tolerance.
template <typename T> void check_fft_blocks(const std::string& dtype, double tolerance) {
  const Channels c{2, 4, 6, 2, 700};
  std::vector<Attrs> attrs;
  for (const char* padding : {"valid", "same", "causal", "9"})
    for (int64_t stride : {1, 3})
      for (int64_t dilation : {1, 2}) attrs.push_back({padding, stride, dilation, 60, stride == 3, true, "fft"});
  const Problem p = make_problem(c, attrs, dtype, 11);
  const auto got = graphrun::testing::run_graph(p.yaml, p.inputs);
  const std::vector<T> x = values_as<T>(p.inputs.at("x")), bias = values_as<T>(p.inputs.at("b"));
  const std::vector<T> w = values_as<T>(p.inputs.at("w60"));
  ASSERT_EQ(p.attrs.size(), 14u);  // "same" with stride 3 is refused
  for (size_t i = 0; i < p.attrs.size(); ++i) {
    const Attrs& a = p.attrs[i];
    ConvDims d;
    ASSERT_TRUE(dims_of(c, a, d));
    ConvGeometry g;
    g.batch = c.batch, g.in_channels = c.in, g.length = c.length, g.out_channels = c.out, g.kernel = a.kernel;
    g.groups = c.groups, g.stride = a.stride, g.dilation = a.dilation, g.pad_left = d.pad_left;
    g.pad_right = a.padding == "causal" || a.padding == "valid" ? 0 : a.padding == "same" ? d.span() - 1 - d.pad_left : d.pad_left;
    g.out_length = d.out_length, g.f64 = dtype == "f64";
    ASSERT_EQ((g.dense_length() - 1) / d.stride + 1, d.out_length);
    // Blocks smaller than the model would pick, so every row has several.
    FftLayout l;
    l.size = 256, l.step = l.size - d.span() + 1, l.blocks = (g.dense_length() + l.step - 1) / l.step;
    ASSERT_GT(l.blocks, 2);
    std::vector<int> covered(static_cast<size_t>(d.rows() * d.out_length), 0);
    for (int64_t row = 0; row < d.rows(); ++row) {
      const int64_t co = row % d.out_channels, per_group = d.in_per_group();
      for (int64_t b = 0; b < l.blocks; ++b) {
        std::vector<T> dense(static_cast<size_t>(l.step), T(0));
        for (int64_t ci = 0; ci < per_group; ++ci) {
          std::vector<T> block(static_cast<size_t>(l.size));
          for (int64_t s = 0; s < l.size; ++s) {
            const int64_t input = fft_block_input(d, l.step, b, s);
            block[s] = input >= 0 && input < d.length ? x[d.input_row(row, ci) * d.length + input] : T(0);
          }
          for (int64_t j = 0; j < l.step; ++j)
            for (int64_t k = 0; k < d.kernel; ++k)
              dense[j] += w[(co * per_group + ci) * d.kernel + k] * block[j + k * d.dilation];
        }
        const OutputRange r = fft_block_outputs(d, l.step, b);
        for (int64_t t = r.lo; t < r.hi; ++t) {
          ASSERT_EQ(fft_block_of(d, l.step, t), b);
          const T y = conv_activate(d, dense[fft_dense_offset(d, l.step, b, t)] + bias[co]);
          const T want = static_cast<T>(got.at("c" + std::to_string(i)).values[row * d.out_length + t]);
          EXPECT_TRUE(close(y, want, tolerance)) << "c" << i << " row " << row << " t " << t << ": " << y << " vs " << want;
          ++covered[row * d.out_length + t];
        }
      }
    }
    EXPECT_TRUE(std::all_of(covered.begin(), covered.end(), [](int n) { return n == 1; })) << "c" << i;
  }
}

TEST(ConvCudaMath, TheFftBlocksCoverEveryOutputOnceAsTheCpuFftPath) {
  check_fft_blocks<float>("f32", 1e-4);
  check_fft_blocks<double>("f64", 1e-11);
}

TEST(ConvCudaMath, TheComplexProductIsTheCpus) {
  double re = 0.5, im = -1.25;
  complex_multiply_add(re, im, 3.0, 2.0, -1.5, 0.25);
  EXPECT_EQ(re, 0.5 + (3.0 * -1.5 - 2.0 * 0.25));
  EXPECT_EQ(im, -1.25 + (3.0 * 0.25 + 2.0 * -1.5));
}

// ---- The choice of kernel -----------------------------------------------------------

ConvGeometry geometry(int64_t batch, int64_t in, int64_t out, int64_t groups, int64_t length, int64_t kernel,
                      int64_t stride = 1, int64_t dilation = 1, int64_t pad_left = 0, int64_t pad_right = 0,
                      bool f64 = false, ConvAlgorithm algorithm = ConvAlgorithm::kAuto) {
  ConvGeometry g;
  g.batch = batch, g.in_channels = in, g.out_channels = out, g.groups = groups, g.length = length;
  g.kernel = kernel, g.stride = stride, g.dilation = dilation, g.pad_left = pad_left, g.pad_right = pad_right;
  g.out_length = (g.dense_length() - 1) / stride + 1;
  g.f64 = f64, g.algorithm = algorithm;
  return g;
}

TEST(ConvCudaPlan, MambasCausalConvTakesTheRegisterKernel) {
  for (int64_t k = 1; k <= 4; ++k)
    for (bool f64 : {false, true}) {
      const ConvGeometry g = geometry(8, 4096, 4096, 4096, 2048, k, 1, 1, k - 1, 0, f64);
      EXPECT_EQ(cuda_conv_plan(g).path, CudaConvPath::kDepthwiseTaps) << k;
      ConvGeometry direct = g;
      direct.algorithm = ConvAlgorithm::kDirect;
      EXPECT_EQ(cuda_conv_plan(direct).path, CudaConvPath::kDepthwiseTaps);
      ConvGeometry fft = g;
      fft.algorithm = ConvAlgorithm::kFft;
      EXPECT_EQ(cuda_conv_plan(fft).path, CudaConvPath::kFft);
    }
}

TEST(ConvCudaPlan, TheRegisterKernelOnlyWhereItsWindowHoldsTheTaps) {
  EXPECT_TRUE(cuda_depthwise_taps(geometry(1, 4, 4, 4, 100, 4, 1, 1, 3, 0)));   // causal
  EXPECT_TRUE(cuda_depthwise_taps(geometry(1, 4, 4, 4, 100, 3, 1, 1, 1, 1)));   // same
  EXPECT_TRUE(cuda_depthwise_taps(geometry(1, 4, 4, 4, 100, 4, 1, 1, 0, 0)));   // valid
  EXPECT_FALSE(cuda_depthwise_taps(geometry(1, 4, 4, 4, 100, 4, 1, 1, 4, 4)));  // padding 4 > K − 1
  EXPECT_FALSE(cuda_depthwise_taps(geometry(1, 4, 4, 4, 100, 4, 1, 2, 6, 0)));  // dilation 2
  EXPECT_FALSE(cuda_depthwise_taps(geometry(1, 4, 4, 4, 100, 5, 1, 1, 4, 0)));  // K 5
  EXPECT_FALSE(cuda_depthwise_taps(geometry(1, 4, 4, 4, 100, 4, 2, 1, 3, 0)));  // stride 2
  EXPECT_FALSE(cuda_depthwise_taps(geometry(1, 4, 8, 4, 100, 4, 1, 1, 3, 0)));  // two outputs per input
  EXPECT_EQ(cuda_conv_plan(geometry(1, 4, 4, 4, 100, 4, 1, 2, 6, 0)).path, CudaConvPath::kDirectTiled);
}

TEST(ConvCudaPlan, TheTiledKernelsSegmentFitsItsSharedMemory) {
  for (bool f64 : {false, true})
    for (int64_t stride : {1, 2, 7, 16, 17, 100})
      for (int64_t dilation : {1, 3, 50})
        for (int64_t kernel : {1, 5, 300, 5000}) {
          const ConvGeometry g = geometry(1, 2, 2, 1, 200000, kernel, stride, dilation, 0, 0, f64);
          const int64_t taps = cuda_direct_taps_per_round(g);
          const int64_t capacity = kDirectSegmentBytes / (f64 ? 8 : 4);
          if (taps == 0) {
            EXPECT_GT((kDirectTile - 1) * stride + 1, capacity);
            ConvGeometry direct = g;
            direct.algorithm = ConvAlgorithm::kDirect;
            EXPECT_EQ(cuda_conv_plan(direct).path, CudaConvPath::kDirectGlobal);
            continue;
          }
          EXPECT_LE(taps, kernel);
          EXPECT_LE((kDirectTile - 1) * stride + (taps - 1) * dilation + 1, capacity);
          if (taps < kernel) {
            EXPECT_GT((kDirectTile - 1) * stride + taps * dilation + 1, capacity);
          }
        }
}

TEST(ConvCudaPlan, LongKernelsGoThroughTheFftShortOnesDoNot) {
  // bench/roofline.py's conv1d_fft row: 2^20 samples, 2^16 taps.
  EXPECT_EQ(cuda_conv_plan(geometry(1, 1, 1, 1, 1 << 20, 1 << 16)).path, CudaConvPath::kFft);
  EXPECT_EQ(cuda_conv_plan(geometry(4, 8, 8, 8, 1 << 16, 1024)).path, CudaConvPath::kFft);
  EXPECT_NE(cuda_conv_plan(geometry(4, 8, 8, 8, 1 << 16, 9)).path, CudaConvPath::kFft);
  EXPECT_NE(cuda_conv_plan(geometry(8, 64, 64, 1, 4096, 3)).path, CudaConvPath::kFft);
  ConvGeometry forced = geometry(4, 8, 8, 8, 1 << 16, 1024);
  forced.algorithm = ConvAlgorithm::kDirect;
  EXPECT_EQ(cuda_conv_plan(forced).path, CudaConvPath::kDirectTiled);
}

TEST(ConvCudaPlan, TheFftLayoutCoversTheRowAndItsRoundsFitTheScratch) {
  for (bool f64 : {false, true})
    for (const ConvGeometry& g : {geometry(1, 1, 1, 1, 1 << 20, 1 << 16, 1, 1, 0, 0, f64),
                                  geometry(16, 64, 64, 4, 1 << 15, 513, 2, 3, 1536, 0, f64),
                                  geometry(3, 2, 2, 1, 1000, 700, 1, 1, 0, 0, f64)}) {
      const FftLayout l = cuda_fft_layout(g);
      EXPECT_EQ(l.size & (l.size - 1), 0) << l.size;
      EXPECT_GE(l.size, g.span());
      EXPECT_EQ(l.step, l.size - g.span() + 1);
      EXPECT_GE(l.blocks * l.step, g.dense_length());
      EXPECT_LT((l.blocks - 1) * l.step, g.dense_length());
      const int64_t pairs = cuda_fft_pairs(g, l);
      EXPECT_GE(pairs, 1);
      EXPECT_LE(pairs, g.batch * g.groups);
      const int64_t value = f64 ? 8 : 4;
      const int64_t per_pair = l.blocks * value *
                               (std::max(g.in_per_group(), g.out_per_group()) * l.size +
                                (g.in_per_group() + g.out_per_group()) * 2 * l.bins());
      if (pairs > 1) {
        EXPECT_LE(pairs * per_pair, kFftScratchBytes);
      }
    }
}

TEST(ConvCudaPlan, TheDimsAreTheGeometrys) {
  const ConvGeometry g = geometry(2, 6, 4, 2, 77, 5, 2, 3, 4, 1, false);
  const ConvDims d = conv_dims(g);
  EXPECT_EQ(d.out_length, g.out_length);
  EXPECT_EQ(d.span(), g.span());
  EXPECT_EQ(d.in_per_group(), 3);
  EXPECT_EQ(d.out_per_group(), 2);
  EXPECT_EQ(d.input_row(1 * 4 + 3, 2), 1 * 6 + 1 * 3 + 2);  // n 1, co 3 (group 1), its ci 2
}

TEST(ConvCudaKernels, Conv1dHasOneExactlyInACudaBuild) {
  const graphrun::testing::CommandResult r = graphrun::testing::run_graphrun({"ops", "conv1d"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const bool has_cuda = r.out.find("kernels: cpu, cuda") != std::string::npos;
  EXPECT_EQ(has_cuda, GRAPHRUN_TEST_CUDA_BUILT == 1) << r.out;
}

}  // namespace
}  // namespace graphrun::signal
