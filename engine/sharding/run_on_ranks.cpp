#include "sharding/run_on_ranks.h"

#include "driver/error_report.h"
#include "sharding/comm_ops.h"

namespace graphrun::sharding {

RunResult run_on_ranks(const Executor& executor, const std::map<std::string, TensorData>& inputs,
                       RunObserver observer) {
  // A check makes the executor run the steps one at a time in plan order.
  if (!observer.check_step) observer.check_step = [](int, std::span<const gr_tensor>) { return std::string(); };
  std::optional<RankFailure> failure;
  RunResult result;
  try {
    result = executor.run(inputs, observer);
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

std::string communication_order(const ExecutionPlan& plan) {
  std::string out;
  for (const PlannedStep& s : plan.steps())
    if (is_comm_op(s.op) || s.running.scan_ranks > 1) out += plan.graph().nodes[static_cast<size_t>(s.node)].id + "\n";
  return out;
}

}  // namespace graphrun::sharding
