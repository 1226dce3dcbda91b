// The compiled form of a Program: register bytecode over tile-sized registers.
#pragma once

#include "expr/expr.h"

#include <string>
#include <vector>

namespace graphrun::expr {

/// Where an instruction reads an operand from.
struct Operand {
  enum class Kind : uint8_t { kVar, kConst, kValue };
  Kind kind = Kind::kConst;
  int index = 0;  // variable number, constant number, or the instruction that computes it
};

/// One instruction: value = op(a, b, c) (b and c used only as the op's arity says), kept
/// in register `reg`.
struct Instruction {
  OpCode op;
  Operand a, b, c;
  int reg = 0;
};

/// Elements per register tile: 2 KiB, so the registers of a program stay in L1.
template <typename T> inline constexpr int64_t kTileSize = 2048 / sizeof(T);

/// The bytecode of a compiled Program. Values are numbered by the instruction computing
/// them; registers are reused once a value is dead, except those of program outputs.
class ProgramImpl final : public Program {
 public:
  /// Takes the bytecode Program::compile produced (registers already assigned).
  ProgramImpl(int num_vars, std::vector<double> constants, std::vector<Instruction> code,
              std::vector<Operand> outputs, int num_registers);

  int num_vars() const override { return num_vars_; }
  int num_outputs() const override { return static_cast<int>(outputs_.size()); }
  void eval(int64_t n, const float* const* vars, const int32_t* is_scalar,
            float* const* outs) const override;
  void eval(int64_t n, const double* const* vars, const int32_t* is_scalar,
            double* const* outs) const override;

  const std::vector<double>& constants() const { return constants_; }
  const std::vector<Instruction>& code() const { return code_; }
  const std::vector<Operand>& outputs() const { return outputs_; }
  int num_registers() const { return num_registers_; }

  /// One line per instruction, e.g. "r1 = mul(c0, r0)", then the outputs; for tests.
  std::string disassemble() const;

 private:
  template <typename T>
  void eval_impl(int64_t n, const T* const* vars, const int32_t* is_scalar, T* const* outs) const;

  int num_vars_;
  std::vector<double> constants_;
  std::vector<Instruction> code_;
  std::vector<Operand> outputs_;
  int num_registers_;
};

}  // namespace graphrun::expr
