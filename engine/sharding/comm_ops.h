// The ops the sharding pass inserts between a graph's nodes: a rank's block of a tensor every
// rank holds, the whole of a tensor the ranks hold in blocks, the max over ranks of a
// partial max. They are not in the registry: a graph file cannot name them.
//
// Every one of them meets the other ranks, so each first asks them whether any failed: a
// rank whose kernel failed answers that question once (run_on_ranks does), and the ranks
// still running stop at their next communication instead of waiting for it forever.
#pragma once

#include "driver/rank_agreement.h"
#include "plugin_host/registry.h"

#include <optional>

namespace graphrun::sharding {

/// in x (any shape); attrs axis, length (x's global extent along axis), rank, ranks, left,
/// right -> out: the rank's block of x along axis (distributed/blocks.h), extended by `left`
/// elements before it and `right` after it except at the global ends (a stencil's halo on
/// a value every rank holds whole: no communication).
const OpInfo& block_op();
/// in x (the rank's block along axis); attrs as block_op -> out: the block extended by the
/// last `left` elements of the previous rank's block and the first `right` of the next
/// rank's (none beyond the global ends): a halo exchange with the two neighbours.
const OpInfo& halo_op();
/// in x; attrs axis, left, right -> out: x without its first `left` and last `right`
/// elements along axis (drops a halo again; local).
const OpInfo& trim_op();
/// in x (the rank's block along axis); attrs as block_op -> out: all of x, on every rank.
const OpInfo& gather_op();
/// in x -> out: the element-wise max of every rank's x (NaN wins), on every rank.
const OpInfo& max_over_ranks_op();

/// Asks every rank whether one failed since the last communication; throws (after keeping
/// the verdict for take_peer_failure) when one did. Every communication starts with it.
void meet_other_ranks();

/// Whether `op` is one of the above except trim (the steps a sharded run orders among ranks).
bool is_comm_op(const OpInfo* op);

/// The failure another rank reported to a communication step of this process's last run
/// (which then failed with "stopped"), once; nullopt when none did.
std::optional<RankFailure> take_peer_failure();

}  // namespace graphrun::sharding
