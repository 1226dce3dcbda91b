#include "support/compare.h"

#include <cmath>
#include <cstring>
#include <sstream>

namespace graphrun::testing {
namespace {
double at(const io::HostArray& a, size_t i) { return a.dtype == GR_F64 ? a.f64[i] : a.f32[i]; }
size_t count(const io::HostArray& a) { return a.dtype == GR_F64 ? a.f64.size() : a.f32.size(); }
std::string shape_text(const std::vector<int64_t>& s) {
  std::string t = "(";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + ")";
}
}  // namespace

::testing::AssertionResult tensors_close(const io::HostArray& got, const io::HostArray& ref, double rtol, double atol) {
  if (got.shape != ref.shape)
    return ::testing::AssertionFailure() << "shape " << shape_text(got.shape) << " != reference " << shape_text(ref.shape);
  std::ostringstream bad;
  size_t failures = 0;
  double worst = 0;
  for (size_t i = 0; i < count(ref); ++i) {
    double g = at(got, i), r = at(ref, i);
    if (std::isnan(r) && std::isnan(g)) continue;
    if (std::isinf(r) && g == r) continue;
    double err = std::fabs(g - r);
    if (!(err <= rtol * std::fabs(r) + atol)) {
      if (failures < 5) bad << "\n  [" << i << "] got " << g << " reference " << r << " (error " << err << ")";
      worst = std::max(worst, std::fabs(r) > 0 ? err / std::fabs(r) : err);
      ++failures;
    }
  }
  if (failures == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << failures << " of " << count(ref) << " values differ beyond rtol " << rtol
                                       << " atol " << atol << " (worst relative " << worst << "):" << bad.str();
}

::testing::AssertionResult tensors_identical(const io::HostArray& a, const io::HostArray& b) {
  if (a.shape != b.shape || a.dtype != b.dtype) return ::testing::AssertionFailure() << "shapes or dtypes differ";
  size_t bytes = count(a) * (a.dtype == GR_F64 ? 8 : 4);
  if (bytes == 0 || std::memcmp(a.data(), b.data(), bytes) == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the outputs differ bitwise";
}

}  // namespace graphrun::testing
