#include "scheduler/executor.h"

#include "expr/expr.h"
#include "ir/fused_group.h"
#include "plugin_host/running_step.h"
#include "scheduler/tsan_annotations.h"

#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>

#include <cstring>
#include <span>

namespace graphrun {
namespace {

using Clock = std::chrono::steady_clock;

// The host's fixed-chunk parallel_for, for the expression evaluator.
void host_parallel_for(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& body) {
  auto trampoline = [](void* ctx, int64_t b, int64_t e) {
    (*static_cast<const std::function<void(int64_t, int64_t)>*>(ctx))(b, e);
  };
  host_services().parallel_for(begin, end, grain, trampoline,
                               const_cast<std::function<void(int64_t, int64_t)>*>(&body));
}

}  // namespace

struct Executor::Arena {
  tbb::task_arena arena;
  explicit Arena(int threads) : arena(threads > 0 ? threads : tbb::task_arena::automatic) {}
};

// A run state and the flow graph that runs its steps (a flow graph counts the messages its
// nodes received, so it belongs to one run at a time just like the state).
struct Executor::Slot {
  RunState state;
  std::unique_ptr<tbb::flow::graph> flow;
  std::vector<std::unique_ptr<tbb::flow::continue_node<tbb::flow::continue_msg>>> nodes;
  explicit Slot(const ExecutionPlan& plan) : state(plan) {}
};

Executor::Executor(const Graph& graph, int threads)
    : plan_(std::make_unique<ExecutionPlan>(graph)), arena_(std::make_unique<Arena>(threads)) {
  // A chain (each step feeding the next) gains nothing from the flow graph.
  sequential_ = arena_->arena.max_concurrency() == 1 || plan_->is_chain();
  give_back(take_slot());  // the first run's state, built now rather than during that run
}

Executor::~Executor() = default;

int Executor::threads() const { return arena_->arena.max_concurrency(); }

std::unique_ptr<Executor::Slot> Executor::take_slot() const {
  {
    std::lock_guard lock(idle_mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Slot> slot = std::move(idle_.back());
      idle_.pop_back();
      return slot;
    }
  }
  auto slot = std::make_unique<Slot>(*plan_);
  if (sequential_) return slot;
  Slot* s = slot.get();
  const auto& steps = plan_->steps();
  // The flow graph runs its tasks in the arena it was built in. (TSan annotations around
  // every oneTBB hand-off: tsan_annotations.h; the lambda exists before the hand-off.)
  auto build = [&] {
    tsan_take_over();
    s->flow = std::make_unique<tbb::flow::graph>();
    for (size_t k = 0; k < steps.size(); ++k)
      s->nodes.push_back(std::make_unique<tbb::flow::continue_node<tbb::flow::continue_msg>>(
          *s->flow, [this, s, k](const tbb::flow::continue_msg&) {
            tsan_take_over();
            run_step(s->state, static_cast<int>(k));
            tsan_hand_off();
          }));
    for (size_t k = 0; k < steps.size(); ++k)
      for (int t : steps[k].successors) tbb::flow::make_edge(*s->nodes[k], *s->nodes[t]);
    tsan_hand_off();
  };
  tsan_hand_off();
  arena_->arena.execute(build);
  tsan_take_over();
  return slot;
}

void Executor::give_back(std::unique_ptr<Slot> slot) const {
  std::lock_guard lock(idle_mutex_);
  idle_.push_back(std::move(slot));
}

void Executor::release_buffer(RunState& run, int b) const {
  const PlannedBuffer& buffer = plan_->buffers()[b];
  if (buffer.pinned || buffer.input_node >= 0) return;
  pool_->release(run.data[b], &run.usage);
  run.data[b] = nullptr;
}

namespace {

// Keeps the first failure of a run, naming the node, its source line and the op.
void record_failure(RunState& run, const PlannedStep& step, const std::string& what) {
  const Node& node = run.plan.graph().nodes[step.node];
  std::lock_guard lock(run.error_mutex);
  if (run.failed.exchange(true)) return;
  std::string op = node.kind == NodeKind::kFused ? "fused group" : "op '" + std::string(step.op->desc.name) + "'";
  if (node.kind != NodeKind::kFused) op += " from " + step.op->plugin;
  run.error = node.loc.str() + ": node '" + node.id + "' (" + op + ") failed: " + what;
}

}  // namespace

void Executor::run_step(RunState& run, int index) const {
  const PlannedStep& s = plan_->steps()[index];
  if (run.failed.load(std::memory_order_relaxed)) return;
  const auto& buffers = plan_->buffers();
  const int64_t start = run.record_steps ? (Clock::now() - run.start).count() : 0;
  gr_tensor* ins = run.inputs.data() + s.first_input;
  gr_tensor* outs = run.outputs.data() + s.first_output;
  try {
    for (size_t k = 0; k < s.out_buffers.size(); ++k) {
      const int b = s.out_buffers[k];
      run.data[b] = pool_->allocate(buffers[b].bytes, &run.usage);
      outs[k].data = run.data[b];
    }
    for (size_t k = 0; k < s.in_buffers.size(); ++k) ins[k].data = run.data[s.in_buffers[k]];
    RunningStepScope running(&run.running[index]);  // names the node if the kernel crashes
    if (s.program) {
      expr::eval_tensors(*s.program, plan_->graph().dtype, std::span<const gr_tensor>(ins, s.in_buffers.size()),
                         std::span<gr_tensor>(outs, s.out_buffers.size()), host_parallel_for);
    } else {
      gr_status status{};
      if (s.op->desc.cpu_kernel(s.op->desc.user, &run.nodes[index], run.output_ptrs.data() + s.first_output,
                                static_cast<int32_t>(s.out_buffers.size()), &status) != GR_OK)
        throw RunError(std::string(status.message, strnlen(status.message, sizeof status.message)));
    }
  } catch (const std::exception& e) {
    record_failure(run, s, e.what());
    return;
  } catch (...) {
    record_failure(run, s, "an exception that is not a std::exception");
    return;
  }
  if (run.check_step) {
    std::string why;
    try {
      why = (*run.check_step)(index, std::span<const gr_tensor>(outs, s.out_buffers.size()));
    } catch (const std::exception& e) {
      record_failure(run, s, std::string("checking its outputs: ") + e.what());
      return;
    }
    if (!why.empty()) {
      std::lock_guard lock(run.error_mutex);
      run.failed.store(true);
      run.error = std::move(why);
      return;  // the run's failure path releases this step's buffers with the rest
    }
  }
  for (int b : s.distinct_in_buffers)
    if (run.remaining[b].fetch_sub(1, std::memory_order_acq_rel) == 1) release_buffer(run, b);
  for (int b : s.out_buffers)
    if (buffers[b].consumers == 0) release_buffer(run, b);
  if (run.record_steps) {
    const int64_t end = (Clock::now() - run.start).count();
    const int thread = tbb::this_task_arena::current_thread_index();
    run.records[index] = {index, start, end, thread < 0 ? 0 : thread, run.usage.live.load(std::memory_order_relaxed)};
  }
  if (run.progress) run.progress->step_done(index);
}

std::vector<void*> graph_input_data(const ExecutionPlan& plan, const std::map<std::string, TensorData>& inputs) {
  const Graph& g = plan.graph();
  const auto& buffers = plan.buffers();
  std::vector<void*> data(buffers.size(), nullptr);
  for (size_t b = 0; b < buffers.size(); ++b) {
    const int n = buffers[b].input_node;
    if (n < 0) continue;
    auto it = inputs.find(g.nodes[n].id);
    if (it == inputs.end())
      throw RunError("graph input '" + g.nodes[n].id + "' was not given (use --input " + g.nodes[n].id + "=FILE)");
    if (it->second.shape != buffers[b].shape)
      throw RunError("graph input '" + g.nodes[n].id + "' has shape " + shape_str(it->second.shape) +
                     ", the graph was planned for " + shape_str(buffers[b].shape));
    data[b] = it->second.data.get();
  }
  return data;
}

RunResult Executor::run(const std::map<std::string, TensorData>& inputs, const RunObserver& observer) const {
  const Graph& g = plan_->graph();
  const auto& buffers = plan_->buffers();
  const auto& steps = plan_->steps();
  // The slot goes back to the idle list however the run ends.
  struct Lease {
    const Executor& executor;
    std::unique_ptr<Slot> slot;
    ~Lease() { executor.give_back(std::move(slot)); }
  } lease{*this, take_slot()};
  Slot& slot = *lease.slot;
  RunState& run = slot.state;
  run.reset(observer.progress, observer.record_steps);
  if (observer.check_step) run.check_step = &observer.check_step;
  const std::vector<void*> given = graph_input_data(*plan_, inputs);
  for (size_t b = 0; b < buffers.size(); ++b)
    if (given[b]) run.data[b] = given[b];
  if (observer.progress) observer.progress->start(static_cast<int>(steps.size()));
  run.start = Clock::now();
  auto execute = [&] {
    tsan_take_over();
    if (sequential_ || run.check_step) {
      for (size_t s = 0; s < steps.size() && !run.failed.load(std::memory_order_relaxed); ++s)
        run_step(run, static_cast<int>(s));
    } else {
      tsan_hand_off();
      for (int s : plan_->sources()) slot.nodes[s]->try_put(tbb::flow::continue_msg());
      slot.flow->wait_for_all();
      tsan_take_over();
    }
    tsan_hand_off();
  };
  tsan_hand_off();
  arena_->arena.execute(execute);
  tsan_take_over();
  RunResult result;
  result.peak_bytes = run.usage.peak.load(std::memory_order_relaxed);
  if (run.failed.load()) {
    for (size_t b = 0; b < buffers.size(); ++b)
      if (run.data[b] && buffers[b].input_node < 0) pool_->release(run.data[b], &run.usage);
    std::fill(run.data.begin(), run.data.end(), nullptr);
    throw RunError(run.error);
  }
  std::map<int, std::shared_ptr<void>> owned;  // an output named twice shares its bytes
  for (const auto& [name, ref] : g.outputs) {
    const int b = plan_->buffer_of(ref);
    TensorData t;
    t.dtype = g.dtype;
    t.shape = buffers[b].shape;
    if (buffers[b].input_node >= 0) {
      t.data = inputs.at(g.nodes[buffers[b].input_node].id).data;
    } else if (run.data[b]) {
      auto& o = owned[b];
      if (!o) o = std::shared_ptr<void>(run.data[b], [pool = pool_](void* p) { pool->release(p); });
      t.data = o;
    }
    result.outputs.push_back(std::move(t));
  }
  std::fill(run.data.begin(), run.data.end(), nullptr);
  if (observer.record_steps)
    for (const StepRecord& r : run.records)
      if (r.step >= 0) result.records.push_back(r);
  return result;
}

}  // namespace graphrun
