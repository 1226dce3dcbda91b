// A Program bound to one evaluation: which variables are scalars, everything that does not
// vary per element computed once, and the per-tile steps that remain.
#pragma once

#include "expr/kernels.h"
#include "expr/program_impl.h"

#include <vector>

namespace graphrun::expr {

/// The per-element work of a Program for given scalar-ness of its variables. Build once per
/// evaluation; run_tile is const and may run on many threads at once.
template <typename T> class TilePlan {
 public:
  /// Binds `program`; vars[v] is read now (its one value) when is_scalar[v] != 0.
  void build(const ProgramImpl& program, const T* const* vars, const int32_t* is_scalar);

  /// Instructions left to run per tile (those reading no per-element value are not).
  int num_steps() const { return static_cast<int>(steps_.size()); }

  /// Scratch elements run_tile needs (the registers).
  int64_t scratch_size() const { return static_cast<int64_t>(num_registers_) * kTileSize<T>; }

  /// Evaluates len <= kTileSize<T> elements. var_ptrs[v]: this tile's values of v (its one
  /// value when scalar); out_ptrs[k]: where output k goes. With outputs_direct, output
  /// registers live in the outputs themselves (only when no output overlaps an input).
  void run_tile(int64_t len, const T* const* var_ptrs, T* const* out_ptrs, T* scratch,
                bool outputs_direct) const;

 private:
  struct Source {
    enum class Kind : uint8_t { kScalar, kVar, kRegister };
    Kind kind = Kind::kScalar;
    int index = 0;
    const T* scalar = nullptr;
  };
  struct Step {
    Kernel<T> kernel;
    Source a, b, c;
    int dst;
  };
  struct OutputAction {
    enum class Kind : uint8_t { kOwnRegister, kCopyRegister, kCopyVar, kFill };
    Kind kind;
    int index = 0;
    const T* scalar = nullptr;
  };

  T* register_ptr(int reg, T* const* out_ptrs, T* scratch, bool outputs_direct) const;
  const T* source_ptr(const Source& s, const T* const* var_ptrs, T* const* out_ptrs, T* scratch,
                      bool outputs_direct) const;

  std::vector<T> constants_;
  std::vector<T> uniform_values_;  // per instruction whose operands are all scalars
  std::vector<Source> value_sources_;
  std::vector<Step> steps_;
  std::vector<OutputAction> outputs_;
  std::vector<int> register_owner_;  // output whose memory may hold the register, or -1
  int num_registers_ = 0;
};

/// Per-thread scratch of at least `elements` values, 64-byte aligned; reused between calls.
template <typename T> T* thread_scratch(int64_t elements);

/// True when [a, a+n) and [b, b+m) share memory.
template <typename T> bool overlaps(const T* a, int64_t n, const T* b, int64_t m);

}  // namespace graphrun::expr
