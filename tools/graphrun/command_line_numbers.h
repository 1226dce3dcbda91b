// Numbers given on graphrun's command line, checked the same way by every command.
#pragma once

#include "graph/diagnostics.h"

#include <charconv>
#include <string>

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

}  // namespace graphrun::cli
