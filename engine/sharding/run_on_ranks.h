// One run of a sharded graph, as this rank's part of it (after the shard_data pass).
#pragma once

#include "driver/rank_agreement.h"
#include "scheduler/executor.h"

#include <exception>
#include <functional>
#include <map>
#include <string>

namespace graphrun::sharding {

/// The ranks' verdict on a failed run: every rank throws it with the same exit code; rank 0's
/// message names the failing rank and node.
struct RanksFailed : std::exception {
  explicit RanksFailed(RankFailure f) : failure(std::move(f)) {}
  const char* what() const noexcept override { return failure.message.c_str(); }
  RankFailure failure;
};

/// Runs `executor` once on this rank. The steps run one at a time in plan order, so every
/// rank meets the communication steps in the same order; a rank that fails tells the others
/// at their next communication (or at the end), and every rank then throws RanksFailed.
RunResult run_on_ranks(const Executor& executor, const std::map<std::string, TensorData>& inputs,
                       RunObserver observer = {});

/// The same for any executor whose `run_once` runs the steps one at a time in plan order
/// (the CUDA device's does).
RunResult run_on_ranks(const std::function<RunResult()>& run_once);

/// The graph outputs whole on rank 0: each one held in blocks (graph.output_shards) is
/// gathered there (one MPI_Gatherv each); the other ranks' come back empty. Every rank calls it.
std::vector<TensorData> outputs_on_root(const Graph& graph, std::vector<TensorData> outputs);

/// The communication steps of `plan` in plan order, one line each: ranks that planned them
/// differently (fusion decides on block shapes) would wait on each other forever.
std::string communication_order(const ExecutionPlan& plan);

}  // namespace graphrun::sharding
