// A hash of text that is the same in every run and on every machine (unlike std::hash): for
// names derived from content, such as a generated kernel's or a saved source file's.
#pragma once

#include <cstdint>
#include <string_view>

namespace graphrun::text {

/// FNV-1a, 64 bits.
inline uint64_t stable_hash(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace graphrun::text
