// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the
// counter-based generator behind the `random` op. constexpr, free of library calls and of
// std::array, and GRAPHRUN_HD, so the CPU and CUDA kernels draw the same bits.
#pragma once

#include "host_device.h"

#include <cstdint>

namespace graphrun::core {

/// Four 32-bit words: a counter or one output block.
struct PhiloxBlock {
  uint32_t w[4];
  GRAPHRUN_HD constexpr uint32_t& operator[](int i) { return w[i]; }
  GRAPHRUN_HD constexpr uint32_t operator[](int i) const { return w[i]; }
  GRAPHRUN_HD constexpr bool operator==(const PhiloxBlock& o) const {
    return w[0] == o.w[0] && w[1] == o.w[1] && w[2] == o.w[2] && w[3] == o.w[3];
  }
};
/// Two 32-bit key words.
struct PhiloxKey {
  uint32_t w[2];
  GRAPHRUN_HD constexpr uint32_t& operator[](int i) { return w[i]; }
};

inline constexpr uint32_t kPhiloxMultiplier0 = 0xD2511F53u, kPhiloxMultiplier1 = 0xCD9E8D57u;
inline constexpr uint32_t kPhiloxWeyl0 = 0x9E3779B9u, kPhiloxWeyl1 = 0xBB67AE85u;

/// One Philox4x32 round on the counter words c0..c3 under the round key (k0, k1). Words
/// rather than a PhiloxBlock, so that a loop over arrays of counters vectorizes; the normal
/// draws' CPU kernel has its own vector form of the round (random_normal_cpu.cpp, tested
/// against philox_block_of_element).
GRAPHRUN_HD constexpr void philox_round(uint32_t& c0, uint32_t& c1, uint32_t& c2, uint32_t& c3, uint32_t k0,
                                        uint32_t k1) {
  const uint64_t p0 = uint64_t{kPhiloxMultiplier0} * c0;
  const uint64_t p1 = uint64_t{kPhiloxMultiplier1} * c2;
  const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
  const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
  c0 = n0;
  c1 = static_cast<uint32_t>(p1);
  c2 = n2;
  c3 = static_cast<uint32_t>(p0);
}

/// The 10-round Philox4x32 bijection of `counter` under `key` (Random123's philox4x32_R(10)).
GRAPHRUN_HD constexpr PhiloxBlock philox4x32_10(PhiloxBlock counter, PhiloxKey key) {
  PhiloxBlock c = counter;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += kPhiloxWeyl0;
      key[1] += kPhiloxWeyl1;
    }
    philox_round(c[0], c[1], c[2], c[3], key[0], key[1]);
  }
  return c;
}

// Random123 known-answer vectors (tests/kat_vectors, "philox4x32 10").
static_assert(philox4x32_10(PhiloxBlock{{0, 0, 0, 0}}, PhiloxKey{{0, 0}}) ==
              PhiloxBlock{{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}});
static_assert(philox4x32_10(PhiloxBlock{{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}},
                            PhiloxKey{{0xffffffffu, 0xffffffffu}}) ==
              PhiloxBlock{{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}});
static_assert(philox4x32_10(PhiloxBlock{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}},
                            PhiloxKey{{0xa4093822u, 0x299f31d0u}}) ==
              PhiloxBlock{{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}});

/// The block of element `index` of a tensor drawn with `seed`: key = (low, high) 32 bits of
/// the seed, counter = (low, high) 32 bits of the row-major element index, 0, 0.
GRAPHRUN_HD constexpr PhiloxBlock philox_block_of_element(uint64_t seed, uint64_t index) {
  return philox4x32_10(
      PhiloxBlock{{static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), 0, 0}},
      PhiloxKey{{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}});
}

/// A double in [0, 1) from 53 bits: the top 53 of (high << 32 | low), times 2^-53.
GRAPHRUN_HD constexpr double unit_double(uint32_t high, uint32_t low) {
  return static_cast<double>(((uint64_t{high} << 32) | low) >> 11) * 0x1p-53;
}

/// A float in [0, 1) from the top 24 bits of `word`, times 2^-24.
GRAPHRUN_HD constexpr float unit_float(uint32_t word) { return static_cast<float>(word >> 8) * 0x1p-24f; }

}  // namespace graphrun::core
