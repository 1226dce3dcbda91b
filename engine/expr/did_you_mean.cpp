#include "expr/did_you_mean.h"

#include <algorithm>
#include <vector>

namespace graphrun::expr {

int edit_distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  // Three rows suffice for the optimal-string-alignment recurrence.
  std::vector<int> two_back(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], two_back[j - 2] + 1);
    }
    std::swap(two_back, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::string closest_name(std::string_view name, std::span<const std::string_view> candidates) {
  // Short names tolerate one edit, longer ones two: beyond that a suggestion is noise.
  const int limit = name.size() <= 3 ? 1 : 2;
  std::string_view best;
  int best_distance = limit + 1;
  for (std::string_view c : candidates) {
    const int d = edit_distance(name, c);
    if (d < best_distance && d < static_cast<int>(std::max(name.size(), c.size()))) {
      best = c;
      best_distance = d;
    }
  }
  return std::string(best);
}

}  // namespace graphrun::expr
