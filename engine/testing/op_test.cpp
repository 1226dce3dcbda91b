#include "graph_runner.h"
#include "host_session.h"

#include "driver/session.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

namespace graphrun::testing {
namespace {

// A name as a YAML key or reference: plain when it is an identifier, quoted otherwise.
std::string yaml_name(const std::string& name) {
  bool plain = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return plain ? name : yaml_quote(name);
}

std::string trimmed(const std::string& text) {
  const char* space = " \t\r\n";
  size_t begin = text.find_first_not_of(space);
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

// Every line after the first indented by `indent`, so that text spanning lines stays inside
// the node it is written in.
std::string indent_continuations(const std::string& text, const std::string& indent) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}

std::string number_text(double value) {
  char buffer[64];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  return std::string(buffer, end);
}

}  // namespace

OpTest::OpTest(std::string op) : op_(std::move(op)) {}

OpTest& OpTest::dtype(std::string dtype) {
  dtype_ = std::move(dtype);
  return *this;
}

OpTest& OpTest::input(std::string port, Array value) {
  inputs_.emplace_back(std::move(port), std::move(value));
  return *this;
}

OpTest& OpTest::attrs(std::string yaml_map) {
  attrs_ = std::move(yaml_map);
  return *this;
}

OpTest& OpTest::attr(std::string name, std::string yaml_value) {
  attr_lines_.emplace_back(std::move(name), std::move(yaml_value));
  return *this;
}

OpTest& OpTest::param(std::string name, double value) {
  params_.emplace_back(std::move(name), value);
  return *this;
}

std::string OpTest::graph_text() const {
  // The node's id is the op's name, unless a port (a graph input's id) already has it.
  std::string id = op_;
  if (std::any_of(inputs_.begin(), inputs_.end(), [&](const auto& in) { return in.first == id; })) id += "_node";
  std::ostringstream g;
  g << "format: 1\ngraph: op_test\ndtype: " << dtype_ << "\n";
  if (!params_.empty()) {
    g << "params:\n";
    for (const auto& [name, value] : params_) g << "  " << yaml_name(name) << ": " << number_text(value) << "\n";
  }
  if (!inputs_.empty()) {
    g << "inputs:\n";
    for (const auto& [port, array] : inputs_) {
      g << "  " << yaml_name(port) << ": {shape: [";
      for (size_t k = 0; k < array.shape.size(); ++k) g << (k ? ", " : "") << array.shape[k];
      g << "]}\n";
    }
  }
  std::string in;
  if (!inputs_.empty()) {
    in = "in: {";
    for (size_t k = 0; k < inputs_.size(); ++k)
      in += (k ? ", " : "") + yaml_name(inputs_[k].first) + ": " + yaml_name(inputs_[k].first);
    in += "}";
  }
  g << "nodes:\n";
  const std::string attrs = trimmed(attrs_);
  if (attrs.size() >= 2 && attrs.front() == '{' && attrs.back() == '}') {
    // A flow map of attributes: the node is a flow map too, the given text kept as written.
    g << "  - {id: " << yaml_name(id) << ", op: " << yaml_name(op_) << (in.empty() ? "" : ", " + in);
    const std::string inner = trimmed(attrs.substr(1, attrs.size() - 2));
    if (!inner.empty()) g << ",\n    " << indent_continuations(inner, "    ");
    for (const auto& [name, value] : attr_lines_) g << ",\n    " << yaml_name(name) << ": " << value;
    g << "}\n";
  } else {
    g << "  - id: " << yaml_name(id) << "\n    op: " << yaml_name(op_) << "\n";
    if (!in.empty()) g << "    " << in << "\n";
    if (!attrs.empty()) g << "    " << indent_continuations(attrs, "    ") << "\n";
    for (const auto& [name, value] : attr_lines_) g << "    " << yaml_name(name) << ": " << value << "\n";
  }
  g << "outputs: [" << yaml_name(id) << "]\n";
  return g.str();
}

namespace {

// The node under test: the one that is not a graph input.
Node& tested_node(Graph& graph, int* index) {
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (graph.nodes[i].kind == NodeKind::kOp) {
      *index = static_cast<int>(i);
      return graph.nodes[i];
    }
  throw Failure(2, "graphrun: the test graph has no op node");
}

}  // namespace

std::vector<OutputInfo> OpTest::infer() const {
  ensure_host();
  GraphTextFile file(graph_text());
  try {
    Graph graph = load_graph(file.path(), {});
    int index = -1;
    const Node& node = tested_node(graph, &index);
    std::vector<OutputInfo> out;
    for (size_t k = 0; k < node.output_names.size(); ++k) out.push_back({node.output_names[k], node.output_shapes[k]});
    return out;
  } catch (...) {
    throw current_failure(&file);
  }
}

std::map<std::string, Array> OpTest::run(const RunOptions& options) const {
  ensure_host();
  GraphTextFile file(graph_text());
  try {
    Graph graph = load_graph(file.path(), {});
    // Every output of the node is a graph output, named after its port.
    int index = -1;
    const Node& node = tested_node(graph, &index);
    const SourceLoc loc = graph.output_locs.empty() ? node.loc : graph.output_locs.front();
    graph.outputs.clear();
    graph.output_ref_ports.clear();
    graph.output_locs.clear();
    for (size_t k = 0; k < node.output_names.size(); ++k) {
      graph.outputs.push_back({node.output_names[k], ValueRef{index, static_cast<int>(k)}});
      graph.output_ref_ports.push_back(node.output_names[k]);
      graph.output_locs.push_back(loc);
    }
    std::map<std::string, Array> inputs(inputs_.begin(), inputs_.end());
    return execute(graph, inputs, options);
  } catch (...) {
    throw current_failure(&file);
  }
}

}  // namespace graphrun::testing
