// Throughput of the expression evaluator on one core: elements per second of a few
// formulas, f32 and f64, so changes to the tile evaluator can be measured in isolation.
#include "expr/expr.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

namespace {

template <typename T>
void eval_formula(benchmark::State& state, const char* formula) {
  const int64_t n = state.range(0);
  std::vector<std::string> vars = {"x"};
  auto ast = graphrun::expr::parse(formula, vars, {});
  auto program = graphrun::expr::Program::compile(std::span(&ast, 1), vars);
  std::vector<T> x(static_cast<size_t>(n)), y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = static_cast<T>(std::sin(0.001 * static_cast<double>(i)) * 3);
  const T* in[] = {x.data()};
  T* out[] = {y.data()};
  int32_t scalar[] = {0};
  for (auto _ : state) {
    program->eval(n, in, scalar, out);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * 2 * static_cast<int64_t>(sizeof(T)));
}

void BM_ExprMamba_f32(benchmark::State& s) { eval_formula<float>(s, "silu(x) * tanh(x) + 0.5 * exp(-x^2)"); }
void BM_ExprMamba_f64(benchmark::State& s) { eval_formula<double>(s, "silu(x) * tanh(x) + 0.5 * exp(-x^2)"); }
void BM_ExprAxpb_f32(benchmark::State& s) { eval_formula<float>(s, "2 * x + 1"); }
void BM_ExprSoftplus_f32(benchmark::State& s) { eval_formula<float>(s, "softplus(x)"); }

BENCHMARK(BM_ExprMamba_f32)->Arg(1 << 12)->Arg(1 << 20);
BENCHMARK(BM_ExprMamba_f64)->Arg(1 << 12)->Arg(1 << 20);
BENCHMARK(BM_ExprAxpb_f32)->Arg(1 << 12)->Arg(1 << 20);
BENCHMARK(BM_ExprSoftplus_f32)->Arg(1 << 20);

}  // namespace
