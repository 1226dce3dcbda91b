// Reading and writing tensors as .npy (numpy format 1.0), .npz (a zip of .npy files), .csv
// and .wav files.
#pragma once

#include <graphrun/plugin_api.h>

#include <cstdint>
#include <functional>
#include <utility>
#include <stdexcept>
#include <string>
#include <vector>

namespace graphrun::io {

/// A tensor read from a file, held in its own buffer (already converted to the dtype asked).
struct HostArray {
  gr_dtype dtype = GR_F32;
  std::vector<int64_t> shape;
  std::vector<double> f64;  // used when dtype == GR_F64
  std::vector<float> f32;   // used when dtype == GR_F32
  bool from_csv = false;    // a .csv table: its shape is the reader's choice (1-D or 2-D)
  int audio_channels = 0;   // a .wav file: its channels (> 0); shape (frames,) or (channels, frames)
  int sample_rate = 0;      // a .wav file: frames per second
  const void* data() const { return dtype == GR_F64 ? static_cast<const void*>(f64.data()) : f32.data(); }
};

/// Failure to read or write a tensor file; the message names the file and what is wrong.
class FileError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads, by extension, converting to `dtype`:
///  - .npy: float16/32/64, int8..64, uint8..64, bool; C or Fortran order; any byte order;
///  - .npz: `FILE.npz:KEY` reads the member KEY.npy (np.savez or np.savez_compressed);
///    `FILE.npz` alone reads its only member (FileError listing the keys when there are more);
///  - .csv: numbers separated by commas, one row per line, '#' comments, an optional header
///    row (skipped). One column (or one row) is 1-D, else 2-D, unless a leading
///    `# shape: 2,4,3000` comment (what write_tensor records for rank >= 3) gives the shape;
///  - .wav: samples as floats in [-1, 1] (PCM scaled, float kept), shape (frames,) when
///    mono, else (channels, frames); audio_channels and sample_rate say what the file held.
HostArray read_tensor(const std::string& path, gr_dtype dtype);

/// The bytes a .npy file of this dtype and shape starts with: its data follows them (what the
/// ranks of an MPI run write at their blocks' places).
std::string npy_header_bytes(gr_dtype dtype, const std::vector<int64_t>& shape);

/// The shape a .npy file holds, from its header alone; FileError as read_tensor.
std::vector<int64_t> npy_shape(const std::string& path);

/// The block [begin, end) along `axis` of the .npy file `path` (any element type and order
/// read_tensor takes), reading from the file only the bytes of that block: what one rank of
/// a sharded run reads. FileError as read_tensor, or naming the block when it does not lie
/// in the array.
HostArray read_npy_block(const std::string& path, gr_dtype dtype, int axis, int64_t begin, int64_t end);

/// The file of `path` and the member an .npz path names: "a.npz:x" -> {"a.npz", "x"};
/// any other path -> {path, ""}.
std::pair<std::string, std::string> split_npz_member(const std::string& path);

/// Whether `path` names a file of the extension `ext` (".npz", ".wav"; case-insensitive).
bool has_extension(const std::string& path, const std::string& ext);

/// The layouts a .wav file can take as a tensor: (channels, frames), then (frames, channels)
/// (the file's own interleaved order); mono also (frames,). The first whose shape matches
/// `accepts` becomes `a` (transposed as needed); false (and `a` unchanged) when none does.
bool arrange_audio(HostArray& a, const std::function<bool(const std::vector<int64_t>&)>& accepts);

class OutputFiles;

/// Writes `data` (contiguous, row-major) as the file `path` of `files`, .npy or .csv by
/// extension, streamed from `data`; it replaces `path` when files.commit() runs. CSV: rank <= 1
/// one value per line, rank >= 2 the last axis as columns, and for rank >= 3 a first line
/// `# shape: 2,4,3000` (numpy.loadtxt skips it; read_tensor restores the shape); numbers in
/// shortest round-trip form.
void write_tensor(OutputFiles& files, const std::string& path, gr_dtype dtype,
                  const std::vector<int64_t>& shape, const void* data);

/// One named tensor of an .npz archive (contiguous, row-major; not owned).
struct NamedTensor {
  std::string name;
  std::vector<int64_t> shape;
  const void* data = nullptr;
};

/// Writes the tensors as one .npz archive (member <name>.npy each, stored as np.savez does)
/// at `path` of `files`. The archive is assembled in memory, then streamed to the file.
void write_npz(OutputFiles& files, const std::string& path, gr_dtype dtype, const std::vector<NamedTensor>& tensors);

/// Writes a 1-D (frames,) or 2-D (channels, frames) tensor as a float32 WAV file at
/// `sample_rate`. Returns how many samples lie outside [-1, 1] (or are nan): float WAV keeps
/// them, but players clip them. FileError for any other rank or an unwritable layout.
int64_t write_wav(OutputFiles& files, const std::string& path, gr_dtype dtype, const std::vector<int64_t>& shape,
                  const void* data, int sample_rate);

/// Why a tensor of `shape` cannot be a WAV output ("" when it can): the rank, or too many
/// channels for libsndfile.
std::string wav_layout_problem(const std::vector<int64_t>& shape);

/// The same for one file on its own: written, then committed (see io/output_files.h).
void write_tensor(const std::string& path, gr_dtype dtype, const std::vector<int64_t>& shape,
                  const void* data);

/// Shortest text that reads back to the same value, formatted as Python's repr
/// (e.g. 3.769752428099801e+217, 0.1, 1.0, inf, nan); float uses float32's shortest digits.
std::string format_number(double v);
std::string format_number(float v);

}  // namespace graphrun::io
