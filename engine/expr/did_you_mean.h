// "Did you mean" suggestions for misspelt names, by edit distance.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace graphrun::expr {

/// Edit distance counting insertions, deletions, substitutions and swaps of neighbours.
int edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `name` when it is close enough to be a likely typo, else "".
std::string closest_name(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace graphrun::expr
