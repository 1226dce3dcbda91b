#include "expr/expr_test_support.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

namespace graphrun::expr::testing {

template <typename T> io::HostArray load_data(const std::string& name) {
  return io::read_tensor(std::string(GRAPHRUN_TEST_DATA_DIR) + "/expr/" + name, kDtype<T>);
}

template <typename T> std::vector<T> values(const io::HostArray& a) {
  if constexpr (sizeof(T) == 8) {
    return a.f64;
  } else {
    return a.f32;
  }
}

template <typename T> std::vector<T> row(const io::HostArray& a, int r) {
  const std::vector<T> all = values<T>(a);
  const size_t n = static_cast<size_t>(a.shape.at(1));
  return {all.begin() + r * n, all.begin() + (r + 1) * n};
}

std::shared_ptr<const Program> compile_one(const std::string& formula,
                                           const std::vector<std::string>& vars) {
  AstPtr ast = parse(formula, vars, {});
  return Program::compile(std::span<const AstPtr>(&ast, 1), vars);
}

template <typename T>
std::vector<T> eval_vectors(const Program& program, const std::vector<std::vector<T>>& vars) {
  const int64_t n = vars.empty() ? 1 : static_cast<int64_t>(vars[0].size());
  std::vector<const T*> ptrs;
  for (const auto& v : vars) ptrs.push_back(v.data());
  std::vector<int32_t> is_scalar(vars.size(), 0);
  std::vector<T> out(n);
  T* out_ptr = out.data();
  program.eval(n, ptrs.data(), is_scalar.data(), &out_ptr);
  return out;
}

template <typename T>
::testing::AssertionResult all_close(const std::vector<T>& got, const std::vector<T>& want,
                                     double rtol, const std::vector<T>& input) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "sizes " << got.size() << " vs " << want.size();
  std::ostringstream bad;
  int failures = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const T g = got[i], w = want[i];
    bool ok;
    if (std::isnan(w)) {
      ok = std::isnan(g);
    } else if (std::isinf(w)) {
      ok = g == w;
    } else {
      ok = std::fabs(static_cast<double>(g) - w) <= rtol * std::fabs(static_cast<double>(w));
    }
    if (!ok && failures++ < 8) {
      bad.precision(sizeof(T) == 8 ? 17 : 9);
      bad << "\n  [" << i << "]";
      if (!input.empty()) bad << " input " << input[i];
      bad << " got " << g << " want " << w;
    }
  }
  if (failures == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << failures << " of " << got.size()
                                       << " values beyond rtol " << rtol << bad.str();
}

ParallelFor thread_pool_for(int threads) {
  return [threads](int64_t begin, int64_t end, int64_t grain,
                   const std::function<void(int64_t, int64_t)>& body) {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        int64_t chunk = 0;
        for (int64_t b = begin; b < end; b += grain, ++chunk)
          if (chunk % threads == t) body(b, std::min(end, b + grain));
      });
    for (std::thread& th : pool) th.join();
  };
}

std::vector<std::pair<std::string, std::string>> read_manifest(const std::string& name) {
  std::ifstream in(std::string(GRAPHRUN_TEST_DATA_DIR) + "/expr/" + name);
  std::vector<std::pair<std::string, std::string>> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    lines.emplace_back(line.substr(0, tab), line.substr(tab + 1));
  }
  return lines;
}

template io::HostArray load_data<float>(const std::string&);
template io::HostArray load_data<double>(const std::string&);
template std::vector<float> row<float>(const io::HostArray&, int);
template std::vector<double> row<double>(const io::HostArray&, int);
template std::vector<float> values<float>(const io::HostArray&);
template std::vector<double> values<double>(const io::HostArray&);
template std::vector<float> eval_vectors<float>(const Program&, const std::vector<std::vector<float>>&);
template std::vector<double> eval_vectors<double>(const Program&,
                                                  const std::vector<std::vector<double>>&);
template ::testing::AssertionResult all_close<float>(const std::vector<float>&,
                                                     const std::vector<float>&, double,
                                                     const std::vector<float>&);
template ::testing::AssertionResult all_close<double>(const std::vector<double>&,
                                                      const std::vector<double>&, double,
                                                      const std::vector<double>&);

}  // namespace graphrun::expr::testing
