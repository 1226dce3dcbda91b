// The elementwise family: every op is a formula of the expression language, evaluated (and
// fused) by the engine; the plugin only declares ports, attributes, docs and formulas.
#pragma once

#include <graphrun/plugin.hpp>

#include <span>
#include <vector>

namespace graphrun::elementwise {

/// One elementwise op of the table: its name, formula over its ports, and doc.
struct ElementwiseOp {
  const char* name;
  const char* formula;
  const char* doc;
};

/// Ops of one input port x.
std::span<const ElementwiseOp> unary_ops();

/// Ops of two input ports a and b, broadcast against each other.
std::span<const ElementwiseOp> binary_ops();

/// Every op of the family, ready to register.
std::vector<plugin::OpDef> elementwise_op_defs();

}  // namespace graphrun::elementwise
