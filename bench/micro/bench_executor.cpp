// Per-node cost of the scheduler: a chain of tiny elementwise nodes run by the Executor
// (what `--no-fuse` leaves), and a wide graph of independent branches.
#include "driver/session.h"
#include "scheduler/executor.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace {

std::string write_chain(int nodes, int branches) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("graphrun_bench_" + std::to_string(nodes) + "_" + std::to_string(branches) + ".yaml")).string();
  std::ofstream out(path);
  out << "format: 1\ngraph: chain\ndtype: f32\nnodes:\n  - {id: x, op: random, shape: [16], seed: 1}\n";
  for (int b = 0; b < branches; ++b)
    for (int i = 1; i <= nodes; ++i)
      out << "  - {id: b" << b << "n" << i << ", op: neg, in: [" << (i == 1 ? std::string("x") : "b" + std::to_string(b) + "n" + std::to_string(i - 1)) << "]}\n";
  out << "outputs: [";
  for (int b = 0; b < branches; ++b) out << (b ? ", " : "") << "b" << b << "n" << nodes;
  out << "]\n";
  return path;
}

void run_graph(benchmark::State& state, int nodes, int branches) {
  graphrun::Graph graph = graphrun::load_graph(write_chain(nodes, branches), {});
  graphrun::run_passes(graph, {}, /*fuse=*/false);
  graphrun::Executor executor(graph, 0);
  for (auto _ : state) benchmark::DoNotOptimize(executor.run({}));
  state.SetItemsProcessed(state.iterations() * nodes * branches);
}

void BM_Chain1000(benchmark::State& s) { run_graph(s, 1000, 1); }
void BM_Branches8x125(benchmark::State& s) { run_graph(s, 125, 8); }
BENCHMARK(BM_Chain1000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Branches8x125)->Unit(benchmark::kMicrosecond);

}  // namespace
