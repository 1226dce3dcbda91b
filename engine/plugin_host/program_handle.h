// The object behind the C API's opaque gr_program*: a compiled expression program.
#pragma once

#include "expr/expr.h"

#include <memory>

struct gr_program {
  std::shared_ptr<const graphrun::expr::Program> program;
};
