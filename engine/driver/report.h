// What `graphrun run` shows of a run: printed outputs, the --profile table, the --trace
// file (Chrome trace events) and the --plot file (SVG line chart).
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

/// Writes `run`'s step records as Chrome trace-event JSON (opens in Perfetto), with the
/// tensor memory the run held as a counter track.
void write_trace(const std::string& path, const Executor& executor, const RunResult& run);

/// Plots each output (flattened; at most 4096 points each) as one line of an SVG chart.
void write_plot(const std::string& path, const std::vector<std::string>& names,
                const std::vector<TensorData>& outputs);

/// Text escaped for a JSON string.
std::string json_escape(const std::string& s);

/// Writes `text` to `path` atomically (temporary file, then rename).
void write_text_file(const std::string& path, const std::string& text);

}  // namespace graphrun
