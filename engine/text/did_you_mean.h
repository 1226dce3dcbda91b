// "Did you mean" suggestions for misspelt names, by edit distance: the one implementation
// for every message that offers one (graph files, formulas, ports, ops, --input).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace graphrun::text {

/// Edit distance counting insertions, deletions, substitutions and swaps of neighbours
/// (optimal string alignment).
int edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `name` (the first of equally close ones) when it is close enough
/// to be a likely typo: at most 1 edit for names of up to 2 characters, 2 up to 5, 3 beyond.
/// "" when none is.
std::string closest_name(std::string_view name, std::span<const std::string_view> candidates);
std::string closest_name(std::string_view name, std::span<const std::string> candidates);

/// " (did you mean 'x'?)" for closest_name's x, or "" when there is none: the end of an error
/// message.
std::string did_you_mean(std::string_view name, std::span<const std::string> candidates);

}  // namespace graphrun::text
