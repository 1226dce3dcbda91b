// The C++ text of a program (expr/cpp_source.h), compiled by the native code compiler
// (backends/cpu/native_compiler.h), against the interpreter bit for bit: every operation it
// emits, in f32 and f64, over edge values (NaN, infinities, signed zeros, ties, subnormals).
#include "backends/cpu/native_compiler.h"
#include "expr/cpp_source.h"
#include "expr_test_support.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

namespace graphrun::expr::testing {
namespace {

template <typename T> std::vector<T> edge_values() {
  const T inf = std::numeric_limits<T>::infinity();
  return {std::numeric_limits<T>::quiet_NaN(), -inf, T(-2.5), T(-1.5), T(-0.5), T(-0.0), T(0.0),
          std::numeric_limits<T>::denorm_min(), T(0.49999997), T(0.5), T(1.5), T(2.5), T(3), inf};
}

const char* const kFormulas[] = {
    "a + b",          "a - b",          "a * b",         "a / b",           "-a",
    "abs(a)",         "sqrt(a)",        "square(a)",     "recip(a)",        "relu(a)",
    "maximum(a, b)",  "minimum(a, b)",  "a < b",         "a <= b",          "a > b",
    "a >= b",         "a == b",         "a != b",        "where(a, b, 2)",  "sign(a)",
    "floor(a)",       "ceil(a)",        "round(a)",      "clip(a, -1, 1)",  "0.1 * a + b / 3 - pi",
    "a * inf + nan * (b > 1)"};

/// Every formula as function f<k> over n elements of a and b (one source: one compile).
template <typename T> std::string kernels_source(const std::vector<std::string>& statements) {
  std::string src = std::string("#include <cmath>\n#include <cstdint>\ntypedef ") +
                    (sizeof(T) == 8 ? "double" : "float") + " T;\n";
  for (size_t k = 0; k < statements.size(); ++k)
    src += "extern \"C\" void f" + std::to_string(k) + "(int64_t n, const T* a, const T* b, T* o) {\n"
           "  for (int64_t i = 0; i < n; ++i) {\n    const T v[2] = {a[i], b[i]};\n    T out[1];\n" +
           statements[k] + "    o[i] = out[0];\n  }\n}\n";
  return src;
}

template <typename T> void expect_native_matches() {
  std::vector<std::shared_ptr<const Program>> programs;
  std::vector<std::string> statements;
  for (const char* formula : kFormulas) {
    programs.push_back(compile_one(formula, {"a", "b"}));
    const std::optional<std::string> text = program_cpp_source(*programs.back());
    ASSERT_TRUE(text.has_value()) << formula;
    statements.push_back(*text);
  }
  const std::string source = kernels_source<T>(statements);
  std::vector<T> a, b;
  for (T x : edge_values<T>())
    for (T y : edge_values<T>()) a.push_back(x), b.push_back(y);
  for (size_t k = 0; k < programs.size(); ++k) {
    SCOPED_TRACE(std::string(kFormulas[k]) + " " + suffix<T>());
    using Fn = void (*)(int64_t, const T*, const T*, T*);
    Fn fn = nullptr;
    try {
      fn = reinterpret_cast<Fn>(cpu::native_function(source, "f" + std::to_string(k)));
    } catch (const cpu::NativeCodeUnavailable& e) {
      GTEST_SKIP() << "no native code on this machine: " << e.what();
    }
    const std::vector<T> want = eval_vectors<T>(*programs[k], {a, b});
    std::vector<T> got(a.size());
    fn(static_cast<int64_t>(a.size()), a.data(), b.data(), got.data());
    for (size_t i = 0; i < a.size(); ++i)
      ASSERT_EQ(std::memcmp(&got[i], &want[i], sizeof(T)), 0)
          << "a = " << a[i] << ", b = " << b[i] << ": native " << got[i] << ", interpreted " << want[i];
  }
}

TEST(CppSource, HasTheInterpretersBitsForEveryOperationItEmits) {
  expect_native_matches<double>();
  expect_native_matches<float>();
}

TEST(CppSource, GivesNothingForATranscendentalFunction) {
  for (const char* formula : {"exp(a)", "a + tanh(b)", "pow(a, b)", "sin(a) * 2"})
    EXPECT_FALSE(program_cpp_source(*compile_one(formula, {"a", "b"})).has_value()) << formula;
  EXPECT_TRUE(program_cpp_source(*compile_one("a * b + 1", {"a", "b"})).has_value());
}

TEST(NativeCompiler, ReportsACompileErrorWithTheCompilersMessage) {
  try {
    cpu::native_function("this is not C++;\n", "f");
    FAIL() << "compiled";
  } catch (const cpu::NativeCodeUnavailable& e) {
    const std::string what = e.what();
    // No compiler at all is the other honest answer; a compiler must show its complaint.
    if (what.find("no C++ compiler") == std::string::npos) {
      EXPECT_NE(what.find("failed"), std::string::npos) << what;
    }
  }
}

}  // namespace
}  // namespace graphrun::expr::testing
