// The table of the language's built-in functions and operators: name, arity, opcode.
#pragma once

#include "expr/expr.h"

#include <optional>
#include <string_view>

namespace graphrun::expr {

/// One callable function of the language, e.g. exp (1 argument) or pow (2 arguments).
struct FunctionInfo {
  std::string_view name;
  int arity;
  OpCode op;
};

/// The function called `name`, if there is one.
std::optional<FunctionInfo> find_function(std::string_view name);

/// Number of arguments an opcode takes (0 for kConst and kVar).
int arity(OpCode op);

/// Name of an opcode as a function ("exp", "maximum") or operator ("+", "^").
std::string_view op_name(OpCode op);

/// True for the infix operators + - * / ^.
bool is_infix(OpCode op);

}  // namespace graphrun::expr
