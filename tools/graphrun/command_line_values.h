// Values given on graphrun's command line (numbers, name=value pairs), checked the same way
// by every command.
#pragma once

#include "graph/diagnostics.h"

#include <charconv>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace graphrun::cli {

/// The most worker threads (or concurrent runs) a command accepts: more is a typo, and oneTBB
/// itself fails beyond 65536 workers.
inline constexpr int kMaxThreads = 4096;

/// A whole number from the command line; UsageError saying `rule` when it is not one or
/// breaks the rule. (CLI11's own range messages print DBL_MAX in full.)
inline int whole_number(const std::string& text, int minimum, int maximum, const std::string& rule) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < minimum || value > maximum)
    throw UsageError(rule + ", not '" + text + "'");
  return value;
}

/// "name=value" items of a repeated flag -> pairs; UsageError naming `flag` otherwise (and,
/// for --input, when no file name follows the '=').
inline std::vector<std::pair<std::string, std::string>> split_pairs(const std::vector<std::string>& items,
                                                                    const char* flag) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError(std::string(flag) + " " + item + ": expected name=value");
    if (eq + 1 == item.size() && std::string_view(flag) == "--input")
      throw UsageError(std::string(flag) + " " + item + ": no file name after '='");
    out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  return out;
}

}  // namespace graphrun::cli
