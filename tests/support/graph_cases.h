// The cases of tests/cases/ (a graph.yaml, its inputs, expected/*.npy from tools/ref_*.py,
// optional args and tolerance files), as the CPU test (tests/graphs) and the GPU test
// (tests/cuda/gpu_graph_cases.cpp) both read them.
#pragma once

#include "support/command.h"

#include <graphrun/plugin_api.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace graphrun::testing {

/// The folder of case `name`.
inline std::filesystem::path case_dir(const std::string& name) {
  return std::filesystem::path(GRAPHRUN_SOURCE_DIR) / "tests" / "cases" / name;
}

/// Every folder of tests/cases/ with a graph.yaml, sorted.
inline std::vector<std::string> case_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(GRAPHRUN_SOURCE_DIR) / "tests" / "cases", ec))
    if (std::filesystem::exists(e.path() / "graph.yaml")) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// Extra `graphrun run` arguments from the case's args file (split on spaces).
inline std::vector<std::string> case_args(const std::filesystem::path& dir) {
  std::vector<std::string> args;
  std::istringstream in(read_text((dir / "args").string()));
  for (std::string a; in >> a;) args.push_back(a);
  return args;
}

/// rtol, atol: the case's tolerance file, else SPEC's defaults for its dtype (f64 1e-12, f32 1e-5).
inline std::pair<double, double> case_tolerance(const std::filesystem::path& dir, gr_dtype dtype) {
  std::pair<double, double> tol = {dtype == GR_F64 ? 1e-12 : 1e-5, 0.0};
  std::istringstream in(read_text((dir / "tolerance").string()));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream(line) >> tol.first >> tol.second;
  }
  return tol;
}

/// The dtype the case's graph declares.
inline gr_dtype case_dtype(const std::filesystem::path& dir) {
  static const std::regex f64(R"((^|\n)dtype:\s*(f64|float64))");
  return std::regex_search(read_text((dir / "graph.yaml").string()), f64) ? GR_F64 : GR_F32;
}

/// The case's expected/*.npy files.
inline std::vector<std::filesystem::path> case_expected(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> expected;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir / "expected", ec))
    if (e.path().extension() == ".npy") expected.push_back(e.path());
  std::sort(expected.begin(), expected.end());
  return expected;
}

}  // namespace graphrun::testing
