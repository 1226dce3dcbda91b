// Where `run -o` writes the outputs' tensors: a folder of one file per output (.npy, .csv or
// .wav by --format), or one .npz archive when -o names a FILE.npz. Checked before the run,
// written with the other output files as one set (io/output_files.h).
#pragma once

#include "ir/graph.h"
#include "scheduler/executor.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace graphrun {
namespace io {
class OutputFiles;
}

/// What -o, --format and --wav-rate ask for.
struct TensorOutputRequest {
  std::string target;     // -o: a folder, or FILE.npz ("" = no tensor files)
  std::string format = "npy";  // --format: npy, csv or wav
  bool format_given = false;
  std::string wav_rate;   // --wav-rate HZ ("" = not given)
};

/// The tensor files of a run, planned.
struct TensorOutputPlan {
  enum class Kind { kNone, kFolder, kArchive };
  Kind kind = Kind::kNone;
  std::string target, format;
  std::vector<std::string> files;  // kFolder: the file of each output
  int wav_rate = 0;                // format wav: samples per second
  std::string wav_rate_from;       // where the rate came from, for the listing
};

/// Checks what needs no graph: --format without -o, --format with -o FILE.npz, --wav-rate
/// without --format wav or not a whole number, and the -o path itself (a folder that is a
/// file, an archive path that is a folder...). UsageError saying why.
void check_tensor_output_request(const TensorOutputRequest& request);

/// Plans the file of each output named `names`: each name must be a plain file name, each
/// path writable. The WAV rate is --wav-rate, else the graph's param `fs`, else 48000.
TensorOutputPlan plan_tensor_outputs(const TensorOutputRequest& request, const Graph& graph,
                                     const std::vector<std::string>& names);

/// Every file the plan writes (for clashes with --trace and --plot).
std::vector<std::string> planned_files(const TensorOutputPlan& plan);

/// After the passes, when every output's shape is known: UsageError for an output a WAV file
/// cannot hold (rank above 2, too many channels).
void check_tensor_output_shapes(const TensorOutputPlan& plan, const Graph& graph);

/// Writes the outputs into `files` (committed by the caller) and returns one line per
/// tensor written, "PATH: DTYPE SHAPE" ("FILE.npz:NAME: ..." for archive members).
/// `warnings` (optional) hears of WAV samples outside [-1, 1]. In a folder of .npy files, an
/// output without data is one the ranks of an MPI run write together, open in `files`
/// already: it is only listed.
std::vector<std::string> write_tensor_outputs(io::OutputFiles& files, const TensorOutputPlan& plan,
                                              const std::vector<std::string>& names,
                                              const std::vector<TensorData>& outputs, gr_dtype dtype,
                                              std::ostream* warnings);

}  // namespace graphrun
