#include "driver/describe.h"

#include "driver/report.h"
#include "ir/fused_group.h"
#include "scheduler/memory_budget.h"
#include "text/did_you_mean.h"

#include <fmt/format.h>

#include <sstream>

namespace graphrun {
namespace {

std::string shape_or_unknown(const Node& n, size_t k) {
  return k < n.output_shapes.size() ? shape_str(n.output_shapes[k]) : "?";
}

}  // namespace

std::string explain_text(const Graph& g) {
  std::ostringstream os;
  os << "graph " << g.name << " (" << (g.dtype == GR_F64 ? "f64" : "f32") << ")";
  if (!g.doc.empty()) os << ": " << g.doc;
  os << "\n";
  std::vector<int> order = g.topo_order();
  os << "order:\n";
  int step = 0;
  for (int i : order) {
    const Node& n = g.nodes[i];
    std::string what = n.kind == NodeKind::kInput ? "input"
                       : n.kind == NodeKind::kFused ? "fused"
                                                    : std::string(n.op->desc.name) + (n.epilogue ? "+epilogue" : "");
    std::string ins;
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const Node& p = g.nodes[n.inputs[k].node];
      std::string ref = p.id;
      if (n.inputs[k].port > 0) ref += ":" + p.output_names[n.inputs[k].port];
      ins += (k ? ", " : "") + n.input_ports[k] + "=" + ref;
    }
    std::string outs;
    for (size_t k = 0; k < std::max<size_t>(n.output_names.size(), 1); ++k)
      outs += (k ? ", " : "") + (k < n.output_names.size() ? n.output_names[k] : "out") + " " + shape_or_unknown(n, k);
    os << fmt::format("  {:>3}. {:<16} {:<14} {}{}-> {}\n", ++step, n.id, what, ins, ins.empty() ? "" : " ", outs);
  }
  os << "fusion groups:";
  bool any = false;
  for (int i : order) {
    const Node& n = g.nodes[i];
    if (n.epilogue) {
      any = true;
      std::string members;
      for (size_t m = 0; m < n.epilogue->member_ids.size(); ++m)
        members += (m ? ", " : "") + n.epilogue->member_ids[m] + " (" + n.epilogue->member_ops[m] + ")";
      os << "\n  " << n.id << " (" << n.op->desc.name << ") + epilogue " << members << "; saves "
         << human_bytes(n.epilogue->bytes_saved) << " of memory traffic\n    out = "
         << expr::to_string(n.epilogue->formulas[0]) << "  (in0 = the op's own value)";
    }
    if (n.kind != NodeKind::kFused) continue;
    any = true;
    std::string members;
    for (size_t m = 0; m < n.fused->member_ids.size(); ++m)
      members += (m ? ", " : "") + n.fused->member_ids[m] + " (" + n.fused->member_ops[m] + ")";
    os << "\n  " << n.id << ": " << members << "; saves " << human_bytes(n.fused->bytes_saved) << " of memory traffic";
    for (size_t k = 0; k < n.fused->formulas.size(); ++k)
      os << "\n    " << n.output_names[k] << " = " << expr::to_string(n.fused->formulas[k]);
  }
  os << (any ? "\n" : " none\n");
  os << g.sharding_text;
  MemoryPlan memory = plan_memory(g);
  if (memory.known) {
    os << "memory: peak " << human_bytes(memory.peak) << " held by a sequential run (inputs excluded), outputs "
       << human_bytes(memory.outputs) << "\n";
    if (std::optional<uint64_t> available = available_memory(); available && memory.peak > *available)
      os << "  more than the " << human_bytes(*available) << " available now: `run` refuses it without --max-memory\n";
  }
  else
    os << "memory: unknown until the inputs' sizes are known (pass --input)\n";
  os << "outputs:";
  for (const auto& [name, r] : g.outputs) {
    const Node& n = g.nodes[r.node];
    os << "\n  " << name << " <- " << n.id << ":" << (r.port >= 0 && r.port < static_cast<int>(n.output_names.size()) ? n.output_names[r.port] : "?")
       << " " << (r.port >= 0 ? shape_or_unknown(n, r.port) : "?");
  }
  os << "\n";
  return os.str();
}

const char* attr_type_name(int type) {
  switch (type) {
    case GR_ATTR_FLOAT: return "float";
    case GR_ATTR_INT: return "int";
    case GR_ATTR_BOOL: return "bool";
    case GR_ATTR_STRING: return "string";
    case GR_ATTR_INT_LIST: return "int list";
    case GR_ATTR_TENSOR: return "number or nested list";
    case GR_ATTR_STRING_LIST: return "string list";
    case GR_ATTR_STRING_MAP: return "map name -> formula";
    case GR_ATTR_FORMULA: return "formula";
    case GR_ATTR_INT_OR_STRING: return "int or string";
  }
  return "?";
}

std::string value_text(const gr_value& v) {
  switch (v.kind) {
    case GR_VALUE_BOOL: return v.i ? "true" : "false";
    case GR_VALUE_INT: return std::to_string(v.i);
    case GR_VALUE_FLOAT: return fmt::format("{}", v.f);
    case GR_VALUE_STRING: return v.s;
    default: return "";
  }
}

namespace {
// Where an op can run in this build: "cpu, cuda", or "cpu" ("inlined": an op without
// kernels, whose nodes join the graph). Elementwise ops run as generated kernels on both
// sides (the CUDA ones exist in a build with CUDA).
std::string devices_text(const OpInfo& op) {
  const bool cpu = op.desc.cpu_kernel || op.elementwise();
  const bool cuda = op.desc.cuda_kernel || (op.elementwise() && GRAPHRUN_CUDA_BUILT);
  if (!cpu && !cuda) return "inlined";  // subgraph: its nodes join the graph when it loads
  std::string text = cpu ? "cpu" : "";
  if (cuda) text += text.empty() ? "cuda" : ", cuda";
  return text;
}
}  // namespace

std::string ops_text(const Registry& registry, const std::string& only) {
  std::ostringstream os;
  std::vector<std::string> names = registry.names();
  if (!only.empty()) {
    if (!registry.find(only)) throw UsageError("unknown op '" + only + "'" + text::did_you_mean(only, names));
    names = {only};
  }
  for (const auto& name : names) {
    const OpInfo& op = *registry.find(name);
    const gr_op_desc& d = op.desc;
    if (only.empty()) {
      os << fmt::format("{:<16} {:<10} {}\n", name, devices_text(op), d.doc ? d.doc : "");
      continue;
    }
    os << name << ": " << (d.doc ? d.doc : "") << "\n";
    os << "  plugin: " << op.plugin;
    if (op.desc.api_version)
      os << " (built for plugin API " << GR_API_MAJOR_OF(op.api_version) << "." << GR_API_MINOR_OF(op.api_version) << ")";
    os << "\n";
    if (d.version) os << "  version: " << d.version << "\n";
    os << "  inputs:" << (op.variadic_inputs() ? " (any port names, or a list)" : "") << "\n";
    for (int i = 0; i < d.num_inputs; ++i)
      os << fmt::format("    {:<12} {}{}\n", d.inputs[i]->name, d.inputs[i]->optional ? "(optional) " : "",
                        d.inputs[i]->doc ? d.inputs[i]->doc : "");
    os << "  outputs:" << ((d.flags & GR_OP_DYNAMIC_OUTPUTS) ? " (named by the node's attributes)" : "") << "\n";
    for (int i = 0; i < d.num_outputs; ++i)
      os << fmt::format("    {:<12} {}\n", d.outputs[i]->name, d.outputs[i]->doc ? d.outputs[i]->doc : "");
    os << "  attributes:\n";
    for (int i = 0; i < d.num_attrs; ++i) {
      const gr_attr_desc& a = *d.attrs[i];
      std::string def = a.required ? "required" : a.default_value.kind == GR_VALUE_NONE ? "optional" : "default " + value_text(a.default_value);
      std::string choices = a.choices ? std::string(" one of ") + a.choices : "";
      os << fmt::format("    {:<12} {}{}, {}: {}\n", a.name, attr_type_name(a.type), choices, def, a.doc ? a.doc : "");
    }
    if (d.num_attrs == 0) os << "    (none)\n";
    if (op.elementwise()) os << "  elementwise: fuses with its neighbours\n";
    const std::string devices = devices_text(op);
    if (devices == "inlined") os << "  kernels: none: its nodes join the graph when it loads, each on its own device\n";
    else os << "  kernels: " << devices << (op.elementwise() ? " (generated for each fused group)" : "") << "\n";
  }
  return os.str();
}

namespace {
// Text for a Markdown table cell: no line breaks, no bare pipes.
std::string cell(const char* text) {
  std::string out;
  for (const char* c = text ? text : ""; *c; ++c) {
    if (*c == '|') out += "\\|";
    else if (*c == '\n') out += ' ';
    else out += *c;
  }
  return out;
}
}  // namespace

std::string ops_markdown(const Registry& registry) {
  std::ostringstream os;
  os << "# Operators\n\n"
     << "Every operator built into graphrun, generated by `graphrun ops --format markdown` (a test keeps this\n"
     << "file current). `graphrun ops OP` prints the same for one op, plugins' ops included. Formulas of\n"
     << "`expr` and of ODE right-hand sides: [expressions.md](expressions.md).\n\n";
  const std::vector<std::string> names = registry.names();
  os << "| op | devices | what it does |\n| --- | --- | --- |\n";
  for (const auto& name : names) {
    const char* doc = registry.find(name)->desc.doc;
    std::string first = doc ? doc : "";
    if (auto dot = first.find(". "); dot != std::string::npos) first = first.substr(0, dot + 1);
    os << "| [`" << name << "`](#" << name << ") | " << devices_text(*registry.find(name)) << " | "
       << cell(first.c_str()) << " |\n";
  }
  for (const auto& name : names) {
    const OpInfo& op = *registry.find(name);
    const gr_op_desc& d = op.desc;
    os << "\n## " << name << "\n\n" << (d.doc ? d.doc : "") << "\n\n";
    os << "Runs on: " << devices_text(op) << ".\n\n";
    if (op.elementwise()) os << "Elementwise: broadcasts its inputs as numpy does and fuses with its neighbours.\n\n";
    if (d.num_inputs > 0 || op.variadic_inputs()) {
      os << "Inputs" << (op.variadic_inputs() ? " (any port names, or a list)" : "") << ":\n\n";
      for (int i = 0; i < d.num_inputs; ++i)
        os << "- `" << d.inputs[i]->name << "`" << (d.inputs[i]->optional ? " (optional)" : "") << ": "
           << cell(d.inputs[i]->doc) << "\n";
      os << "\n";
    }
    if (d.num_outputs > 0 || (d.flags & GR_OP_DYNAMIC_OUTPUTS)) {
      os << "Outputs" << ((d.flags & GR_OP_DYNAMIC_OUTPUTS) ? " (named by the node's attributes)" : "") << ":\n\n";
      for (int i = 0; i < d.num_outputs; ++i) os << "- `" << d.outputs[i]->name << "`: " << cell(d.outputs[i]->doc) << "\n";
      os << "\n";
    }
    if (d.num_attrs > 0) {
      os << "| attribute | type | default | what it is |\n| --- | --- | --- | --- |\n";
      for (int i = 0; i < d.num_attrs; ++i) {
        const gr_attr_desc& a = *d.attrs[i];
        std::string type = attr_type_name(a.type);
        if (a.choices) type += ": " + cell(a.choices);
        const std::string def = a.required ? "required"
                                : a.default_value.kind == GR_VALUE_NONE ? "optional"
                                                                       : "`" + value_text(a.default_value) + "`";
        os << "| `" << a.name << "` | " << type << " | " << def << " | " << cell(a.doc) << " |\n";
      }
      os << "\n";
    }
  }
  return os.str();
}

namespace {
// What the loader accepts for an attribute (graph/resolve_attrs.cpp), as JSON Schema: any
// value may be a `$param` reference; numbers and integers may be arithmetic over params
// ("$t_end / $delta + 1"); strings may interpolate params ("${name}"), so a choice is
// checked only when it is written out.
std::string attr_schema(const gr_attr_desc& a) {
  const std::string desc = fmt::format("\"description\": \"{}\"", json_escape(a.doc ? a.doc : ""));
  const std::string param_ref = R"({"type": "string", "pattern": "^\\$[A-Za-z_][A-Za-z0-9_]*$"})";
  const std::string arithmetic = R"({"type": "string", "pattern": "[-+*/^()$]"})";
  const std::string interpolated = R"({"type": "string", "pattern": "\\$\\{"})";
  auto any_of = [&](const std::string& alternatives) { return "{" + desc + ", \"anyOf\": [" + alternatives + "]}"; };
  std::string choices;
  if (a.choices) {
    std::stringstream ss(a.choices);
    for (std::string c; std::getline(ss, c, '|');) choices += (choices.empty() ? "\"" : ", \"") + json_escape(c) + "\"";
  }
  switch (a.type) {
    case GR_ATTR_FLOAT: return any_of("{\"type\": \"number\"}, " + arithmetic);
    case GR_ATTR_INT: return any_of("{\"type\": \"integer\"}, " + arithmetic);
    case GR_ATTR_BOOL: return any_of("{\"type\": \"boolean\"}, " + param_ref);
    case GR_ATTR_STRING:
      if (!a.choices) return "{" + desc + ", \"type\": [\"string\", \"number\"]}";
      return any_of("{\"enum\": [" + choices + "]}, " + param_ref + ", " + interpolated);
    case GR_ATTR_INT_OR_STRING:
      if (!a.choices) return any_of("{\"type\": \"integer\"}, {\"type\": \"string\"}");
      return any_of("{\"type\": \"integer\"}, {\"enum\": [" + choices + "]}, " + param_ref);
    case GR_ATTR_INT_LIST: {
      // Every op's `shape` is the shape of a tensor it makes: at most GR_MAX_RANK axes.
      const std::string max_items =
          std::string_view(a.name) == "shape" ? ", \"maxItems\": " + std::to_string(GR_MAX_RANK) : "";
      return any_of("{\"type\": \"integer\"}, " + arithmetic + ", {\"type\": \"array\"" + max_items +
                    ", \"items\": {\"type\": [\"integer\", \"string\"]}}");
    }
    case GR_ATTR_TENSOR: return "{" + desc + ", \"type\": [\"number\", \"array\", \"string\"]}";
    case GR_ATTR_STRING_LIST: return "{" + desc + ", \"type\": [\"string\", \"array\"], \"items\": {\"type\": \"string\"}}";
    case GR_ATTR_STRING_MAP:
      return "{" + desc + ", \"type\": \"object\", \"additionalProperties\": {\"type\": [\"string\", \"number\", \"boolean\"]}}";
    case GR_ATTR_FORMULA: return "{" + desc + ", \"type\": [\"string\", \"number\"]}";
  }
  return "{}";
}
}  // namespace

std::string schema_json(const Registry& registry) {
  std::string nodes;
  for (const auto& name : registry.names()) {
    const gr_op_desc& d = registry.find(name)->desc;
    std::string props = "\"id\": {\"type\": \"string\"}, \"op\": {\"const\": \"" + json_escape(name) + "\"}, " +
                        "\"in\": {\"type\": [\"array\", \"object\", \"string\"]}";
    std::string required = "\"id\", \"op\"";
    for (int i = 0; i < d.num_attrs; ++i) {
      props += ", \"" + json_escape(d.attrs[i]->name) + "\": " + attr_schema(*d.attrs[i]);
      if (d.attrs[i]->required) required += ", \"" + json_escape(d.attrs[i]->name) + "\"";
    }
    nodes += fmt::format("{}      {{\"description\": \"{}\", \"type\": \"object\", \"properties\": {{{}}}, "
                         "\"required\": [{}], \"additionalProperties\": false}}",
                         nodes.empty() ? "" : ",\n", json_escape(d.doc ? d.doc : ""), props, required);
  }
  return "{\n"
         "  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
         "  \"title\": \"graphrun graph file (format 1)\",\n"
         "  \"type\": \"object\",\n"
         "  \"required\": [\"format\", \"graph\", \"nodes\", \"outputs\"],\n"
         "  \"additionalProperties\": false,\n"
         "  \"properties\": {\n"
         "    \"format\": {\"const\": 1},\n"
         "    \"graph\": {\"type\": \"string\"},\n"
         "    \"doc\": {\"type\": \"string\"},\n"
         "    \"dtype\": {\"enum\": [\"f32\", \"f64\", \"float32\", \"float64\"]},\n"
         "    \"params\": {\"type\": \"object\", \"additionalProperties\": {\"type\": [\"number\", \"string\", \"boolean\"]}},\n"
         "    \"inputs\": {\"type\": \"object\", \"additionalProperties\": {\"type\": \"object\", \"properties\": "
         "{\"shape\": {\"type\": \"array\", \"maxItems\": 8, \"items\": {\"type\": \"integer\", \"minimum\": -1, "
         "\"maximum\": 9223372036854775807}}, \"shard\": {\"type\": \"integer\", \"minimum\": -8, \"maximum\": 7}}, "
         "\"required\": [\"shape\"], \"additionalProperties\": false}},\n"
         "    \"plugins\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},\n"
         "    \"outputs\": {\"oneOf\": [{\"type\": \"array\", \"minItems\": 1, \"items\": {\"type\": \"string\"}}, "
         "{\"type\": \"object\", \"minProperties\": 1, \"additionalProperties\": {\"type\": \"string\"}}]},\n"
         "    \"nodes\": {\"type\": \"array\", \"items\": {\"oneOf\": [\n" +
         nodes + "\n    ]}}\n  }\n}\n";
}

}  // namespace graphrun
