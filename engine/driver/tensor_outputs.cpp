#include "driver/tensor_outputs.h"

#include "graph/diagnostics.h"
#include "io/output_files.h"
#include "io/tensor_file.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <ostream>

namespace graphrun {
namespace {

constexpr int kDefaultWavRate = 48000;

bool is_archive(const std::string& target) { return io::has_extension(target, ".npz"); }

// Rethrows a FileError about the -o path as a usage error (exit code 2).
template <typename F> void check_target(F&& check) {
  try {
    check();
  } catch (const io::FileError& e) {
    throw UsageError(std::string("-o ") + e.what());
  }
}

/// A sample rate: a whole number of Hz from 1 up; nullopt otherwise.
std::optional<int> whole_rate(double value) {
  if (!(value >= 1 && value <= std::numeric_limits<int>::max()) || std::floor(value) != value) return std::nullopt;
  return static_cast<int>(value);
}

std::optional<int> parse_rate(const std::string& text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}

/// The shape of output `k` after the passes.
const Shape& output_shape(const Graph& graph, size_t k) {
  const ValueRef& ref = graph.outputs[k].second;
  return graph.nodes[static_cast<size_t>(ref.node)].output_shapes[static_cast<size_t>(ref.port)];
}

std::string listed(const std::string& what, gr_dtype dtype, const Shape& shape) {
  return what + ": " + (dtype == GR_F64 ? "f64 " : "f32 ") + shape_str(shape);
}

}  // namespace

void check_tensor_output_request(const TensorOutputRequest& r) {
  if (r.format_given && r.target.empty())
    throw UsageError("--format " + r.format + " is the format of the files of -o DIR, and no -o was given");
  if (!r.wav_rate.empty() && (r.format != "wav" || r.target.empty() || is_archive(r.target)))
    throw UsageError("--wav-rate " + r.wav_rate + " is the sample rate of the files of -o DIR --format wav");
  if (!r.wav_rate.empty() && !parse_rate(r.wav_rate))
    throw UsageError("--wav-rate must be a whole number of samples per second (Hz), such as 48000, not '" +
                     r.wav_rate + "'");
  if (r.target.empty()) return;
  if (is_archive(r.target)) {
    if (r.format_given)
      throw UsageError("--format " + r.format + ": -o " + r.target +
                       " writes every output as .npy into one archive; --format is for -o DIR");
    check_target([&] { io::output_kind(r.target); });
  } else {
    check_target([&] { io::check_output_folder(r.target); });
  }
}

TensorOutputPlan plan_tensor_outputs(const TensorOutputRequest& r, const Graph& graph,
                                     const std::vector<std::string>& names) {
  TensorOutputPlan plan;
  if (r.target.empty()) return plan;
  plan.target = r.target;
  plan.kind = is_archive(r.target) ? TensorOutputPlan::Kind::kArchive : TensorOutputPlan::Kind::kFolder;
  plan.format = plan.kind == TensorOutputPlan::Kind::kArchive ? "npz" : r.format;
  for (const auto& name : names) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
      throw UsageError("-o " + r.target + ": the output '" + name + "' is not a plain file name to write in the " +
                       (plan.kind == TensorOutputPlan::Kind::kArchive ? "archive" : "folder"));
    if (plan.kind == TensorOutputPlan::Kind::kArchive) continue;
    plan.files.push_back((std::filesystem::path(r.target) / (name + "." + r.format)).string());
    if (std::filesystem::is_directory(r.target)) check_target([&] { io::output_kind(plan.files.back()); });
  }
  if (plan.format != "wav") return plan;
  if (!r.wav_rate.empty()) {
    plan.wav_rate = *parse_rate(r.wav_rate);
    plan.wav_rate_from = "--wav-rate";
    return plan;
  }
  const auto& params = graph.params->names;
  auto fs_param = std::find(params.begin(), params.end(), "fs");
  if (fs_param == params.end()) {
    plan.wav_rate = kDefaultWavRate;
    plan.wav_rate_from = "the default; --wav-rate HZ sets it";
    return plan;
  }
  const double fs_value = graph.params->values[static_cast<size_t>(fs_param - params.begin())];
  std::optional<int> rate = whole_rate(fs_value);
  if (!rate)
    throw UsageError("--format wav: the graph's param fs is " + io::format_number(fs_value) +
                     ", not a whole number of Hz to write in WAV files; give --wav-rate HZ");
  plan.wav_rate = *rate;
  plan.wav_rate_from = "the param fs";
  return plan;
}

std::vector<std::string> planned_files(const TensorOutputPlan& plan) {
  if (plan.kind == TensorOutputPlan::Kind::kArchive) return {plan.target};
  return plan.files;
}

void check_tensor_output_shapes(const TensorOutputPlan& plan, const Graph& graph) {
  if (plan.format != "wav") return;
  for (size_t k = 0; k < graph.outputs.size(); ++k)
    if (std::string problem = io::wav_layout_problem(output_shape(graph, k)); !problem.empty())
      throw UsageError("--format wav: the output '" + graph.outputs[k].first + "': " + problem);
}

std::vector<std::string> write_tensor_outputs(io::OutputFiles& files, const TensorOutputPlan& plan,
                                              const std::vector<std::string>& names,
                                              const std::vector<TensorData>& outputs, gr_dtype dtype,
                                              std::ostream* warnings) {
  std::vector<std::string> lines;
  if (plan.kind == TensorOutputPlan::Kind::kNone) return lines;
  if (plan.kind == TensorOutputPlan::Kind::kArchive) {
    std::vector<io::NamedTensor> tensors;
    for (size_t k = 0; k < outputs.size(); ++k) {
      tensors.push_back({names[k], outputs[k].shape, outputs[k].data.get()});
      lines.push_back(listed(plan.target + ":" + names[k], dtype, outputs[k].shape));
    }
    io::write_npz(files, plan.target, dtype, tensors);
    return lines;
  }
  io::make_output_folder(plan.target);
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::string& path = plan.files[k];
    std::string line = listed(path, dtype, outputs[k].shape);
    if (plan.format == "wav") {
      const int64_t outside = io::write_wav(files, path, dtype, outputs[k].shape, outputs[k].data.get(), plan.wav_rate);
      const int64_t channels = outputs[k].shape.size() == 2 ? outputs[k].shape[0] : 1;
      line += ", float32 WAV, " + std::to_string(channels) + (channels == 1 ? " channel, " : " channels, ") +
              std::to_string(plan.wav_rate) + " Hz (" + plan.wav_rate_from + ")";
      if (outside > 0 && warnings)
        *warnings << "warning: " << path << ": " << outside << " sample" << (outside == 1 ? "" : "s")
                  << " outside [-1, 1] (or nan): float WAV keeps them, most players clip them\n";
    } else if (outputs[k].data) {
      io::write_tensor(files, path, dtype, outputs[k].shape, outputs[k].data.get());
    }  // else open in `files` already, written by the ranks of an MPI run together
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace graphrun
