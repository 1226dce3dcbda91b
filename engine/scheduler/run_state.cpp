#include "scheduler/run_state.h"

namespace graphrun {
namespace {

// RunningStep::progress: a kernel's gr_host.report_progress, routed to its own run.
void report_step_progress(void* context, int step, double fraction) {
  if (RunProgress* progress = static_cast<RunState*>(context)->progress) progress->report(step, fraction);
}

}  // namespace

RunState::RunState(const ExecutionPlan& p)
    : plan(p),
      data(p.buffers().size(), nullptr),
      remaining(std::make_unique<std::atomic<int>[]>(p.buffers().size())),
      inputs(p.total_inputs()),
      input_ptrs(p.total_inputs()),
      outputs(p.total_outputs()),
      output_ptrs(p.total_outputs()) {
  const auto& steps = p.steps();
  nodes.reserve(steps.size());
  running.reserve(steps.size());
  for (const PlannedStep& s : steps) {
    const gr_node& model = s.call->node();
    for (size_t k = 0; k < s.in_buffers.size(); ++k) {
      inputs[s.first_input + k] = *model.inputs[k];
      input_ptrs[s.first_input + k] = &inputs[s.first_input + k];
    }
    for (size_t k = 0; k < s.out_buffers.size(); ++k) {
      outputs[s.first_output + k] = s.out_headers[k];
      output_ptrs[s.first_output + k] = &outputs[s.first_output + k];
    }
    gr_node node = model;
    node.inputs = input_ptrs.data() + s.first_input;
    nodes.push_back(node);
    RunningStep r = s.running;
    r.progress = &report_step_progress;
    r.progress_context = this;
    running.push_back(r);
  }
}

void RunState::reset(RunProgress* run_progress, bool record) {
  const auto& buffers = plan.buffers();
  std::fill(data.begin(), data.end(), nullptr);
  for (size_t b = 0; b < buffers.size(); ++b) remaining[b].store(buffers[b].consumers, std::memory_order_relaxed);
  failed.store(false, std::memory_order_relaxed);
  error.clear();
  progress = run_progress;
  record_steps = record;
  check_step = nullptr;
  if (record) records.assign(plan.steps().size(), StepRecord{});
  usage.live.store(0, std::memory_order_relaxed);
  usage.peak.store(0, std::memory_order_relaxed);
}

}  // namespace graphrun
