#include "expr/tile_plan.h"
#include "expr/functions.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <new>

namespace graphrun::expr {

template <typename T>
void TilePlan<T>::build(const ProgramImpl& program, const T* const* vars, const int32_t* is_scalar) {
  const auto& code = program.code();
  constants_.assign(program.constants().begin(), program.constants().end());
  uniform_values_.assign(code.size(), T(0));  // sized first: steps keep pointers into it
  value_sources_.assign(code.size(), Source{});
  steps_.clear();
  outputs_.clear();
  num_registers_ = program.num_registers();
  register_owner_.assign(num_registers_, -1);

  auto source_of = [&](const Operand& o) -> Source {
    switch (o.kind) {
      case Operand::Kind::kConst:
        return {Source::Kind::kScalar, o.index, &constants_[o.index]};
      case Operand::Kind::kVar:
        if (is_scalar[o.index]) return {Source::Kind::kScalar, o.index, vars[o.index]};
        return {Source::Kind::kVar, o.index, nullptr};
      case Operand::Kind::kValue:
        break;
    }
    return value_sources_[o.index];
  };

  for (size_t i = 0; i < code.size(); ++i) {
    const Instruction& instruction = code[i];
    const int operands = arity(instruction.op);
    const Source a = source_of(instruction.a);
    const Source b = operands >= 2 ? source_of(instruction.b) : Source{};
    const Source c = operands == 3 ? source_of(instruction.c) : Source{};
    ScalarMask scalars = 0;
    for (int k = 0; k < operands; ++k)
      if ((k == 0 ? a : k == 1 ? b : c).kind == Source::Kind::kScalar) scalars |= 1u << k;
    if (scalars == (1u << operands) - 1) {
      // Same for every element: computed once here, never per tile.
      kernel_for<T>(instruction.op, 0)(1, a.scalar, b.scalar, c.scalar, &uniform_values_[i]);
      value_sources_[i] = {Source::Kind::kScalar, 0, &uniform_values_[i]};
      continue;
    }
    steps_.push_back({kernel_for<T>(instruction.op, scalars), a, b, c, instruction.reg});
    value_sources_[i] = {Source::Kind::kRegister, instruction.reg, nullptr};
  }

  for (const Operand& o : program.outputs()) {
    const Source s = source_of(o);
    const int k = static_cast<int>(outputs_.size());
    switch (s.kind) {
      case Source::Kind::kScalar:
        outputs_.push_back({OutputAction::Kind::kFill, 0, s.scalar});
        break;
      case Source::Kind::kVar:
        outputs_.push_back({OutputAction::Kind::kCopyVar, s.index, nullptr});
        break;
      case Source::Kind::kRegister:
        if (register_owner_[s.index] < 0) {
          register_owner_[s.index] = k;
          outputs_.push_back({OutputAction::Kind::kOwnRegister, s.index, nullptr});
        } else {
          outputs_.push_back({OutputAction::Kind::kCopyRegister, s.index, nullptr});
        }
        break;
    }
  }
}

template <typename T>
T* TilePlan<T>::register_ptr(int reg, T* const* out_ptrs, T* scratch,
                             bool outputs_direct) const {
  if (outputs_direct && register_owner_[reg] >= 0) return out_ptrs[register_owner_[reg]];
  return scratch + static_cast<int64_t>(reg) * kTileSize<T>;
}

template <typename T>
const T* TilePlan<T>::source_ptr(const Source& s, const T* const* var_ptrs, T* const* out_ptrs,
                                 T* scratch, bool outputs_direct) const {
  switch (s.kind) {
    case Source::Kind::kScalar: return s.scalar;
    case Source::Kind::kVar: return var_ptrs[s.index];
    case Source::Kind::kRegister: break;
  }
  return register_ptr(s.index, out_ptrs, scratch, outputs_direct);
}

template <typename T>
void TilePlan<T>::run_tile(int64_t len, const T* const* var_ptrs, T* const* out_ptrs, T* scratch,
                           bool outputs_direct) const {
  for (const Step& step : steps_) {
    const T* a = source_ptr(step.a, var_ptrs, out_ptrs, scratch, outputs_direct);
    const T* b = source_ptr(step.b, var_ptrs, out_ptrs, scratch, outputs_direct);
    const T* c = source_ptr(step.c, var_ptrs, out_ptrs, scratch, outputs_direct);
    step.kernel(len, a, b, c, register_ptr(step.dst, out_ptrs, scratch, outputs_direct));
  }
  for (size_t k = 0; k < outputs_.size(); ++k) {
    const OutputAction& action = outputs_[k];
    T* out = out_ptrs[k];
    const T* from = nullptr;
    switch (action.kind) {
      case OutputAction::Kind::kFill:
        std::fill_n(out, len, *action.scalar);
        continue;
      case OutputAction::Kind::kCopyVar:
        from = var_ptrs[action.index];
        break;
      case OutputAction::Kind::kOwnRegister:
      case OutputAction::Kind::kCopyRegister:
        from = register_ptr(action.index, out_ptrs, scratch, outputs_direct);
        break;
    }
    if (from != out) std::memmove(out, from, len * sizeof(T));
  }
}

template <typename T> T* thread_scratch(int64_t elements) {
  struct AlignedFree {
    void operator()(T* p) const { ::operator delete(p, std::align_val_t(64)); }
  };
  thread_local std::unique_ptr<T, AlignedFree> buffer;
  thread_local int64_t capacity = 0;
  if (elements > capacity) {
    capacity = std::max<int64_t>(elements, 2 * capacity);
    buffer.reset(static_cast<T*>(::operator new(capacity * sizeof(T), std::align_val_t(64))));
  }
  return buffer.get();
}

template <typename T> bool overlaps(const T* a, int64_t n, const T* b, int64_t m) {
  if (!a || !b || n <= 0 || m <= 0) return false;
  const std::less<const T*> before;
  return before(a, b + m) && before(b, a + n);
}

template class TilePlan<float>;
template class TilePlan<double>;
template float* thread_scratch<float>(int64_t);
template double* thread_scratch<double>(int64_t);
template bool overlaps<float>(const float*, int64_t, const float*, int64_t);
template bool overlaps<double>(const double*, int64_t, const double*, int64_t);

}  // namespace graphrun::expr
