#include "sharding/run_on_ranks.h"

#include "distributed/world.h"
#include "driver/error_report.h"
#include "sharding/blocks_along_axis.h"
#include "sharding/comm_ops.h"

namespace graphrun::sharding {

RunResult run_on_ranks(const Executor& executor, const std::map<std::string, TensorData>& inputs,
                       RunObserver observer) {
  // A check makes the executor run the steps one at a time in plan order.
  if (!observer.check_step) observer.check_step = [](int, std::span<const gr_tensor>) { return std::string(); };
  return run_on_ranks([&] { return executor.run(inputs, observer); });
}

RunResult run_on_ranks(const std::function<RunResult()>& run_once) {
  std::optional<RankFailure> failure;
  RunResult result;
  try {
    result = run_once();
  } catch (...) {
    // Stopped by another rank's failure (heard at a communication step), or failed here:
    // then this rank tells the others, at the point where they next meet.
    failure = take_peer_failure();
    if (!failure) failure = agree(report_current_exception());
  }
  if (!failure) failure = agree(ErrorReport{0, ""});
  if (failure) throw RanksFailed(std::move(*failure));
  return result;
}

std::vector<TensorData> outputs_on_root(const Graph& graph, std::vector<TensorData> outputs) {
  const bool root = distributed::world().root();
  for (size_t k = 0; k < outputs.size() && k < graph.output_shards.size(); ++k) {
    const auto [axis, length] = graph.output_shards[k];
    if (axis < 0) {
      if (!root) outputs[k] = TensorData{};
      continue;
    }
    TensorData& t = outputs[k];
    const std::vector<std::byte> all =
        distributed::gather_bytes_to_root(t.data.get(), tensor_bytes(t.shape, t.dtype));
    if (!root) {
      t = TensorData{};
      continue;
    }
    Shape whole = t.shape;
    whole[static_cast<size_t>(axis)] = length;
    auto bytes = std::shared_ptr<std::byte[]>(new std::byte[tensor_bytes(whole, t.dtype)]);
    place_blocks(all.data(), bytes.get(), whole, axis, t.dtype == GR_F64 ? 8 : 4, distributed::world().size);
    t.shape = whole;
    t.data = std::shared_ptr<void>(bytes, bytes.get());
  }
  return outputs;
}

std::string communication_order(const ExecutionPlan& plan) {
  std::string out;
  for (const PlannedStep& s : plan.steps())
    if (is_comm_op(s.op) || s.running.scan_ranks > 1) out += plan.graph().nodes[static_cast<size_t>(s.node)].id + "\n";
  return out;
}

}  // namespace graphrun::sharding
