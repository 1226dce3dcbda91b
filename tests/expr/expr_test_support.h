// Helpers of the expression-language tests: reference data, evaluation, comparison.
#pragma once

#include "expr/expr.h"
#include "io/tensor_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace graphrun::expr::testing {

/// The SPEC's tolerance for a dtype: 1e-12 relative for f64, 1e-5 for f32.
template <typename T> constexpr double kRtol = sizeof(T) == 8 ? 1e-12 : 1e-5;

/// The graph dtype of T.
template <typename T> constexpr gr_dtype kDtype = sizeof(T) == 8 ? GR_F64 : GR_F32;

/// "f32" or "f64".
template <typename T> const char* suffix() { return sizeof(T) == 8 ? "f64" : "f32"; }

/// A .npy file of tests/data/expr/ in dtype T.
template <typename T> io::HostArray load_data(const std::string& name);

/// Row r of a 2-D array.
template <typename T> std::vector<T> row(const io::HostArray& a, int r);

/// The values of an array as T.
template <typename T> std::vector<T> values(const io::HostArray& a);

/// Compiles one formula over vars (no params).
std::shared_ptr<const Program> compile_one(const std::string& formula,
                                           const std::vector<std::string>& vars);

/// Evaluates a one-output program over equally long vectors (none scalar).
template <typename T>
std::vector<T> eval_vectors(const Program& program, const std::vector<std::vector<T>>& vars);

/// Matches when got[i] is within rtol of want[i] relatively, NaN matches NaN and an
/// infinity only the same infinity. The sign of zero is not compared.
template <typename T>
::testing::AssertionResult all_close(const std::vector<T>& got, const std::vector<T>& want,
                                     double rtol, const std::vector<T>& input = {});

/// Runs body over fixed chunks of grain on `threads` std::threads (round robin).
ParallelFor thread_pool_for(int threads);

/// Lines "key<TAB>value" of a manifest in tests/data/expr/ ('#' lines skipped).
std::vector<std::pair<std::string, std::string>> read_manifest(const std::string& name);

}  // namespace graphrun::expr::testing
