// `graphrun dot`: a fused group is a cluster of its members with the real edges (no copy of
// the group beside it), edges name their ports where a node has several outputs or inputs,
// every node shows its op and shapes. The DOT text is parsed into nodes, edges and clusters
// and checked structurally; Graphviz's dot must accept it where it is installed.
#include "support/command.h"
#include "support/graph_text.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace graphrun {
namespace {

// An ode with two outputs, read in the opposite order by d (ports named on both sides),
// and an elementwise chain d -> e -> f that fuses into one group, f also reading x0.
constexpr const char* kDotGraph = R"(format: 1
graph: dotted
nodes:
  - {id: x0, op: linspace, start: 0, stop: 1, num: 8}
  - {id: v0, op: linspace, start: 1, stop: 2, num: 8}
  - {id: osc, op: ode, in: {x: x0, v: v0}, rhs: {x: "v", v: "-x"}, method: euler, dt: 0.1, steps: 4}
  - {id: d, op: sub, in: [osc:v, osc:x]}
  - {id: e, op: exp, in: [d]}
  - {id: f, op: mul, in: [e, x0]}
outputs: [f, osc:x]
)";

struct Edge {
  std::string from, to, label;
};

struct ParsedDot {
  std::map<std::string, std::string> labels;           // DOT node name -> label text (\n kept escaped)
  std::vector<std::string> names;                      // node names in declaration order
  std::map<std::string, std::set<std::string>> clusters;  // cluster -> its node names
  std::vector<Edge> edges;
};

ParsedDot parse_dot(const std::string& dot) {
  static const std::regex node(R"re(^\s*(\w+) \[label="((?:[^"\\]|\\.)*)".*\];$)re");
  static const std::regex edge(R"re(^\s*(\w+) -> (\w+)(?: \[label="((?:[^"\\]|\\.)*)"\])?;$)re");
  static const std::regex cluster(R"re(^\s*subgraph (cluster_\w+) \{$)re");
  ParsedDot p;
  std::istringstream in(dot);
  std::string line, open;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, cluster)) open = m[1];
    else if (std::regex_match(line, m, edge)) p.edges.push_back({m[1], m[2], m[3]});
    else if (std::regex_match(line, m, node)) {
      p.names.push_back(m[1]);
      p.labels[m[1]] = m[2];
      if (!open.empty()) p.clusters[open].insert(m[1]);
    } else if (line == "  }") open.clear();
  }
  return p;
}

// The DOT name of the node whose label starts with `id`; fails when not exactly one.
std::string named(const ParsedDot& p, const std::string& id) {
  std::vector<std::string> found;
  for (const auto& [name, label] : p.labels)
    if (label.rfind(id + "\\n", 0) == 0) found.push_back(name);
  EXPECT_EQ(found.size(), 1u) << "nodes labelled " << id;
  return found.empty() ? "" : found[0];
}

const Edge* edge_between(const ParsedDot& p, const std::string& from, const std::string& to, const std::string& label) {
  for (const auto& e : p.edges)
    if (e.from == from && e.to == to && e.label == label) return &e;
  return nullptr;
}

TEST(Dot, FusedGroupIsAClusterOfItsMembersWithTheRealEdges) {
  auto graph = testing::load_graph_text(kDotGraph, {}, {}, true);
  const std::string dot = graph->to_dot();
  const ParsedDot p = parse_dot(dot);
  // Every node once; every edge between declared nodes.
  EXPECT_EQ(std::set<std::string>(p.names.begin(), p.names.end()).size(), p.names.size()) << dot;
  for (const auto& e : p.edges) {
    EXPECT_TRUE(p.labels.count(e.from)) << e.from << "\n" << dot;
    EXPECT_TRUE(p.labels.count(e.to)) << e.to << "\n" << dot;
  }
  // One cluster holding exactly d, e, f; no node for the group beside it.
  ASSERT_EQ(p.clusters.size(), 1u) << dot;
  const std::string d = named(p, "d"), e = named(p, "e"), f = named(p, "f"), osc = named(p, "osc"),
                    x0 = named(p, "x0");
  EXPECT_EQ(p.clusters.begin()->second, (std::set<std::string>{d, e, f})) << dot;
  EXPECT_NE(dot.find("label=\"f (fused)\""), std::string::npos) << dot;
  // The real edges: into the member that reads each value, with the ports named.
  EXPECT_TRUE(edge_between(p, osc, d, "v -> a")) << dot;
  EXPECT_TRUE(edge_between(p, osc, d, "x -> b")) << dot;
  EXPECT_TRUE(edge_between(p, d, e, "")) << dot;   // exp has one input: nothing to name
  EXPECT_TRUE(edge_between(p, e, f, "a")) << dot;
  EXPECT_TRUE(edge_between(p, x0, f, "b")) << dot;
  EXPECT_TRUE(edge_between(p, x0, osc, "x")) << dot;
  // Each node with its op and output shape(s).
  EXPECT_EQ(p.labels.at(osc), "osc\\node\\nx (8,), v (8,)");
  EXPECT_EQ(p.labels.at(d), "d\\nsub\\n(8,)");
  EXPECT_EQ(p.labels.at(f), "f\\nmul\\n(8,)");
  EXPECT_EQ(p.labels.at(x0), "x0\\nlinspace\\n(8,)");
  // The graph outputs, the ode's named by its port.
  bool out_x = false;
  for (const auto& edge : p.edges) out_x = out_x || (edge.from == osc && edge.label == "x" && p.labels.at(edge.to) == "osc_x");
  EXPECT_TRUE(out_x) << dot;
}

TEST(Dot, UnfusedGraphHasNoCluster) {
  auto graph = testing::load_graph_text(kDotGraph, {}, {}, false);
  const ParsedDot p = parse_dot(graph->to_dot());
  EXPECT_TRUE(p.clusters.empty());
  EXPECT_EQ(p.names.size(), 8u);  // 6 nodes, 2 outputs
  EXPECT_TRUE(edge_between(p, named(p, "d"), named(p, "e"), ""));
}

// Graphviz accepts the text (skipped where it is not installed).
TEST(Dot, GraphvizDrawsIt) {
  if (std::system("command -v dot > /dev/null 2>&1") != 0) GTEST_SKIP() << "Graphviz's dot is not installed";
  testing::TempDir dir;
  const std::string path = dir.path() + "/g.dot", svg = dir.path() + "/g.svg";
  std::ofstream(path) << testing::load_graph_text(kDotGraph, {}, {}, true)->to_dot();
  ASSERT_EQ(std::system(("dot -Tsvg '" + path + "' -o '" + svg + "'").c_str()), 0);
  const std::string text = testing::read_text(svg);
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("cluster_"), std::string::npos);
}

// `dot --input`: the shape of a graph input comes from the file, as for explain.
TEST(Dot, InputGivesTheShapes) {
  testing::TempDir dir;
  const std::string g = dir.path() + "/in.yaml", csv = dir.path() + "/x.csv";
  std::ofstream(g) << "format: 1\ngraph: in\ninputs:\n  x: {shape: [-1]}\nnodes:\n"
                      "  - {id: y, op: neg, in: [x]}\noutputs: [y]\n";
  std::ofstream(csv) << "1\n2\n3\n";
  testing::CommandResult r = testing::run_graphrun({"dot", g, "--input", "x=" + csv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const ParsedDot p = parse_dot(r.out);
  EXPECT_EQ(p.labels.at(named(p, "x")), "x\\ninput\\n(3,)") << r.out;
  EXPECT_EQ(p.labels.at(named(p, "y")), "y\\nneg\\n(3,)") << r.out;
}

}  // namespace
}  // namespace graphrun
