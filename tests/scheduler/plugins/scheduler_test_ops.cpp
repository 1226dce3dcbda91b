// Ops for the scheduler tests: a kernel that fails on some inputs, one that reports
// progress and then holds on, and one with prepared state whose live count another op
// reads back (so a test can see that states are released).
#include <graphrun/plugin.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>

using graphrun::plugin::Node;
using graphrun::plugin::OpDef;
using graphrun::plugin::OutTensor;
using graphrun::plugin::Outputs;

namespace {

std::atomic<int> live_states{0};

void same_shape(const Node& node, Outputs& outs) { outs.add(node.input("x").shape()); }

template <typename T> void copy_input(const Node& node, OutTensor& out) {
  const auto x = node.input("x");
  std::copy(x.data<T>(), x.data<T>() + x.numel(), out.data<T>());
}

}  // namespace

GRAPHRUN_PLUGIN(reg) {
  OpDef fails("fail_if_negative", "copies x; the kernel fails when an element is negative");
  fails.input("x", "input").output("out", "x").infer(same_shape).cpu([](const Node& node, std::span<OutTensor> outs) {
    graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() {
      const auto x = node.input("x");
      for (int64_t i = 0; i < x.numel(); ++i)
        if (x.data<T>()[i] < 0)
          throw std::runtime_error("negative value " + std::to_string(x.data<T>()[i]) + " at index " + std::to_string(i));
      copy_input<T>(node, outs[0]);
    });
  });

  OpDef progress("report_half", "copies x after reporting half its work done, then waits hold_ms");
  progress.input("x", "input")
      .output("out", "x")
      .attr_int("hold_ms", 0, "how long to wait after reporting")
      .infer(same_shape)
      .cpu([](const Node& node, std::span<OutTensor> outs) {
        node.report_progress(0.5);
        std::this_thread::sleep_for(std::chrono::milliseconds(node.attr_int("hold_ms")));
        graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() { copy_input<T>(node, outs[0]); });
      });

  OpDef scaled("counted_scale", "x times factor, the factor held in prepared state (counted while alive)");
  scaled.input("x", "input")
      .output("out", "factor * x")
      .attr("factor", 1.0, "the factor")
      .attr_bool("refuse", false, "prepare fails on purpose")
      .infer(same_shape)
      .prepare(
          [](const Node& node) -> void* {
            if (node.attr_bool("refuse")) throw std::runtime_error("prepare refused on purpose");
            ++live_states;
            return new double(node.attr_float("factor"));
          },
          [](void* state) {
            delete static_cast<double*>(state);
            --live_states;
          })
      .cpu([](const Node& node, std::span<OutTensor> outs) {
        const double factor = *static_cast<const double*>(node.state());
        graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() {
          const auto x = node.input("x");
          for (int64_t i = 0; i < x.numel(); ++i) outs[0].data<T>()[i] = static_cast<T>(factor * x.data<T>()[i]);
        });
      });

  OpDef count("live_states", "how many counted_scale states are alive (one element; x only orders it)");
  count.input("x", "input")
      .output("out", "the count")
      .infer([](const Node&, Outputs& outs) { outs.add({1}); })
      .cpu([](const Node& node, std::span<OutTensor> outs) {
        graphrun::plugin::dispatch(node.dtype(), [&]<typename T>() { outs[0].data<T>()[0] = static_cast<T>(live_states.load()); });
      });

  return graphrun::plugin::register_ops(reg, {std::move(fails), std::move(progress), std::move(scaled), std::move(count)});
}
