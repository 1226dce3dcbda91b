#include "ir/graph.h"

#include "ir/fused_group.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include <algorithm>
#include <limits>
#include <queue>
#include <set>
#include <sstream>

namespace graphrun {

int AttrSet::index(std::string_view name) const {
  for (size_t i = 0; i < names.size(); ++i)
    if (name == names[i]) return static_cast<int>(i);
  return -1;
}

int Node::output_index(const std::string& port) const {
  for (size_t i = 0; i < output_names.size(); ++i)
    if (output_names[i] == port) return static_cast<int>(i);
  return -1;
}

uint64_t tensor_bytes(const Shape& shape, gr_dtype dtype) {
  long double n = dtype == GR_F64 ? 8 : 4;
  for (auto d : shape) n *= static_cast<long double>(d);
  return n > static_cast<long double>(std::numeric_limits<uint64_t>::max())
             ? std::numeric_limits<uint64_t>::max()
             : static_cast<uint64_t>(n);
}

std::string shape_str(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

namespace {

using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

// The live nodes as a Boost graph; vertex i is live node live[i].
BoostGraph to_boost(const Graph& g, std::vector<int>& live, std::vector<int>& vertex_of) {
  vertex_of.assign(g.nodes.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!g.nodes[i].removed) {
      vertex_of[i] = static_cast<int>(live.size());
      live.push_back(static_cast<int>(i));
    }
  BoostGraph bg(live.size());
  std::set<std::pair<int, int>> edges;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].removed) continue;
    for (const auto& in : g.nodes[i].inputs)
      if (in.node >= 0 && vertex_of[in.node] >= 0 && edges.insert({in.node, static_cast<int>(i)}).second)
        boost::add_edge(vertex_of[in.node], vertex_of[i], bg);
  }
  return bg;
}

// The node ids on one cycle, "a -> b -> a", found through strongly connected components.
std::string describe_cycle(const Graph& g, const BoostGraph& bg, const std::vector<int>& live) {
  std::vector<int> component(boost::num_vertices(bg));
  boost::strong_components(bg, boost::make_iterator_property_map(
                                   component.begin(), boost::get(boost::vertex_index, bg)));
  std::map<int, std::vector<int>> members;
  for (size_t v = 0; v < component.size(); ++v) members[component[v]].push_back(static_cast<int>(v));
  for (const auto& [c, vs] : members) {
    int start = vs.front();
    bool self_loop = boost::edge(start, start, bg).second;
    if (vs.size() < 2 && !self_loop) continue;
    // Shortest path start -> ... -> start inside the component (BFS).
    std::vector<int> parent(component.size(), -1);
    std::queue<int> q;
    int last = -1;
    for (auto e : boost::make_iterator_range(boost::out_edges(start, bg))) {
      int t = static_cast<int>(boost::target(e, bg));
      if (component[t] != c) continue;
      if (t == start) { last = start; break; }
      if (parent[t] < 0) parent[t] = start, q.push(t);
    }
    while (last < 0 && !q.empty()) {
      int v = q.front();
      q.pop();
      for (auto e : boost::make_iterator_range(boost::out_edges(v, bg))) {
        int t = static_cast<int>(boost::target(e, bg));
        if (component[t] != c) continue;
        if (t == start) { last = v; break; }
        if (parent[t] < 0) parent[t] = v, q.push(t);
      }
    }
    std::vector<int> path = {start};
    for (int v = last; v != start && v >= 0; v = parent[v]) path.push_back(v);
    std::reverse(path.begin() + 1, path.end());
    std::string s;
    for (int v : path) s += g.nodes[live[v]].id + " -> ";
    return s + g.nodes[live[start]].id;
  }
  return "?";
}

}  // namespace

std::vector<int> Graph::topo_order() const {
  std::vector<int> live, vertex_of;
  BoostGraph bg = to_boost(*this, live, vertex_of);
  // Kahn's algorithm over the Boost graph, taking ready nodes in file order so plans read
  // like the file; a node left over lies on or after a cycle.
  std::vector<size_t> pending(boost::num_vertices(bg));
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (size_t v = 0; v < pending.size(); ++v)
    if ((pending[v] = boost::in_degree(v, bg)) == 0) ready.push(static_cast<int>(v));
  std::vector<int> order;
  while (!ready.empty()) {
    int v = ready.top();
    ready.pop();
    order.push_back(live[v]);
    for (auto e : boost::make_iterator_range(boost::out_edges(v, bg)))
      if (--pending[boost::target(e, bg)] == 0) ready.push(static_cast<int>(boost::target(e, bg)));
  }
  if (order.size() < live.size()) {
    std::string cycle = describe_cycle(*this, bg, live);
    std::string first_id = cycle.substr(0, cycle.find(" ->"));
    for (int i : live)
      if (nodes[i].id == first_id) throw GraphError(nodes[i].loc, "cycle: " + cycle);
    throw GraphError(nodes[live[0]].loc, "cycle: " + cycle);
  }
  return order;
}

std::vector<std::vector<int>> Graph::consumers() const {
  std::vector<std::vector<int>> out(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].removed) continue;
    for (const auto& in : nodes[i].inputs)
      if (in.node >= 0 && (out[in.node].empty() || out[in.node].back() != static_cast<int>(i)))
        out[in.node].push_back(static_cast<int>(i));
  }
  for (auto& c : out) {
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
  }
  return out;
}

}  // namespace graphrun
