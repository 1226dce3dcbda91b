// `graphrun sweep`: one graph run over the product of several --set value lists. Planned as a
// list of runs (plan_sweep), every run loaded and checked before any runs (prepare_runs),
// a subset run on local threads (run_prepared), and the results written as one set
// (write_sweep). The list is what a distributed layer splits: each rank prepares and runs
// its share, and one rank writes.
#pragma once

#include "driver/session.h"
#include "scheduler/executor.h"

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace graphrun {
namespace io {
class OutputFiles;
}

/// One `--set name=v1,v2,...` of a sweep: a param and the values it takes in turn (one value
/// is a fixed override, as `run --set`).
struct SweepParam {
  std::string name;
  std::vector<std::string> values;
  bool swept() const { return values.size() > 1; }
};

/// Parses `name=v1,v2,...` items. UsageError for a missing name or '=', an empty value
/// ("a,,b" or "a,"), or a name given twice.
std::vector<SweepParam> parse_sweep_params(const std::vector<std::string>& items);

/// One run of a sweep.
struct SweepRun {
  size_t index = 0;                                        // position in the product
  std::vector<std::pair<std::string, std::string>> sets;  // every param's value, --set order
  std::string folder;                                      // its outputs' folder under -o
  std::string swept;                                       // "delta=0.001, method=rk4"
  /// "run 3 (delta=0.001, method=rk4)": how messages name it (swept params only).
  std::string label;
};

/// The runs of the product of the params' values, the first param varying slowest. Folders
/// name the swept params ("delta=0.001,method=rk4") when every value is a plain word or
/// number, else "run-003" (as do sweeps with no swept param).
std::vector<SweepRun> plan_sweep(const std::vector<SweepParam>& params);

/// What every run shares besides its --set values.
struct SweepOptions {
  std::vector<std::pair<std::string, std::string>> inputs;  // --input name=FILE
  std::vector<std::string> plugins;                         // --plugin LIB
  bool fuse = true;
};

/// A run loaded, checked and planned (passes run): ready for an executor.
struct PreparedRun {
  const SweepRun* run = nullptr;
  std::unique_ptr<Graph> graph;
  std::map<std::string, TensorData> inputs;
  std::vector<std::string> output_names;
};

/// Loads and checks the graph of each run with its --set values, reads its inputs and runs
/// the passes, before anything runs. Errors are those of `graphrun run`, naming the run: a
/// GraphError's diagnostics end with " (in the sweep's run 3: delta=abc)", a UsageError or
/// RunError starts with "sweep run 3 (delta=abc): ". Input files are read once for all runs
/// where the tensors fit.
std::vector<PreparedRun> prepare_runs(const std::string& graph_path, const std::vector<SweepRun>& runs,
                                      const SweepOptions& options);

/// The outputs of one run, in its graph's output order.
struct SweepResult {
  std::vector<TensorData> outputs;
};

/// Runs runs[i] for each i in `which` (every run when empty; a distributed layer passes each
/// rank's share), up to `jobs` at once, each executor with `threads_per_run` threads (0: all
/// cores). Results in the order of `which`; each run's outputs are those `graphrun run` gives
/// for its --set values. The first run to fail (in that order, among those started) throws
/// RunError "sweep run 3 (...): <its error>"; no run starts after a failure. `finished`
/// (optional) counts the runs done, for a progress display on another thread.
std::vector<SweepResult> run_prepared(const std::vector<PreparedRun>& runs, int jobs, int threads_per_run,
                                      const std::vector<size_t>& which = {},
                                      std::atomic<size_t>* finished = nullptr);

/// Outputs of one element in every run: the sweep table's columns, in graph output order.
std::vector<std::string> scalar_outputs(const std::vector<PreparedRun>& runs);

/// The table: header "run,folder,<swept params>,<scalar outputs>", one row per run; numbers
/// in shortest round-trip form, fields quoted as RFC 4180 asks.
std::string sweep_csv(const std::vector<SweepParam>& params, const std::vector<PreparedRun>& runs,
                      const std::vector<SweepResult>& results);

/// Writes DIR/sweep.csv (when `table`) and the outputs of each run of `folders` (a rank's
/// runs_of_rank: all of them in a plain run, none on a rank without runs) under
/// DIR/<folder>/ (format npy or csv) into `files` (committed by the caller); returns the
/// paths written, one line each, as `run -o` lists them.
std::vector<std::string> write_sweep(io::OutputFiles& files, const std::string& dir, const std::string& format,
                                     const std::vector<SweepParam>& params, const std::vector<PreparedRun>& runs,
                                     const std::vector<SweepResult>& results, const std::vector<size_t>& folders,
                                     bool table);

/// The runs this process runs: all of them in a plain run; under mpirun, its rank's block of
/// them (distributed/blocks.h), so that ranks in order hold the runs in order.
std::vector<size_t> runs_of_rank(size_t runs);

/// Every run's result on every rank, from each rank's results of its own runs `mine` (in
/// that order): a run of another rank has only its one-element outputs filled (what the
/// table and the plot read), exchanged between the ranks. A plain run just places its own.
std::vector<SweepResult> share_scalar_results(const std::vector<PreparedRun>& runs, const std::vector<size_t>& mine,
                                              std::vector<SweepResult> own);

/// Concurrent runs for `runs` runs when --jobs is not given: one per core, at most the runs,
/// at least one.
int default_sweep_jobs(size_t runs);

}  // namespace graphrun
