#include "sharding/comm_ops.h"

#include "distributed/blocks.h"
#include "distributed/world.h"
#include "plugin_host/op_descriptor.h"
#include "sharding/blocks_along_axis.h"

#include <graphrun/plugin.hpp>

#include <algorithm>
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

size_t element_bytes(const plugin::Node& node) { return node.dtype() == GR_F64 ? 8 : 4; }

distributed::Block block_of_node(const plugin::Node& node, int rank) {
  return distributed::block_of(node.attr_int("length"), rank, static_cast<int>(node.attr_int("ranks")));
}

// The rank's block with its halo: `left` more before it unless it is the first block,
// `right` more after it unless it is the last.
struct Extended {
  distributed::Block block;
  int64_t left = 0, right = 0;
  int64_t begin() const { return block.begin - left; }
  int64_t size() const { return left + block.size() + right; }
};

Extended extended_of(const plugin::Node& node) {
  const int rank = static_cast<int>(node.attr_int("rank")), ranks = static_cast<int>(node.attr_int("ranks"));
  Extended e;
  e.block = block_of_node(node, rank);
  e.left = rank > 0 ? node.attr_int("left") : 0;
  e.right = rank + 1 < ranks ? node.attr_int("right") : 0;
  return e;
}

plugin::OpDef& axis_attrs(plugin::OpDef& op) {
  return op.input("x", "the tensor")
      .output("out", "the result")
      .attr("axis", GR_ATTR_INT, "the sharded axis")
      .attr("length", GR_ATTR_INT, "the axis's whole extent")
      .attr("rank", GR_ATTR_INT, "this rank")
      .attr("ranks", GR_ATTR_INT, "the number of ranks");
}

plugin::OpDef& halo_attrs(plugin::OpDef& op) {
  return axis_attrs(op)
      .attr("left", GR_ATTR_INT, "elements added before the block (none on the first rank)")
      .attr("right", GR_ATTR_INT, "elements added after the block (none on the last rank)");
}

void infer_block(const plugin::Node& node, plugin::Outputs& out) {
  plugin::Shape shape = node.input(0).shape_vec();
  shape[static_cast<size_t>(node.attr_int("axis"))] = extended_of(node).size();
  out.add(shape);
}

// A halo comes from the neighbour's block alone: every block must be at least as long.
void infer_halo(const plugin::Node& node, plugin::Outputs& out) {
  const int64_t ranks = node.attr_int("ranks"), length = node.attr_int("length");
  const int64_t smallest = distributed::block_of(length, static_cast<int>(ranks - 1), static_cast<int>(ranks)).size();
  if (smallest < std::max(node.attr_int("left"), node.attr_int("right")))
    throw plugin::UserError("a halo of " + std::to_string(std::max(node.attr_int("left"), node.attr_int("right"))) +
                            " elements from blocks of " + std::to_string(smallest) + ": the shard_data pass should "
                            "have gathered instead");
  infer_block(node, out);
}

void infer_trim(const plugin::Node& node, plugin::Outputs& out) {
  plugin::Shape shape = node.input(0).shape_vec();
  shape[static_cast<size_t>(node.attr_int("axis"))] -= node.attr_int("left") + node.attr_int("right");
  out.add(shape);
}

void infer_whole(const plugin::Node& node, plugin::Outputs& out) {
  plugin::Shape shape = node.input(0).shape_vec();
  shape[static_cast<size_t>(node.attr_int("axis"))] = node.attr_int("length");
  out.add(shape);
}

const std::byte* bytes_in(const plugin::Tensor& t) { return static_cast<const std::byte*>(t.raw()->data); }
std::byte* bytes_out(plugin::OutTensor& t) { return static_cast<std::byte*>(t.raw()->data); }

// Takes rows [begin, end) of x along axis, with the halo: no rank talks to another.
void run_block(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor x = node.input(0);
  const AroundAxis in = around(x.shape(), static_cast<int>(node.attr_int("axis")), element_bytes(node));
  const Extended e = extended_of(node);
  copy_rows(bytes_in(x), in.extent, e.begin(), bytes_out(outs[0]), e.size(), 0, e.size(), in);
}

// The neighbours' edges around this rank's block: the last `left` elements of each block go
// to the next rank, the first `right` to the previous one (two MPI_Sendrecv).
void run_halo(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  meet_other_ranks();
  const plugin::Tensor x = node.input(0);
  const AroundAxis in = around(x.shape(), static_cast<int>(node.attr_int("axis")), element_bytes(node));
  const Extended e = extended_of(node);
  const int rank = static_cast<int>(node.attr_int("rank")), ranks = static_cast<int>(node.attr_int("ranks"));
  // What the neighbours take: the previous rank (not the last) extends by `right`, the next
  // (not the first) by `left`.
  const int64_t to_prev = rank > 0 ? node.attr_int("right") : 0;
  const int64_t to_next = rank + 1 < ranks ? node.attr_int("left") : 0;
  auto buffer = [&](int64_t count) { return std::vector<std::byte>(static_cast<size_t>(in.outer * count * in.inner_bytes)); };
  std::vector<std::byte> send_prev = buffer(to_prev), send_next = buffer(to_next);
  std::vector<std::byte> from_prev = buffer(e.left), from_next = buffer(e.right);
  copy_rows(bytes_in(x), in.extent, 0, send_prev.data(), to_prev, 0, to_prev, in);
  copy_rows(bytes_in(x), in.extent, in.extent - to_next, send_next.data(), to_next, 0, to_next, in);
  distributed::exchange_with_neighbours(send_prev.data(), send_prev.size(), send_next.data(), send_next.size(),
                                        from_prev.data(), from_prev.size(), from_next.data(), from_next.size());
  std::byte* out = bytes_out(outs[0]);
  copy_rows(from_prev.data(), e.left, 0, out, e.size(), 0, e.left, in);
  copy_rows(bytes_in(x), in.extent, 0, out, e.size(), e.left, in.extent, in);
  copy_rows(from_next.data(), e.right, 0, out, e.size(), e.left + in.extent, e.right, in);
}

void run_trim(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor x = node.input(0);
  const AroundAxis in = around(x.shape(), static_cast<int>(node.attr_int("axis")), element_bytes(node));
  const int64_t left = node.attr_int("left"), kept = in.extent - left - node.attr_int("right");
  copy_rows(bytes_in(x), in.extent, left, bytes_out(outs[0]), kept, 0, kept, in);
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

// The OpInfo of the op that `define` returns, built on first use. Each caller's lambda is its
// own instantiation, so each op gets its own statics; the OpDef lives as long as the process
// because the descriptor points into it.
template <typename Define>
const OpInfo& engine_op(Define define) {
  static plugin::OpDef def = define();
  static const std::unique_ptr<OpInfo> info = info_of(def);
  return *info;
}

}  // namespace

const OpInfo& block_op() {
  return engine_op([] {
    plugin::OpDef op("block", "this rank's block of a tensor every rank holds");
    halo_attrs(op).infer(infer_block).cpu(run_block);
    return op;
  });
}

const OpInfo& halo_op() {
  return engine_op([] {
    plugin::OpDef op("halo", "this rank's block extended by its neighbours' edges (MPI_Sendrecv)");
    halo_attrs(op).infer(infer_halo).cpu(run_halo);
    return op;
  });
}

const OpInfo& trim_op() {
  return engine_op([] {
    plugin::OpDef op("trim", "drops a halo: the first `left` and last `right` elements along axis");
    op.input("x", "the tensor")
        .output("out", "the result")
        .attr("axis", GR_ATTR_INT, "the sharded axis")
        .attr("left", GR_ATTR_INT, "elements dropped at the start")
        .attr("right", GR_ATTR_INT, "elements dropped at the end")
        .infer(infer_trim)
        .cpu(run_trim);
    return op;
  });
}

const OpInfo& gather_op() {
  return engine_op([] {
    plugin::OpDef op("gather", "all of a tensor the ranks hold in blocks, on every rank (MPI_Allgatherv)");
    axis_attrs(op).infer(infer_whole).cpu(run_gather);
    return op;
  });
}

const OpInfo& max_over_ranks_op() {
  return engine_op([] {
    plugin::OpDef op("max_over_ranks", "the element-wise max over the ranks (MPI_Allreduce)");
    op.input("x", "each rank's partial max")
        .output("out", "the max over ranks")
        .infer([](const plugin::Node& node, plugin::Outputs& out) { out.add(node.input(0).shape_vec()); })
        .cpu(run_max);
    return op;
  });
}

bool is_comm_op(const OpInfo* op) {
  return op == &block_op() || op == &gather_op() || op == &halo_op() || op == &max_over_ranks_op();
}

std::optional<RankFailure> take_peer_failure() {
  std::lock_guard lock(peer_failure_mutex);
  std::optional<RankFailure> out = std::move(peer_failure);
  peer_failure.reset();
  return out;
}

}  // namespace graphrun::sharding
