// `ode` with its steps compiled to native code (plugins/calculus/native_stepper.*) against the
// interpreted stages (GRAPHRUN_CXX=none): the same bits for every method, in f32
// and f64, at several thread counts; the compiled code's disk cache is reused, a corrupted
// entry is rebuilt, and a failing compiler falls back to the same results.
#include "graph_text.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

/// Sets an environment variable for the scope (graphrun inherits the test's environment).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { had_ ? ::setenv(name_, old_.c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

std::vector<double> uniform(size_t n, double lo, double hi, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<double> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// 2500 elements: two whole tiles and a part (f64), a tail shorter than any vector. Two
// states, a per-element coefficient, a scalar coefficient, a driving signal, a param and t,
// through every operation the native code has (comparisons, where, clip, sqrt, rounding).
constexpr size_t kElements = 2500;
constexpr int kSteps = 12;

std::string graph(const std::string& dtype, const std::string& method, const std::string& save,
                  bool fma = false, bool signal = true) {
  std::string yaml = "format: 1\ngraph: native\ndtype: " + dtype + "\nparams: {c: 0.3}\nnodes:\n";
  for (const char* name : {"x0", "v0", "w", "g", "u"})
    yaml += std::string("  - {id: ") + name + ", op: read, path: " + name + ".npy}\n";
  return yaml + "  - {id: y, op: ode, in: {x: x0, v: v0, w: w, g: g, u: u}, signals: [" + (signal ? "u" : "") +
         "], method: " + method +
         ", dt: 0.05, steps: 12, t0: 0.25, rtol: 1e-3, atol: 1e-3, fma: " + (fma ? "true" : "false") +
         ", save: " + save +
         ",\n     rhs: {x: \"v + where(x > 0.5, -g * x, sqrt(abs(x))) - clip(v, -1, 1) / 4\",\n"
         "           v: \"-w * w * x - c * v + 0.25 * t + u + floor(2 * x) - ceil(v) + round(3 * v) - "
         "sign(x) * (v != 0) + maximum(x, v) * minimum(x, 0.5) + square(x) * (t >= 0.3)\"}}\n"
         "outputs: {x: \"y:x\", v: \"y:v\"}\n";
}

std::map<std::string, InputArray> inputs(bool signal = true) {
  std::map<std::string, InputArray> in;
  in["x0"] = {{2500}, uniform(kElements, -1, 1, 1)};
  in["v0"] = {{2500}, uniform(kElements, -1, 1, 2)};
  in["w"] = {{2500}, uniform(kElements, 0.5, 3, 3)};
  in["g"] = {{}, {0.75}};
  in["u"] = signal ? InputArray{{2500, 12}, uniform(kElements * kSteps, -0.1, 0.1, 4)}
                   : InputArray{{2500}, uniform(kElements, -0.1, 0.1, 4)};
  return in;
}

/// The outputs' values, or a failure naming the run.
std::vector<std::vector<double>> run(const std::string& dtype, const std::string& method, const std::string& save,
                                     int threads, bool fma = false, bool signal = true) {
  const GraphRun r = run_graph_text(graph(dtype, method, save, fma, signal), inputs(signal), dtype == "f64" ? GR_F64 : GR_F32,
                                    {"x", "v"}, {"--threads", std::to_string(threads)});
  EXPECT_EQ(r.result.exit_code, 0) << r.result.err;
  EXPECT_EQ(r.result.err.find("no native CPU code"), std::string::npos) << r.result.err;
  std::vector<std::vector<double>> out;
  for (const auto& [name, a] : r.outputs) out.push_back(values_of(a));
  return out;
}

/// Bit equality, NaN included (memcmp of the doubles each value converts to exactly).
void expect_same_bits(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b,
                      const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].size(), b[k].size()) << what;
    for (size_t i = 0; i < a[k].size(); ++i)
      ASSERT_EQ(std::memcmp(&a[k][i], &b[k][i], sizeof(double)), 0)
          << what << ": output " << k << " value " << i << ": " << a[k][i] << " vs " << b[k][i];
  }
}

class NativeStep : public ::testing::TestWithParam<std::string> {};

TEST_P(NativeStep, MatchesTheInterpretedStagesBitForBit) {
  TempDir cache;
  ScopedEnv folder("GRAPHRUN_KERNEL_CACHE", cache.path());
  const std::string method = GetParam();
  for (const std::string dtype : {"f64", "f32"})
    for (const std::string save : {"final", "trajectory"}) {
      std::vector<std::vector<double>> interpreted;
      {
        ScopedEnv off("GRAPHRUN_CXX", "none");
        interpreted = run(dtype, method, save, 1);
      }
      ASSERT_FALSE(interpreted.empty());
      ASSERT_FALSE(interpreted[0].empty());
      for (int threads : {1, 2, 3})
        expect_same_bits(run(dtype, method, save, threads), interpreted,
                         method + " " + dtype + " " + save + " threads " + std::to_string(threads));
    }
  // The runs compiled native code (one entry per dtype), rather than all falling back.
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(cache.path())) entries += e.path().extension() == ".kernel";
  EXPECT_EQ(entries, 2u);
}

INSTANTIATE_TEST_SUITE_P(Ode, NativeStep, ::testing::Values("euler", "heun", "rk4", "ab2", "ab3", "ab4", "dopri5"));

// Without a signal and saving only the final state, euler and Adams-Bashforth run every step
// in one native call per tile, lanes of elements in the first-level cache (NativeRunFn): the
// same bits, with the tile's last lanes partly filled (2500 elements), fma on or off.
TEST_P(NativeStep, RunsOfWholeIntervalsMatchTheInterpretedStages) {
  TempDir cache;
  ScopedEnv folder("GRAPHRUN_KERNEL_CACHE", cache.path());
  const std::string method = GetParam();
  for (const std::string dtype : {"f64", "f32"})
    for (bool fma : {false, true}) {
      std::vector<std::vector<double>> interpreted;
      {
        ScopedEnv off("GRAPHRUN_CXX", "none");
        interpreted = run(dtype, method, "final", 1, fma, false);
      }
      ASSERT_FALSE(interpreted.empty());
      for (int threads : {1, 2, 3})
        expect_same_bits(run(dtype, method, "final", threads, fma, false), interpreted,
                         method + " " + dtype + (fma ? " fma" : "") + " threads " + std::to_string(threads));
    }
}

// fma: true changes the results (one rounding per term), the same way on both paths.
TEST(NativeStepFma, IsTheSameOnBothPathsAndNotTheDefault) {
  TempDir cache;
  ScopedEnv folder("GRAPHRUN_KERNEL_CACHE", cache.path());
  for (const std::string method : {"heun", "rk4", "ab3", "dopri5"})
    for (const std::string dtype : {"f64", "f32"}) {
      std::vector<std::vector<double>> interpreted;
      {
        ScopedEnv off("GRAPHRUN_CXX", "none");
        interpreted = run(dtype, method, "final", 1, true);
      }
      const auto native = run(dtype, method, "final", 2, true);
      expect_same_bits(native, interpreted, "fma " + method + " " + dtype);
      const auto plain = run(dtype, method, "final", 2, false);
      ASSERT_EQ(plain.size(), native.size());
      EXPECT_NE(plain, native) << method << " " << dtype << ": fma: true changed nothing";
    }
}

// Elements that cannot meet the tolerance (x' = x^2 from x0 is 1/(1/x0 - t): infinite at
// t = 1/x0). Within a tile the run stops at the first grid interval in which an element fails
// and names the lowest such element: here 1800 and 1900 fail in [0.5, 1] (t = 0.83), 1500
// only in [1, 1.5] (t = 1.43), and 2100, 2900 are in a later tile (f64; f32 tiles are larger). The same message compiled or interpreted, at
// every thread count.
TEST(NativeStepDopri5, FailsWithTheSameMessageOnBothPaths) {
  TempDir cache;
  ScopedEnv folder("GRAPHRUN_KERNEL_CACHE", cache.path());
  std::vector<double> x0(3000, 0.1);
  x0[1500] = 0.7;
  x0[1800] = x0[1900] = x0[2100] = x0[2900] = 1.2;
  const std::string yaml =
      "format: 1\ngraph: failing\nnodes:\n  - {id: x0, op: read, path: x0.npy}\n"
      "  - {id: y, op: ode, in: {x: x0}, rhs: {x: \"x * x\"}, method: dopri5, dt: 0.5, steps: 8}\n"
      "outputs: [y]\n";
  for (const std::string dtype : {"f64", "f32"}) {
    auto message = [&](int threads) {
      const GraphRun r = run_graph_text("dtype: " + dtype + "\n" + yaml, {{"x0", {{3000}, x0}}},
                                        dtype == "f64" ? GR_F64 : GR_F32, {}, {"--threads", std::to_string(threads)});
      EXPECT_EQ(r.result.exit_code, 1) << r.result.err;
      const size_t at = r.result.err.find("dopri5 cannot meet");
      return at == std::string::npos ? r.result.err : r.result.err.substr(at);
    };
    std::string interpreted;
    {
      ScopedEnv off("GRAPHRUN_CXX", "none");
      interpreted = message(1);
    }
    EXPECT_EQ(interpreted.rfind("dopri5 cannot meet rtol = 1e-06, atol = 1e-06 for element 1800 (x = ", 0), 0u)
        << interpreted;
    for (int threads : {1, 2, 3}) EXPECT_EQ(message(threads), interpreted) << dtype << " threads " << threads;
  }
}

/// A compiler that prints the real one's version (the cache key's) but compiles nothing:
/// leaves a mark when asked to and fails.
std::string fake_compiler(const std::string& dir) {
  const std::string path = dir + "/fake-cxx";
  std::ofstream(path) << "#!/bin/sh\n"
                         "if [ \"$1\" = --version ]; then exec c++ --version; fi\n"
                         "touch " + dir + "/compiled\necho 'fake-cxx: refusing to compile' >&2\nexit 1\n";
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

TEST(NativeStepCache, IsReusedRebuiltWhenCorruptAndFallsBackWithoutACompiler) {
  TempDir cache, tools;
  ScopedEnv folder("GRAPHRUN_KERNEL_CACHE", cache.path());
  std::vector<std::vector<double>> expected;
  {
    ScopedEnv off("GRAPHRUN_CXX", "none");
    expected = run("f64", "rk4", "final", 2);
  }
  // The first run compiles and stores one entry.
  expect_same_bits(run("f64", "rk4", "final", 2), expected, "first native run");
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(cache.path()))
    if (e.path().extension() == ".kernel") entries.push_back(e.path());
  ASSERT_EQ(entries.size(), 1u);
  const std::string entry = read_text(entries[0]);

  // A second process finds it on disk: the (failing) compiler is never called.
  const std::string fake = fake_compiler(tools.path());
  {
    ScopedEnv cxx("GRAPHRUN_CXX", fake);
    expect_same_bits(run("f64", "rk4", "final", 2), expected, "cached run");
    EXPECT_FALSE(fs::exists(tools.path() + "/compiled"));
  }

  // A corrupted entry is not trusted: compiled again (here by the failing compiler, which
  // is called, so the run falls back with a warning) and the results stay the same.
  std::string corrupt = entry;
  corrupt[corrupt.size() / 2] = static_cast<char>(corrupt[corrupt.size() / 2] ^ 0x5a);
  std::ofstream(entries[0], std::ios::binary) << corrupt;
  {
    ScopedEnv cxx("GRAPHRUN_CXX", fake);
    const GraphRun r = run_graph_text(graph("f64", "rk4", "final"), inputs(), GR_F64, {"x", "v"}, {"--threads", "2"});
    ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
    EXPECT_TRUE(fs::exists(tools.path() + "/compiled"));
    EXPECT_NE(r.result.err.find("graphrun: no native CPU code"), std::string::npos) << r.result.err;
    EXPECT_NE(r.result.err.find("refusing to compile"), std::string::npos) << r.result.err;
    std::vector<std::vector<double>> got;
    for (const auto& [name, a] : r.outputs) got.push_back(values_of(a));
    expect_same_bits(got, expected, "fallback run");
  }
  // With the real compiler the corrupted entry is rebuilt whole: a later process takes it
  // from disk again without calling the compiler.
  expect_same_bits(run("f64", "rk4", "final", 2), expected, "rebuilt run");
  EXPECT_NE(read_text(entries[0]), corrupt);
  fs::remove(tools.path() + "/compiled");
  {
    ScopedEnv cxx("GRAPHRUN_CXX", fake);
    expect_same_bits(run("f64", "rk4", "final", 2), expected, "run from the rebuilt entry");
    EXPECT_FALSE(fs::exists(tools.path() + "/compiled"));
  }
}

}  // namespace
}  // namespace graphrun::testing
