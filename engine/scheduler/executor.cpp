#include "scheduler/executor.h"

#include "expr/expr.h"
#include "ir/fused_group.h"
#include "ir/node_call.h"
#include "plugin_host/running_step.h"

#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <mutex>
#include <thread>

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

struct Buffer {
  Shape shape;
  uint64_t bytes = 0;
  int consumers = 0;    // steps reading it
  bool pinned = false;  // a graph output: kept after the run
  int input_node = -1;  // a graph input: supplied by the caller
};

struct Step {
  int node = -1;
  const OpInfo* op = nullptr;
  std::unique_ptr<NodeCall> call;
  std::vector<int> in_buffers;
  std::vector<int> distinct_in_buffers;
  std::vector<int> out_buffers;
  std::vector<gr_tensor> outs;
  std::vector<gr_tensor*> out_ptrs;  // what the kernel is handed
  std::vector<int> successors;
  RunningStep running;               // for crash reports and progress
  std::shared_ptr<const expr::Program> program;  // elementwise and fused steps
  void* state = nullptr;
};

}  // namespace

struct Executor::Impl {
  const Graph& graph;
  std::shared_ptr<BufferPool> pool = std::make_shared<BufferPool>();
  std::vector<Buffer> buffers;
  std::map<ValueRef, int> buffer_of;
  std::vector<Step> steps;
  std::vector<StepInfo> infos;
  std::vector<int> sources;  // steps without predecessors
  bool sequential = false;
  tbb::task_arena arena;
  std::unique_ptr<tbb::flow::graph> flow;
  std::vector<std::unique_ptr<tbb::flow::continue_node<tbb::flow::continue_msg>>> flow_nodes;

  // Per-run state.
  std::vector<void*> data;
  std::unique_ptr<std::atomic<int>[]> remaining;
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;
  Clock::time_point run_start;
  std::vector<StepRecord>* records = nullptr;
  const RunObserver* observer = nullptr;
  std::atomic<int> done{0};

  Impl(const Graph& g, int threads) : graph(g), arena(threads > 0 ? threads : tbb::task_arena::automatic) {
    try {
      plan();
    } catch (...) {
      release_states();  // the states prepared before the failing one
      throw;
    }
  }

  ~Impl() { release_states(); }

  void release_states() {
    for (auto& s : steps)
      if (s.state && s.op && s.op->desc.release) s.op->desc.release(s.op->desc.user, s.state);
    for (auto& s : steps) s.state = nullptr;
  }

  int buffer(ValueRef r) {
    auto [it, added] = buffer_of.try_emplace(r, static_cast<int>(buffers.size()));
    if (added) {
      Buffer b;
      b.shape = graph.nodes[r.node].output_shapes[r.port];
      b.bytes = tensor_bytes(b.shape, graph.dtype);
      if (graph.nodes[r.node].kind == NodeKind::kInput) b.input_node = r.node;
      buffers.push_back(b);
    }
    return it->second;
  }

  void plan() {
    std::vector<int> order = graph.topo_order();
    std::vector<int> step_of(graph.nodes.size(), -1);
    for (int i : order) {
      const Node& node = graph.nodes[i];
      if (node.kind == NodeKind::kInput) {
        buffer({i, 0});
        continue;
      }
      Step s;
      s.node = i;
      s.op = node.op;
      s.call = std::make_unique<NodeCall>(graph, node);
      for (const auto& in : node.inputs) s.in_buffers.push_back(buffer(in));
      s.distinct_in_buffers = s.in_buffers;
      std::sort(s.distinct_in_buffers.begin(), s.distinct_in_buffers.end());
      s.distinct_in_buffers.erase(std::unique(s.distinct_in_buffers.begin(), s.distinct_in_buffers.end()),
                                  s.distinct_in_buffers.end());
      for (int b : s.distinct_in_buffers) ++buffers[b].consumers;
      for (size_t k = 0; k < node.output_shapes.size(); ++k) {
        s.out_buffers.push_back(buffer({i, static_cast<int>(k)}));
        s.outs.push_back(tensor_header(node.output_shapes[k], graph.dtype));
      }
      if (node.kind == NodeKind::kFused) {
        s.program = node.fused->program;
      } else if (node.op->elementwise() && !node.op->desc.cpu_kernel) {
        expr::AstPtr formula = elementwise_formula(graph, node);
        s.program = expr::Program::compile(std::span(&formula, 1), node.input_ports);
      } else if (node.op->desc.prepare) {
        gr_status status{};
        int rc = node.op->desc.prepare(node.op->desc.user, &s.call->node(), &s.state, &status);
        if (rc == GR_USER_ERROR) {
          steps.push_back(std::move(s));  // so that its state, if any, is released
          throw GraphError(node.loc, "node '" + node.id + "': " + status.message);
        }
        if (rc != GR_OK) {
          steps.push_back(std::move(s));
          throw RunError(plugin_fault(node, "prepare failed: " + std::string(status.message)));
        }
        s.call->node().state = s.state;
      }
      uint64_t moved = 0;
      for (int b : s.in_buffers) moved += buffers[b].bytes;
      for (int b : s.out_buffers) moved += buffers[b].bytes;
      std::string op_name = node.kind == NodeKind::kFused ? "fused(" + std::to_string(node.fused->member_ids.size()) + ")"
                                                           : node.op->desc.name;
      infos.push_back({i, node.id, op_name, moved});
      for (auto& t : s.outs) s.out_ptrs.push_back(&t);
      s.running.node = node.id.c_str();
      s.running.op = node.kind == NodeKind::kFused ? "fused elementwise group" : node.op->desc.name;
      s.running.plugin = node.kind == NodeKind::kFused ? "(engine)" : node.op->plugin.c_str();
      s.running.step = static_cast<int>(steps.size());
      step_of[i] = static_cast<int>(steps.size());
      steps.push_back(std::move(s));
    }
    for (const auto& [name, ref] : graph.outputs) buffers[buffer(ref)].pinned = true;
    for (size_t s = 0; s < steps.size(); ++s) {
      std::vector<int> preds;
      for (const auto& in : graph.nodes[steps[s].node].inputs)
        if (step_of[in.node] >= 0) preds.push_back(step_of[in.node]);
      std::sort(preds.begin(), preds.end());
      preds.erase(std::unique(preds.begin(), preds.end()), preds.end());
      for (int p : preds) steps[p].successors.push_back(static_cast<int>(s));
    }
    std::vector<bool> has_predecessor(steps.size(), false);
    for (const auto& s : steps)
      for (int t : s.successors) has_predecessor[t] = true;
    for (size_t s = 0; s < steps.size(); ++s)
      if (!has_predecessor[s]) sources.push_back(static_cast<int>(s));
    // A chain (each step feeding the next) gains nothing from the flow graph.
    sequential = arena.max_concurrency() == 1;
    if (!sequential) {
      sequential = true;
      for (size_t s = 0; s + 1 < steps.size(); ++s)
        sequential = sequential && steps[s].successors.size() == 1 && steps[s].successors[0] == static_cast<int>(s + 1);
    }
    if (!sequential) build_flow_graph();
  }

  void build_flow_graph() {
    arena.execute([&] {
      flow = std::make_unique<tbb::flow::graph>();
      for (size_t s = 0; s < steps.size(); ++s)
        flow_nodes.push_back(std::make_unique<tbb::flow::continue_node<tbb::flow::continue_msg>>(
            *flow, [this, s](const tbb::flow::continue_msg&) { run_step(static_cast<int>(s)); }));
      for (size_t s = 0; s < steps.size(); ++s)
        for (int t : steps[s].successors) tbb::flow::make_edge(*flow_nodes[s], *flow_nodes[t]);
    });
  }

  void release_buffer(int b) {
    if (buffers[b].pinned || buffers[b].input_node >= 0) return;
    pool->release(data[b]);
    data[b] = nullptr;
  }

  void run_step(int index) {
    if (failed.load(std::memory_order_relaxed)) return;
    Step& s = steps[index];
    const Node& node = graph.nodes[s.node];
    int64_t start = records ? (Clock::now() - run_start).count() : 0;
    try {
      for (size_t k = 0; k < s.out_buffers.size(); ++k) {
        void* block = pool->allocate(buffers[s.out_buffers[k]].bytes);
        data[s.out_buffers[k]] = block;
        s.outs[k].data = block;
      }
      auto& ins = s.call->inputs();
      for (size_t k = 0; k < s.in_buffers.size(); ++k) ins[k].data = data[s.in_buffers[k]];
      RunningStepScope running(&s.running);
      if (s.program) {
        expr::eval_tensors(*s.program, graph.dtype, ins, s.outs, host_parallel_for);
      } else {
        gr_status status{};
        if (s.op->desc.cpu_kernel(s.op->desc.user, &s.call->node(), s.out_ptrs.data(),
                                  static_cast<int32_t>(s.out_ptrs.size()), &status) != GR_OK)
          throw RunError(status.message);
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(error_mutex);
      if (!failed.exchange(true)) {
        std::string what = node.kind == NodeKind::kFused ? "fused group" : "op '" + std::string(s.op->desc.name) + "'";
        if (s.op && node.kind != NodeKind::kFused) what += " from " + s.op->plugin;
        error = node.loc.str() + ": node '" + node.id + "' (" + what + ") failed: " + e.what();
      }
      return;
    }
    for (int b : s.distinct_in_buffers)
      if (remaining[b].fetch_sub(1, std::memory_order_acq_rel) == 1) release_buffer(b);
    for (int b : s.out_buffers)
      if (buffers[b].consumers == 0) release_buffer(b);
    if (records) {
      int64_t end = (Clock::now() - run_start).count();
      int thread = tbb::this_task_arena::current_thread_index();
      std::lock_guard lock(error_mutex);
      records->push_back({index, start, end, thread < 0 ? 0 : thread});
    }
    int finished = done.fetch_add(1) + 1;
    if (observer && observer->on_progress) observer->on_progress(finished, static_cast<int>(steps.size()));
  }
};

Executor::Executor(const Graph& graph, int threads) : impl_(std::make_unique<Impl>(graph, threads)) {}
Executor::~Executor() = default;

const std::vector<Executor::StepInfo>& Executor::steps() const { return impl_->infos; }
int Executor::threads() const { return impl_->arena.max_concurrency(); }

std::vector<TensorData> Executor::run(const std::map<std::string, TensorData>& inputs, const RunObserver& observer) {
  Impl& m = *impl_;
  const Graph& g = m.graph;
  m.data.assign(m.buffers.size(), nullptr);
  m.remaining = std::make_unique<std::atomic<int>[]>(m.buffers.size());
  for (size_t b = 0; b < m.buffers.size(); ++b) m.remaining[b].store(m.buffers[b].consumers);
  for (size_t b = 0; b < m.buffers.size(); ++b) {
    int n = m.buffers[b].input_node;
    if (n < 0) continue;
    auto it = inputs.find(g.nodes[n].id);
    if (it == inputs.end()) throw RunError("graph input '" + g.nodes[n].id + "' was not given (use --input " + g.nodes[n].id + "=FILE)");
    if (it->second.shape != m.buffers[b].shape)
      throw RunError("graph input '" + g.nodes[n].id + "' has shape " + shape_str(it->second.shape) +
                     ", the graph was planned for " + shape_str(m.buffers[b].shape));
    m.data[b] = it->second.data.get();
  }
  m.failed = false;
  m.error.clear();
  m.done = 0;
  records_.clear();
  m.records = observer.record_steps ? &records_ : nullptr;
  m.observer = &observer;
  m.pool->reset_peak();
  m.run_start = Clock::now();
  m.arena.execute([&] {
    if (m.sequential) {
      for (size_t s = 0; s < m.steps.size() && !m.failed; ++s) m.run_step(static_cast<int>(s));
    } else {
      for (int s : m.sources) m.flow_nodes[s]->try_put(tbb::flow::continue_msg());
      m.flow->wait_for_all();
    }
  });
  peak_bytes_ = m.pool->peak();
  if (m.failed) {
    for (size_t b = 0; b < m.buffers.size(); ++b)
      if (m.data[b] && m.buffers[b].input_node < 0) m.pool->release(m.data[b]);
    m.data.assign(m.buffers.size(), nullptr);
    throw RunError(m.error);
  }
  std::vector<TensorData> outputs;
  auto pool = m.pool;
  std::map<int, std::shared_ptr<void>> owned;
  for (const auto& [name, ref] : g.outputs) {
    int b = m.buffer_of.at(ref);
    TensorData t;
    t.dtype = g.dtype;
    t.shape = m.buffers[b].shape;
    if (m.buffers[b].input_node >= 0) {
      t.data = inputs.at(g.nodes[m.buffers[b].input_node].id).data;
    } else if (m.data[b]) {
      auto& o = owned[b];
      if (!o) o = std::shared_ptr<void>(m.data[b], [pool](void* p) { pool->release(p); });
      t.data = o;
    }
    outputs.push_back(std::move(t));
  }
  m.data.assign(m.buffers.size(), nullptr);
  return outputs;
}

}  // namespace graphrun
