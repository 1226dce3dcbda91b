// verify(): a well-formed graph passes after loading and after every pass; each invariant,
// broken on purpose in a copy of a real graph, is reported as an internal error naming the
// step and the invariant.
#include "driver/session.h"
#include "ir/fused_group.h"
#include "ir/verify.h"
#include "support/command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace graphrun::testing {
namespace {

// x -> a (neg) -> b (exp) -> output "b"; a and b fuse into one group rooted at b.
Graph load_chain(const TempDir& dir) {
  std::string path = (std::filesystem::path(dir.path()) / "chain.yaml").string();
  std::ofstream(path) << "format: 1\ngraph: chain\nnodes:\n"
                         "  - {id: x, op: linspace, start: 0, stop: 1, num: 8}\n"
                         "  - {id: a, op: neg, in: [x]}\n"
                         "  - {id: b, op: exp, in: [a]}\n"
                         "outputs: [b]\n";
  return load_graph(path, {});
}

int index_of(const Graph& g, const std::string& id) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].id == id) return static_cast<int>(i);
  ADD_FAILURE() << "no node " << id;
  return -1;
}

// The message of the InternalError verify throws, or "" when it passes.
std::string broken(const Graph& g, VerifyStage stage = VerifyStage::kInferred) {
  try {
    verify(g, "pass 'test'", stage);
  } catch (const InternalError& e) {
    return e.what();
  }
  return "";
}

class Verify : public ::testing::Test {
 protected:
  void SetUp() override {
    planned_ = load_chain(dir_);
    run_passes(planned_, {}, /*fuse=*/false);
  }
  TempDir dir_;
  Graph planned_;
};

TEST_F(Verify, WellFormedGraphsPass) {
  Graph loaded = load_chain(dir_);
  EXPECT_EQ(broken(loaded, VerifyStage::kLoaded), "");
  EXPECT_EQ(broken(planned_), "");
  Graph fused = load_chain(dir_);
  run_passes(fused, {}, /*fuse=*/true);
  EXPECT_EQ(fused.nodes[index_of(fused, "b")].kind, NodeKind::kFused);
  EXPECT_EQ(broken(fused), "");
}

TEST_F(Verify, MessageNamesTheStepAndTheInvariant) {
  Graph g = planned_;
  g.nodes[index_of(g, "b")].inputs[0].node = 99;
  EXPECT_EQ(broken(g), "after pass 'test': broken invariant 'inputs refer to existing nodes': node 'b' input 0 "
                       "('x') refers to node index 99");
}

TEST_F(Verify, InputOfARemovedNode) {
  Graph g = planned_;
  g.nodes[index_of(g, "a")].removed = true;
  EXPECT_NE(broken(g).find("'inputs refer to live nodes': node 'b' input 0 ('x') refers to removed node 'a'"),
            std::string::npos)
      << broken(g);
}

TEST_F(Verify, InputOfAMissingPort) {
  Graph g = planned_;
  g.nodes[index_of(g, "b")].inputs[0].port = 3;
  EXPECT_NE(broken(g).find("'inputs refer to existing ports'"), std::string::npos) << broken(g);
}

TEST_F(Verify, InputListsOutOfStep) {
  Graph g = planned_;
  g.nodes[index_of(g, "b")].input_ports.push_back("y");
  EXPECT_NE(broken(g).find("'a node's input lists are parallel'"), std::string::npos) << broken(g);
}

TEST_F(Verify, RankAboveTheMaximum) {
  Graph g = planned_;
  g.nodes[index_of(g, "a")].output_shapes[0] = Shape(GR_MAX_RANK + 1, 1);
  EXPECT_NE(broken(g).find("'ranks are 0 to 8': node 'a'"), std::string::npos) << broken(g);
}

TEST_F(Verify, NegativeInferredSize) {
  Graph g = planned_;
  g.nodes[index_of(g, "a")].output_shapes[0] = {-1};
  EXPECT_NE(broken(g).find("'inferred sizes are non-negative': node 'a'"), std::string::npos) << broken(g);
  // A graph input not given yet may keep its -1 ("any size") axis after loading, not after inference.
  Graph loaded = planned_;
  loaded.nodes[index_of(loaded, "a")].output_shapes[0] = {-1};
  EXPECT_NE(broken(loaded, VerifyStage::kLoaded), "");
}

TEST_F(Verify, UninferredNodeAfterInference) {
  Graph g = planned_;
  g.nodes[index_of(g, "a")].output_shapes.clear();
  EXPECT_NE(broken(g).find("'every live node is inferred': node 'a'"), std::string::npos) << broken(g);
}

TEST_F(Verify, OutputOfARemovedNode) {
  Graph g = planned_;
  g.outputs[0].second.node = index_of(g, "a");
  g.nodes[index_of(g, "b")].removed = true;
  g.nodes[index_of(g, "a")].removed = true;
  EXPECT_NE(broken(g).find("'outputs refer to existing values': output 'b' refers to removed node 'a'"),
            std::string::npos)
      << broken(g);
}

TEST_F(Verify, OutputOfAMissingPort) {
  Graph g = planned_;
  g.outputs[0].second.port = 1;
  EXPECT_NE(broken(g).find("'outputs refer to existing values': output 'b' refers to output 1"), std::string::npos)
      << broken(g);
}

TEST_F(Verify, FusedGroupWithAnUnknownMember) {
  Graph g = load_chain(dir_);
  run_passes(g, {}, /*fuse=*/true);
  Node& b = g.nodes[index_of(g, "b")];
  auto group = std::make_shared<FusedGroup>(*b.fused);
  group->member_ids[0] = "ghost";
  b.fused = group;
  EXPECT_NE(broken(g).find("'fused groups reference existing members': node 'b''s fused group names unknown node 'ghost'"),
            std::string::npos)
      << broken(g);
}

TEST_F(Verify, FusedGroupEdgeOutsideItsMembers) {
  Graph g = load_chain(dir_);
  run_passes(g, {}, /*fuse=*/true);
  Node& b = g.nodes[index_of(g, "b")];
  auto group = std::make_shared<FusedGroup>(*b.fused);
  group->member_edges.emplace_back(0, 7);
  b.fused = group;
  EXPECT_NE(broken(g).find("'fused groups reference existing members'"), std::string::npos) << broken(g);
}

TEST_F(Verify, FusedGroupVariablesOutOfStepWithItsInputs) {
  Graph g = load_chain(dir_);
  run_passes(g, {}, /*fuse=*/true);
  Node& b = g.nodes[index_of(g, "b")];
  auto group = std::make_shared<FusedGroup>(*b.fused);
  group->variables.push_back("in1");
  b.fused = group;
  EXPECT_NE(broken(g).find("'a fused group has one variable per operand'"), std::string::npos) << broken(g);
}

TEST_F(Verify, Cycle) {
  Graph g = planned_;
  Node& a = g.nodes[index_of(g, "a")];
  a.inputs[0] = {index_of(g, "b"), 0};
  EXPECT_NE(broken(g).find("'the graph is acyclic'"), std::string::npos) << broken(g);
}

TEST_F(Verify, OpNodeWithoutItsOp) {
  Graph g = planned_;
  g.nodes[index_of(g, "a")].op = nullptr;
  EXPECT_NE(broken(g).find("'op nodes have their op and attributes': node 'a'"), std::string::npos) << broken(g);
}

}  // namespace
}  // namespace graphrun::testing
