#include "ir/node_call.h"

#include "expr/expr.h"
#include "ir/fused_group.h"

#include <map>
#include <vector>

namespace graphrun {

gr_tensor tensor_header(const Shape& shape, gr_dtype dtype) {
  gr_tensor t{};
  t.struct_size = sizeof t;
  t.memory = GR_MEMORY_HOST;
  t.dtype = dtype;
  t.rank = static_cast<int32_t>(shape.size());
  for (size_t i = 0; i < shape.size() && i < GR_MAX_RANK; ++i) t.shape[i] = shape[i];
  return t;
}

NodeCall::NodeCall(const Graph& graph, const Node& node) {
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    input_names_.push_back(node.input_ports[i].c_str());
    const ValueRef& r = node.inputs[i];
    const Node& producer = graph.nodes[r.node];
    Shape shape = r.port >= 0 && r.port < static_cast<int>(producer.output_shapes.size())
                      ? producer.output_shapes[r.port]
                      : Shape{};
    inputs_.push_back(tensor_header(shape, graph.dtype));
  }
  for (const auto& t : inputs_) input_ptrs_.push_back(&t);
  node_.struct_size = sizeof node_;
  node_.id = node.id.c_str();
  node_.dtype = graph.dtype;
  node_.num_inputs = static_cast<int32_t>(inputs_.size());
  node_.input_names = input_names_.data();
  node_.inputs = input_ptrs_.data();
  if (node.attrs) {
    node_.num_attrs = static_cast<int32_t>(node.attrs->values.size());
    node_.attr_names = node.attrs->names.data();
    node_.attrs = node.attrs->values.data();
  }
  const ParamTable& params = graph.params_of(node);
  node_.num_params = static_cast<int32_t>(params.names.size());
  for (const auto& name : params.names) param_names_.push_back(name.c_str());
  node_.param_names = param_names_.data();
  node_.param_values = params.values.data();
  node_.host = &host_services();
  if (node.epilogue) {
    epilogue_ = std::make_unique<gr_program>(gr_program{node.epilogue->program});
    node_.epilogue = epilogue_.get();
  }
}

std::string plugin_fault(const Node& node, const std::string& what) {
  return node.loc.str() + ": node '" + node.id + "' (" + node.op->blame() + "): " + what;
}

expr::AstPtr elementwise_formula(const Graph& graph, const Node& node) {
  NodeCall call(graph, node);
  std::vector<char> text(8192);
  gr_status status{};
  int formula_attr = -1;
  for (int i = 0; i < node.op->desc.num_attrs; ++i)
    if (node.op->desc.attrs[i]->type == GR_ATTR_FORMULA) formula_attr = i;
  auto loc_of_attr = [&](int i) { return i >= 0 ? node.attrs->locs[i] : node.op_loc; };
  auto write_formula = [&] {
    status = gr_status{};
    return node.op->desc.expression(node.op->desc.user, &call.node(), text.data(), text.size(), &status);
  };
  int rc = write_formula();
  // A long formula (a user's expr of many terms) says how much room it needs: ask once more.
  if (rc == GR_RUNTIME_ERROR && status.offset > 0 && static_cast<size_t>(status.offset) > text.size()) {
    text.resize(static_cast<size_t>(status.offset));
    rc = write_formula();
  }
  const char* buffer = text.data();
  if (rc != GR_OK) {
    if (rc != GR_USER_ERROR) throw RunError(plugin_fault(node, "its formula function failed: " + std::string(status.message)));
    int i = status.attr[0] ? node.attrs->index(status.attr) : formula_attr;
    throw GraphError(loc_of_attr(i), "node '" + node.id + "': " + status.message);
  }
  std::map<std::string, double> params;
  const ParamTable& table = graph.params_of(node);
  for (size_t i = 0; i < table.names.size(); ++i) params[table.names[i]] = table.values[i];
  for (size_t i = 0; i < node.attrs->values.size(); ++i) {
    const gr_value& v = node.attrs->values[i];
    if (v.kind == GR_VALUE_FLOAT || v.kind == GR_VALUE_INT) params[node.attrs->names[i]] = v.f;
  }
  for (const auto& port : node.input_ports) params.erase(port);
  try {
    return expr::parse(buffer, node.input_ports, params);
  } catch (const expr::ExprError& e) {
    // A formula the user wrote points at its column; one the plugin wrote is the plugin's bug.
    if (formula_attr < 0)
      throw RunError(plugin_fault(node, "the op's own formula \"" + std::string(buffer) + "\" is invalid: " + e.what()));
    SourceLoc loc = loc_of_attr(formula_attr);
    if (formula_attr >= 0) loc.col += e.offset() + (node.attrs->quoted[formula_attr] ? 1 : 0);
    throw GraphError(loc, "node '" + node.id + "': " + e.what());
  }
}

}  // namespace graphrun
