#include "text/did_you_mean.h"

#include <algorithm>
#include <vector>

namespace graphrun::text {

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

namespace {

template <typename Name> std::string closest(std::string_view name, std::span<const Name> candidates) {
  // Beyond a third of the name (at least 1, at most 3) a suggestion is noise, not a typo.
  const int limit = static_cast<int>(std::clamp<size_t>(name.size() / 3 + 1, 1, 3));
  std::string_view best;
  int best_distance = limit + 1;
  for (std::string_view c : candidates) {
    const int d = edit_distance(name, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return std::string(best);
}

}  // namespace

std::string closest_name(std::string_view name, std::span<const std::string_view> candidates) {
  return closest(name, candidates);
}

std::string closest_name(std::string_view name, std::span<const std::string> candidates) {
  return closest(name, candidates);
}

std::string did_you_mean(std::string_view name, std::span<const std::string> candidates) {
  const std::string best = closest_name(name, candidates);
  return best.empty() ? std::string() : " (did you mean '" + best + "'?)";
}

}  // namespace graphrun::text
