// The table of the language's built-in functions, constants and operators.
#pragma once

#include "expr/expr.h"

#include <optional>
#include <string_view>

namespace graphrun::expr {

/// One callable function of the language, e.g. exp (1 argument) or atan2 (2 arguments).
/// clip has no opcode of its own: the parser writes it as minimum(maximum(x, lo), hi).
struct FunctionInfo {
  std::string_view name;
  int arity;
  OpCode op;
  bool is_clip = false;
};

/// The function called `name`, if there is one.
std::optional<FunctionInfo> find_function(std::string_view name);

/// A built-in constant of the language: pi, e, inf, nan.
struct ConstantInfo {
  std::string_view name;
  double value;
};

/// The constant called `name`, if there is one.
std::optional<ConstantInfo> find_constant(std::string_view name);

/// Number of arguments an opcode takes (0 for kConst and kVar).
int arity(OpCode op);

/// Name of an opcode as a function ("exp", "maximum") or operator ("+", "^", "<=").
std::string_view op_name(OpCode op);

/// True for the infix operators + - * / ^ and the comparisons.
bool is_infix(OpCode op);

/// True for the comparisons < <= > >= == !=.
bool is_comparison(OpCode op);

}  // namespace graphrun::expr
