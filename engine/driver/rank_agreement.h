// How the ranks of an MPI run agree on a failure. A rank that fails must not leave the others
// waiting in the next collective: each phase of a distributed command runs through
// on_every_rank, which tells every rank whether any failed, with what exit code and message.
#pragma once

#include "driver/error_report.h"

#include <functional>
#include <optional>
#include <string>

namespace graphrun {

struct RankFailure {
  int exit_code = 1;     // the largest of the failing ranks' codes (2 for a graph error)
  std::string message;   // what rank 0 prints; empty on the other ranks
};

/// Runs `phase` on this rank. In a world of one, an exception simply propagates (a plain run
/// behaves as without MPI). Across ranks, every rank returns the same verdict: nullopt when
/// no rank failed, else the failure. The message is the first failing rank's report,
/// prefixed "rank R: " unless every rank failed the same way (a graph error, reported once).
std::optional<RankFailure> on_every_rank(const std::function<void()>& phase);

/// The verdict of on_every_rank for this rank's own outcome `mine` (exit code 0: it did not
/// fail). Every rank must call it at the same point.
std::optional<RankFailure> agree(const ErrorReport& mine);

}  // namespace graphrun
