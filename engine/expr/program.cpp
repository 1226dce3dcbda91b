// ProgramImpl: construction, serial evaluation tile by tile, and a readable listing.
#include "expr/functions.h"
#include "expr/program_impl.h"
#include "expr/tile_plan.h"

#include <algorithm>
#include <charconv>

namespace graphrun::expr {

ProgramImpl::ProgramImpl(int num_vars, std::vector<double> constants, std::vector<Instruction> code,
                         std::vector<Operand> outputs, int num_registers)
    : num_vars_(num_vars),
      constants_(std::move(constants)),
      code_(std::move(code)),
      outputs_(std::move(outputs)),
      num_registers_(num_registers) {}

template <typename T>
void ProgramImpl::eval_impl(int64_t n, const T* const* vars, const int32_t* is_scalar,
                            T* const* outs) const {
  if (n <= 0) return;
  // Reused per thread: many small evaluations (an ODE step) then allocate nothing.
  thread_local TilePlan<T> plan;
  thread_local std::vector<const T*> var_ptrs;
  thread_local std::vector<T*> out_ptrs;
  plan.build(*this, vars, is_scalar);

  bool outputs_direct = true;
  for (int k = 0; k < num_outputs(); ++k)
    for (int v = 0; v < num_vars_; ++v)
      if (!is_scalar[v] && overlaps<T>(outs[k], n, vars[v], n)) outputs_direct = false;

  T* scratch = thread_scratch<T>(plan.scratch_size());
  var_ptrs.assign(vars, vars + num_vars_);
  out_ptrs.resize(outputs_.size());
  for (int64_t begin = 0; begin < n; begin += kTileSize<T>) {
    for (int v = 0; v < num_vars_; ++v)
      if (!is_scalar[v] && vars[v]) var_ptrs[v] = vars[v] + begin;
    for (size_t k = 0; k < outputs_.size(); ++k) out_ptrs[k] = outs[k] + begin;
    plan.run_tile(std::min(kTileSize<T>, n - begin), var_ptrs.data(), out_ptrs.data(), scratch,
                  outputs_direct);
  }
}

void ProgramImpl::eval(int64_t n, const float* const* vars, const int32_t* is_scalar,
                       float* const* outs) const {
  eval_impl<float>(n, vars, is_scalar, outs);
}

void ProgramImpl::eval(int64_t n, const double* const* vars, const int32_t* is_scalar,
                       double* const* outs) const {
  eval_impl<double>(n, vars, is_scalar, outs);
}

namespace {

std::string mnemonic(OpCode op) {
  switch (op) {
    case OpCode::kAdd: return "add";
    case OpCode::kSub: return "sub";
    case OpCode::kMul: return "mul";
    case OpCode::kDiv: return "div";
    case OpCode::kPow: return "pow";
    case OpCode::kLess: return "lt";
    case OpCode::kLessEqual: return "le";
    case OpCode::kGreater: return "gt";
    case OpCode::kGreaterEqual: return "ge";
    case OpCode::kEqual: return "eq";
    case OpCode::kNotEqual: return "ne";
    default: return std::string(op_name(op));
  }
}

}  // namespace

std::string ProgramImpl::disassemble() const {
  auto operand_text = [&](const Operand& o) {
    switch (o.kind) {
      case Operand::Kind::kVar: return "x" + std::to_string(o.index);
      case Operand::Kind::kConst: {
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, constants_[o.index]);
        return std::string(buf, end);
      }
      case Operand::Kind::kValue: break;
    }
    return "r" + std::to_string(code_[o.index].reg);
  };
  std::string out;
  for (const Instruction& instruction : code_) {
    out += "r" + std::to_string(instruction.reg) + " = " + mnemonic(instruction.op) +
           "(" + operand_text(instruction.a);
    if (arity(instruction.op) >= 2) out += ", " + operand_text(instruction.b);
    if (arity(instruction.op) == 3) out += ", " + operand_text(instruction.c);
    out += ")\n";
  }
  for (size_t k = 0; k < outputs_.size(); ++k)
    out += "out" + std::to_string(k) + " = " + operand_text(outputs_[k]) + "\n";
  return out;
}

}  // namespace graphrun::expr
