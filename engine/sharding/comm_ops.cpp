#include "sharding/comm_ops.h"

#include "distributed/blocks.h"
#include "distributed/world.h"
#include "plugin_host/op_descriptor.h"
#include "sharding/blocks_along_axis.h"

#include <graphrun/plugin.hpp>

#include <cstring>
#include <mutex>

namespace graphrun::sharding {

namespace {

std::mutex peer_failure_mutex;
std::optional<RankFailure> peer_failure;

// Thrown by a communication step that learns another rank failed: the run stops here too.
struct StoppedByPeer : std::runtime_error {
  StoppedByPeer() : std::runtime_error("stopped: another rank failed") {}
};

}  // namespace

void meet_other_ranks() {
  if (std::optional<RankFailure> failure = agree(ErrorReport{0, ""})) {
    std::lock_guard lock(peer_failure_mutex);
    peer_failure = std::move(failure);
    throw StoppedByPeer();
  }
}

namespace {

// A tensor as (outer, axis, inner) around `axis`, in bytes for inner.
struct AroundAxis {
  int64_t outer = 1, extent = 1, inner_bytes = 0;
};

AroundAxis around(std::span<const int64_t> shape, int axis, size_t element_bytes) {
  AroundAxis a;
  a.inner_bytes = static_cast<int64_t>(element_bytes);
  for (int k = 0; k < static_cast<int>(shape.size()); ++k) {
    if (k < axis) a.outer *= shape[static_cast<size_t>(k)];
    if (k == axis) a.extent = shape[static_cast<size_t>(k)];
    if (k > axis) a.inner_bytes *= shape[static_cast<size_t>(k)];
  }
  return a;
}

size_t element_bytes(const plugin::Node& node) { return node.dtype() == GR_F64 ? 8 : 4; }

distributed::Block block_of_node(const plugin::Node& node, int rank) {
  return distributed::block_of(node.attr_int("length"), rank, static_cast<int>(node.attr_int("ranks")));
}

plugin::OpDef& axis_attrs(plugin::OpDef& op) {
  return op.input("x", "the tensor")
      .output("out", "the result")
      .attr("axis", GR_ATTR_INT, "the sharded axis")
      .attr("length", GR_ATTR_INT, "the axis's whole extent")
      .attr("rank", GR_ATTR_INT, "this rank")
      .attr("ranks", GR_ATTR_INT, "the number of ranks");
}

void infer_block(const plugin::Node& node, plugin::Outputs& out) {
  plugin::Shape shape = node.input(0).shape_vec();
  shape[static_cast<size_t>(node.attr_int("axis"))] = block_of_node(node, static_cast<int>(node.attr_int("rank"))).size();
  out.add(shape);
}

void infer_whole(const plugin::Node& node, plugin::Outputs& out) {
  plugin::Shape shape = node.input(0).shape_vec();
  shape[static_cast<size_t>(node.attr_int("axis"))] = node.attr_int("length");
  out.add(shape);
}

// Takes rows [begin, end) of x along axis: no rank talks to another.
void run_block(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor x = node.input(0);
  const int axis = static_cast<int>(node.attr_int("axis"));
  const AroundAxis in = around(x.shape(), axis, element_bytes(node));
  const distributed::Block b = block_of_node(node, static_cast<int>(node.attr_int("rank")));
  const auto* src = static_cast<const std::byte*>(x.raw()->data);
  auto* dst = static_cast<std::byte*>(outs[0].raw()->data);
  const int64_t row = b.size() * in.inner_bytes;
  for (int64_t o = 0; o < in.outer; ++o)
    std::memcpy(dst + o * row, src + (o * in.extent + b.begin) * in.inner_bytes, static_cast<size_t>(row));
}

// Every rank's block in rank order (one all-gather), put back in place along axis.
void run_gather(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  meet_other_ranks();
  const plugin::Tensor x = node.input(0);
  const size_t bytes = static_cast<size_t>(x.numel()) * element_bytes(node);
  const std::vector<std::byte> all = distributed::all_gather_bytes(x.raw()->data, bytes);
  place_blocks(all.data(), static_cast<std::byte*>(outs[0].raw()->data), outs[0].shape(),
               static_cast<int>(node.attr_int("axis")), element_bytes(node), static_cast<int>(node.attr_int("ranks")));
}

void run_max(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  meet_other_ranks();
  const plugin::Tensor x = node.input(0);
  const size_t bytes = static_cast<size_t>(x.numel()) * element_bytes(node);
  std::memcpy(outs[0].raw()->data, x.raw()->data, bytes);
  distributed::all_reduce_max(outs[0].raw()->data, x.numel(), node.dtype() == GR_F64);
}

// The descriptor of `def` as an OpInfo; `def` lives as long as the process (desc points in).
std::unique_ptr<OpInfo> info_of(plugin::OpDef& def) {
  auto info = std::make_unique<OpInfo>();
  if (std::string why = read_op_descriptor(&def.desc(), *info); !why.empty()) throw std::logic_error(why);
  info->plugin = "(engine: inserted by the shard_data pass)";
  return info;
}

}  // namespace

const OpInfo& block_op() {
  static plugin::OpDef def = [] {
    plugin::OpDef op("block", "this rank's block of a tensor every rank holds");
    axis_attrs(op).infer(infer_block).cpu(run_block);
    return op;
  }();
  static const std::unique_ptr<OpInfo> info = info_of(def);
  return *info;
}

const OpInfo& gather_op() {
  static plugin::OpDef def = [] {
    plugin::OpDef op("gather", "all of a tensor the ranks hold in blocks, on every rank (MPI_Allgatherv)");
    axis_attrs(op).infer(infer_whole).cpu(run_gather);
    return op;
  }();
  static const std::unique_ptr<OpInfo> info = info_of(def);
  return *info;
}

const OpInfo& max_over_ranks_op() {
  static plugin::OpDef def = [] {
    plugin::OpDef op("max_over_ranks", "the element-wise max over the ranks (MPI_Allreduce)");
    op.input("x", "each rank's partial max")
        .output("out", "the max over ranks")
        .infer([](const plugin::Node& node, plugin::Outputs& out) { out.add(node.input(0).shape_vec()); })
        .cpu(run_max);
    return op;
  }();
  static const std::unique_ptr<OpInfo> info = info_of(def);
  return *info;
}

bool is_comm_op(const OpInfo* op) { return op == &block_op() || op == &gather_op() || op == &max_over_ranks_op(); }

std::optional<RankFailure> take_peer_failure() {
  std::lock_guard lock(peer_failure_mutex);
  std::optional<RankFailure> out = std::move(peer_failure);
  peer_failure.reset();
  return out;
}

}  // namespace graphrun::sharding
