#include "driver/report.h"

#include "graph/diagnostics.h"
#include "io/tensor_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

namespace graphrun {
namespace {

double value_at(const TensorData& t, int64_t i) {
  return t.dtype == GR_F64 ? static_cast<const double*>(t.data.get())[i]
                           : static_cast<const float*>(t.data.get())[i];
}

std::string number(const TensorData& t, int64_t i) {
  return t.dtype == GR_F64 ? io::format_number(static_cast<const double*>(t.data.get())[i])
                           : io::format_number(static_cast<const float*>(t.data.get())[i]);
}

// Nested list text of axes [axis, rank) starting at flat offset.
std::string nested(const TensorData& t, size_t axis, int64_t& offset) {
  if (axis == t.shape.size()) return number(t, offset++);
  std::string s = "[";
  for (int64_t k = 0; k < t.shape[axis]; ++k) s += (k ? ", " : "") + nested(t, axis + 1, offset);
  return s + "]";
}

}  // namespace

std::string format_output(const std::string& name, const TensorData& t) {
  int64_t n = 1;
  for (auto d : t.shape) n *= d;
  std::string head = name + ": " + (t.dtype == GR_F64 ? "f64 " : "f32 ") + shape_str(t.shape);
  if (n <= 8) {
    int64_t offset = 0;
    return head + " = " + nested(t, 0, offset);
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    double v = value_at(t, i);
    if (std::isnan(v)) nan = true;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  if (nan) lo = hi = std::numeric_limits<double>::quiet_NaN();
  auto fmt_v = [&](double v) { return t.dtype == GR_F64 ? io::format_number(v) : io::format_number(static_cast<float>(v)); };
  return head + " min " + fmt_v(lo) + " max " + fmt_v(hi) + " mean " + fmt_v(sum / static_cast<double>(n));
}

namespace {

// The per-step table both profiles print; `device_of(i)` names where step i ran. Returns the
// total of the steps' times in ns.
template <typename DeviceOf>
int64_t print_step_table(std::ostream& os, const std::vector<StepInfo>& steps, const RunResult& run,
                         DeviceOf&& device_of) {
  std::vector<int64_t> ns(steps.size(), 0);
  for (const auto& r : run.records) ns[r.step] += r.end_ns - r.start_ns;
  size_t width = 4;
  for (const auto& s : steps) width = std::max(width, s.label.size());
  os << fmt::format("{:<{}}  {:<16} {:<6} {:>12} {:>14} {:>10}\n", "node", width, "op", "device", "time ms",
                    "bytes", "GB/s");
  int64_t total = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const double ms = static_cast<double>(ns[i]) / 1e6;
    const double gbs = ns[i] > 0 ? static_cast<double>(steps[i].bytes_moved) / static_cast<double>(ns[i]) : 0.0;
    os << fmt::format("{:<{}}  {:<16} {:<6} {:>12.3f} {:>14} {:>10.2f}\n", steps[i].label, width, steps[i].op,
                      device_of(i), ms, steps[i].bytes_moved, gbs);
    total += ns[i];
  }
  return total;
}

}  // namespace

void print_profile(std::ostream& os, const Executor& executor, const RunResult& run) {
  const auto& steps = executor.steps();
  const int64_t total = print_step_table(os, steps, run, [](size_t) { return "cpu"; });
  os << fmt::format("total {:.3f} ms over {} steps on {} threads; peak memory {} bytes ({:.1f} MiB)\n",
                    static_cast<double>(total) / 1e6, steps.size(), executor.threads(), run.peak_bytes,
                    static_cast<double>(run.peak_bytes) / (1024.0 * 1024.0));
}

void print_device_profile(std::ostream& os, const ExecutionPlan& plan, const RunResult& run, const std::string& device) {
  const auto& steps = plan.infos();
  const int64_t total =
      print_step_table(os, steps, run, [&](size_t i) { return device_name(plan.placement().step_device[i]); });
  os << fmt::format("total {:.3f} ms over {} steps on {}; device memory peak {} bytes ({:.1f} MiB)\n",
                    static_cast<double>(total) / 1e6, steps.size(), device, run.peak_bytes,
                    static_cast<double>(run.peak_bytes) / (1024.0 * 1024.0));
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<int>(c));
        else out += c;
    }
  }
  return out;
}

namespace {

// The trace of `runs` over `steps`; `row_name(tid)` names each row that holds a step, and
// `counter` the memory track.
template <typename RowName>
std::string trace_events_json(const std::vector<StepInfo>& steps, const std::vector<TracedRun>& runs,
                              RowName&& row_name, const char* counter) {
  std::vector<std::string> events;
  for (size_t k = 0; k < runs.size(); ++k) {
    const int pid = static_cast<int>(k) + 1;
    events.push_back(fmt::format("{{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": {}, \"args\": {{\"name\": \"{}\"}}}}",
                                 pid, json_escape(runs[k].label)));
    events.push_back(fmt::format("{{\"name\": \"process_sort_index\", \"ph\": \"M\", \"pid\": {}, "
                                 "\"args\": {{\"sort_index\": {}}}}}",
                                 pid, k));
    std::set<int> rows;
    for (const auto& r : runs[k].records) rows.insert(r.thread);
    for (int row : rows)
      events.push_back(fmt::format("{{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": {}, \"tid\": {}, "
                                   "\"args\": {{\"name\": \"{}\"}}}}",
                                   pid, row, json_escape(row_name(row))));
    for (const auto& r : runs[k].records)
      events.push_back(fmt::format("{{\"name\": \"{}\", \"cat\": \"{}\", \"ph\": \"X\", \"ts\": {:.3f}, \"dur\": {:.3f}, "
                                   "\"pid\": {}, \"tid\": {}, \"args\": {{\"run\": {}, \"bytes\": {}}}}}",
                                   json_escape(steps[r.step].label), json_escape(steps[r.step].op),
                                   static_cast<double>(r.start_ns) / 1e3, static_cast<double>(r.end_ns - r.start_ns) / 1e3,
                                   pid, r.thread, k, steps[r.step].bytes_moved));
    // Memory held once each step was done: a counter track under the steps.
    for (const auto& r : runs[k].records)
      events.push_back(fmt::format("{{\"name\": \"{}\", \"ph\": \"C\", \"ts\": {:.3f}, \"pid\": {}, "
                                   "\"args\": {{\"bytes\": {}}}}}",
                                   counter, static_cast<double>(r.end_ns) / 1e3, pid, r.live_bytes));
  }
  std::string json = "{\"traceEvents\": [\n";
  for (size_t i = 0; i < events.size(); ++i) json += (i ? ",\n  " : "  ") + events[i];
  json += "\n], \"displayTimeUnit\": \"ms\"}\n";
  return json;
}

}  // namespace

std::string trace_json(const Executor& executor, const std::vector<TracedRun>& runs) {
  return trace_events_json(
      executor.steps(), runs, [](int worker) { return "worker " + std::to_string(worker); }, "tensor memory");
}

std::string device_trace_json(const ExecutionPlan& plan, const std::vector<TracedRun>& runs, const std::string& device) {
  return trace_events_json(
      plan.infos(), runs,
      [&](int row) { return row == StepRecord::kCudaStreamRow ? "cuda stream (" + device + ")" : std::string("host"); },
      "device memory");
}

}  // namespace graphrun
