#include "driver/sweep.h"

#include "driver/tensor_outputs.h"
#include "graph/diagnostics.h"
#include "io/output_files.h"
#include "io/tensor_file.h"
#include "scheduler/buffer_pool.h"

#include <fmt/format.h>
#include <oneapi/tbb/info.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <exception>
#include <map>
#include <set>
#include <thread>

namespace graphrun {
namespace {

// Splits "a,b,[1,2]" at the commas outside brackets, so that a list value stays whole.
std::vector<std::string> split_values(const std::string& text) {
  std::vector<std::string> values(1);
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') ++depth;
    if ((c == ']' || c == '}') && depth > 0) --depth;
    if (c == ',' && depth == 0) values.emplace_back();
    else values.back() += c;
  }
  return values;
}

// A value that can stand in a folder name as it is.
bool plain_word(const std::string& value) {
  return !value.empty() && std::all_of(value.begin(), value.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == '+';
  });
}

std::string swept_text(const std::vector<SweepParam>& params, const std::vector<size_t>& choice, const char* between) {
  std::string text;
  for (size_t p = 0; p < params.size(); ++p)
    if (params[p].swept()) text += (text.empty() ? "" : between) + params[p].name + "=" + params[p].values[choice[p]];
  return text;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

int64_t element_count(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string sweep_value_of(const SweepRun& run, const std::string& name) {
  for (const auto& [n, v] : run.sets)
    if (n == name) return v;
  return "";
}

// Rethrows the exception being handled, naming the run it came from.
[[noreturn]] void rethrow_naming(const SweepRun& run) {
  const std::string prefix = "sweep " + run.label + ": ";
  try {
    throw;
  } catch (const GraphError& e) {
    std::vector<Diagnostic> named = e.diagnostics();
    const std::string which = "run " + std::to_string(run.index) + (run.swept.empty() ? "" : ": " + run.swept);
    for (Diagnostic& d : named) d.message += " (in the sweep's " + which + ")";
    throw GraphError(std::move(named));
  } catch (const UsageError& e) {
    throw UsageError(prefix + e.what());
  } catch (const RunError& e) {
    throw RunError(prefix + e.what());
  } catch (const OutOfMemory& e) {
    throw RunError(prefix + e.what());
  } catch (const std::bad_alloc&) {
    throw RunError(prefix + "out of memory");
  }
}

}  // namespace

std::vector<SweepParam> parse_sweep_params(const std::vector<std::string>& items) {
  std::vector<SweepParam> params;
  for (const std::string& item : items) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--set " + item + ": expected name=value or name=v1,v2,...");
    SweepParam p{item.substr(0, eq), split_values(item.substr(eq + 1))};
    for (const std::string& v : p.values)
      if (v.empty()) throw UsageError("--set " + item + ": an empty value (values are separated by single commas)");
    for (const SweepParam& q : params)
      if (q.name == p.name)
        throw UsageError("--set " + item + ": '" + p.name + "' is set twice (give its values as one list: " + p.name +
                         "=v1,v2,...)");
    params.push_back(std::move(p));
  }
  return params;
}

std::vector<SweepRun> plan_sweep(const std::vector<SweepParam>& params) {
  size_t count = 1;
  for (const SweepParam& p : params) count *= p.values.size();
  bool plain = std::any_of(params.begin(), params.end(), [](const SweepParam& p) { return p.swept(); });
  for (const SweepParam& p : params)
    if (p.swept()) plain = plain && std::all_of(p.values.begin(), p.values.end(), plain_word);
  std::vector<SweepRun> runs(count);
  std::vector<size_t> choice(params.size());
  const int digits = std::max<int>(3, static_cast<int>(std::to_string(count - 1).size()));
  for (size_t i = 0; i < count; ++i) {
    size_t rest = i;  // the last param varies fastest
    for (size_t p = params.size(); p-- > 0;) {
      choice[p] = rest % params[p].values.size();
      rest /= params[p].values.size();
    }
    SweepRun& run = runs[i];
    run.index = i;
    for (size_t p = 0; p < params.size(); ++p) run.sets.emplace_back(params[p].name, params[p].values[choice[p]]);
    run.swept = swept_text(params, choice, ", ");
    run.label = "run " + std::to_string(i) + (run.swept.empty() ? "" : " (" + run.swept + ")");
    run.folder = plain ? swept_text(params, choice, "_") : fmt::format("run-{:0{}}", i, digits);
  }
  // A value given twice would give two runs one folder.
  std::set<std::string> folders;
  for (const SweepRun& run : runs) folders.insert(run.folder);
  if (folders.size() != runs.size())
    for (SweepRun& run : runs) run.folder = fmt::format("run-{:0{}}", run.index, digits);
  return runs;
}

std::vector<PreparedRun> prepare_runs(const std::string& graph_path, const std::vector<SweepRun>& runs,
                                      const SweepOptions& options) {
  std::vector<PreparedRun> prepared;
  std::map<std::string, std::vector<TensorData>> read;  // input tensors so far, shared across runs
  for (const SweepRun& run : runs) {
    PreparedRun p;
    p.run = &run;
    try {
      p.graph = std::make_unique<Graph>(load_graph(graph_path, {run.sets, options.plugins, {}}));
      p.inputs = read_inputs(*p.graph, options.inputs);
      for (const auto& [node, shape] : p.graph->input_specs)
        if (!p.inputs.count(p.graph->nodes[node].id))
          throw UsageError("graph input '" + p.graph->nodes[node].id + "' was not given (use --input " +
                           p.graph->nodes[node].id + "=FILE)");
      for (auto& entry : p.inputs) {  // not a structured binding: clang 14 cannot capture one
        TensorData& tensor = entry.second;
        std::vector<TensorData>& same_name = read[entry.first];
        auto same = std::find_if(same_name.begin(), same_name.end(), [&](const TensorData& t) {
          return t.shape == tensor.shape && t.dtype == tensor.dtype;
        });
        if (same != same_name.end()) tensor = *same;  // the same file read again: keep one copy
        else same_name.push_back(tensor);
      }
      run_passes(*p.graph, p.inputs, options.fuse);
    } catch (...) {
      rethrow_naming(run);
    }
    for (const auto& [name, ref] : p.graph->outputs) p.output_names.push_back(name);
    prepared.push_back(std::move(p));
  }
  return prepared;
}

std::vector<SweepResult> run_prepared(const std::vector<PreparedRun>& runs, int jobs, int threads_per_run,
                                      const std::vector<size_t>& which, std::atomic<size_t>* finished) {
  std::vector<size_t> chosen = which;
  if (chosen.empty())
    for (size_t i = 0; i < runs.size(); ++i) chosen.push_back(i);
  std::vector<SweepResult> results(chosen.size());
  std::vector<std::exception_ptr> failures(chosen.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (size_t k = next++; k < chosen.size() && !failed; k = next++) {
      try {
        const PreparedRun& run = runs.at(chosen[k]);
        Executor executor(*run.graph, threads_per_run);
        results[k].outputs = executor.run(run.inputs).outputs;
        if (finished) ++*finished;
      } catch (...) {
        failures[k] = std::current_exception();
        failed = true;
      }
    }
  };
  const size_t workers = std::clamp<size_t>(static_cast<size_t>(std::max(jobs, 1)), 1, std::max<size_t>(chosen.size(), 1));
  if (workers == 1) {
    work();
  } else {
    std::vector<std::jthread> pool;
    for (size_t w = 0; w < workers; ++w) pool.emplace_back(work);
  }
  for (size_t k = 0; k < chosen.size(); ++k)
    if (failures[k]) {
      try {
        std::rethrow_exception(failures[k]);
      } catch (...) {
        rethrow_naming(*runs.at(chosen[k]).run);
      }
    }
  return results;
}

std::vector<std::string> scalar_outputs(const std::vector<PreparedRun>& runs) {
  std::vector<std::string> names;
  if (runs.empty()) return names;
  for (size_t k = 0; k < runs.front().output_names.size(); ++k) {
    const bool scalar = std::all_of(runs.begin(), runs.end(), [&](const PreparedRun& r) {
      const ValueRef& ref = r.graph->outputs[k].second;
      return element_count(r.graph->nodes[ref.node].output_shapes.at(ref.port)) == 1;
    });
    if (scalar) names.push_back(runs.front().output_names[k]);
  }
  return names;
}

std::string sweep_csv(const std::vector<SweepParam>& params, const std::vector<PreparedRun>& runs,
                      const std::vector<SweepResult>& results) {
  const std::vector<std::string> scalars = scalar_outputs(runs);
  std::string csv = "run,folder";
  for (const SweepParam& p : params)
    if (p.swept()) csv += "," + csv_field(p.name);
  for (const std::string& name : scalars) csv += "," + csv_field(name);
  csv += "\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    const SweepRun& run = *runs[i].run;
    csv += std::to_string(run.index) + "," + csv_field(run.folder);
    for (const SweepParam& p : params)
      if (p.swept()) csv += "," + csv_field(sweep_value_of(run, p.name));
    for (const std::string& name : scalars) {
      const size_t k = static_cast<size_t>(
          std::find(runs[i].output_names.begin(), runs[i].output_names.end(), name) - runs[i].output_names.begin());
      const TensorData& t = results[i].outputs[k];
      csv += "," + (t.dtype == GR_F64 ? io::format_number(*static_cast<const double*>(t.data.get()))
                                      : io::format_number(*static_cast<const float*>(t.data.get())));
    }
    csv += "\n";
  }
  return csv;
}

std::vector<std::string> write_sweep(io::OutputFiles& files, const std::string& dir, const std::string& format,
                                     const std::vector<SweepParam>& params, const std::vector<PreparedRun>& runs,
                                     const std::vector<SweepResult>& results, const std::vector<size_t>& folders,
                                     bool table) {
  io::make_output_folder(dir);
  std::vector<std::string> lines;
  if (table) {
    files.write(dir + "/sweep.csv", sweep_csv(params, runs, results));
    lines.push_back(dir + "/sweep.csv");
  }
  for (size_t i : folders) {
    const TensorOutputRequest request{dir + "/" + runs[i].run->folder, format, true, ""};
    const TensorOutputPlan plan = plan_tensor_outputs(request, *runs[i].graph, runs[i].output_names);
    for (std::string& line : write_tensor_outputs(files, plan, runs[i].output_names, results[i].outputs,
                                                  runs[i].graph->dtype, nullptr))
      lines.push_back(std::move(line));
  }
  return lines;
}

int default_sweep_jobs(size_t runs) {
  // The CPUs this process may use: under mpirun, those its rank is bound to.
  const size_t cores = static_cast<size_t>(std::max(1, tbb::info::default_concurrency()));
  return static_cast<int>(std::clamp<size_t>(runs, 1, cores));
}

}  // namespace graphrun
