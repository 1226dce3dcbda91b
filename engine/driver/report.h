// What `graphrun run` shows of a run: printed outputs, the --profile table and the text of the
// --trace file (Chrome trace events); the --plot file is driver/plot/plot.h's. The files
// themselves are written with the run's other outputs (io/output_files.h).
#pragma once

#include "ir/graph.h"
#include "scheduler/executor.h"

#include <ostream>
#include <string>
#include <vector>

namespace graphrun {

/// "name: f64 (3,) = [0.0, 0.5, 1.0]"; up to 8 values in shortest round-trip form, else
/// "min … max … mean …".
std::string format_output(const std::string& name, const TensorData& t);

/// Per-step table of `run` (recorded with observer.record_steps): node, op, device, time,
/// bytes moved, GB/s; then the run's peak memory.
void print_profile(std::ostream& os, const Executor& executor, const RunResult& run);

/// The same table for a run on the CUDA device (DeviceExecutor; times from CUDA events, a
/// step's copies in counted as its own): each step's device as placed (cuda or cpu), then the
/// device memory peak of `device` (its name).
void print_device_profile(std::ostream& os, const ExecutionPlan& plan, const RunResult& run, const std::string& device);

/// One traced run: its label ("run", "warm-up", "repeat 3") and its step records.
struct TracedRun {
  std::string label;
  std::vector<StepRecord> records;
};

/// The runs' step records as Chrome trace-event JSON (opens in Perfetto). Each run is a
/// process of its own (pid k + 1, named by a "process_name" metadata event with its label)
/// so that runs never overlap; in it one row per worker slot that ran a step (tid = the
/// slot, named "worker N"), each event with args {run: k}, and the tensor memory the run
/// held as a counter track.
std::string trace_json(const Executor& executor, const std::vector<TracedRun>& runs);

/// The same for runs on the CUDA device (DeviceExecutor, times from CUDA events): the steps on
/// the device's stream in a row of their own, "cuda stream (DEVICE)" (tid
/// StepRecord::kCudaStreamRow), the steps placed on the host in the row "host"
/// (StepRecord::kHostRow), and the device memory the run held as the counter track.
std::string device_trace_json(const ExecutionPlan& plan, const std::vector<TracedRun>& runs, const std::string& device);

/// Text escaped for a JSON string.
std::string json_escape(const std::string& s);

}  // namespace graphrun
