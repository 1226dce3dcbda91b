// Text views of graphs and ops: `graphrun explain`, `graphrun ops`, `graphrun schema`.
#pragma once

#include "ir/graph.h"

#include <string>
#include <vector>

namespace graphrun {

/// The plan after the passes: order, ops, inputs, output shapes, fusion groups with the
/// bytes they save, and the memory a sequential run holds at its peak.
std::string explain_text(const Graph& graph);

/// Every registered op (or only `op`): ports, attributes with type/default/doc, the doc
/// line, the formula of elementwise ops, and the plugin. Throws UsageError for an unknown op.
std::string ops_text(const Registry& registry, const std::string& op);

/// Every op built into graphrun (the plugins of the built-in folder, not --plugin ones) as a
/// Markdown reference: one section per op with its doc, ports and attributes. docs/ops.md is
/// this text (a test keeps it current).
std::string ops_markdown(const Registry& registry);

/// An attribute type as `ops` names it ("float", "int list", ...).
const char* attr_type_name(int type);

/// A default value as `ops` prints it ("" for none).
std::string value_text(const gr_value& v);

/// JSON Schema (draft 2020-12) of graph files, with one node variant per registered op.
std::string schema_json(const Registry& registry);

}  // namespace graphrun
