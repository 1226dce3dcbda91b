// Small graphs several test areas plan and run (the scheduler's, placement's).
#pragma once

namespace graphrun::testing {

/// x feeds a and b, both feed c; f32 [1024], so every buffer is 4096 bytes (one pool block
/// multiple): liveness and peaks come out as whole blocks.
inline constexpr const char* kDiamondGraph = R"(format: 1
graph: diamond
dtype: f32
nodes:
  - {id: x, op: random, shape: [1024], seed: 1}
  - {id: a, op: neg, in: [x]}
  - {id: b, op: square, in: [x]}
  - {id: c, op: add, in: [a, b]}
outputs: [c]
)";

}  // namespace graphrun::testing
