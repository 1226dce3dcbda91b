// .wav signals through libsndfile: read from the file's bytes (virtual I/O, so a FIFO works
// and the fuzz harness needs no file), written as float32 WAV into memory and then streamed
// to the output file (a WAV header is finished by seeking back, which a FIFO cannot do).
#include "io/tensor_formats.h"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

namespace graphrun::io {
namespace {

constexpr int kMaxChannels = 1024;  // libsndfile's limit (SF_MAX_CHANNELS)

/// A growable in-memory file for libsndfile's virtual I/O.
struct MemoryFile {
  std::string bytes;           // written or read
  std::string_view view;       // what is read (bytes when writing)
  sf_count_t position = 0;
  bool writable = false;
  std::string_view content() const { return writable ? std::string_view(bytes) : view; }
};

sf_count_t memory_length(void* user) { return static_cast<sf_count_t>(static_cast<MemoryFile*>(user)->content().size()); }

sf_count_t memory_seek(sf_count_t offset, int whence, void* user) {
  auto* f = static_cast<MemoryFile*>(user);
  sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f->position : memory_length(user);
  sf_count_t target = base + offset;
  if (target < 0) return -1;
  f->position = target;
  return target;
}

sf_count_t memory_read(void* ptr, sf_count_t count, void* user) {
  auto* f = static_cast<MemoryFile*>(user);
  std::string_view all = f->content();
  if (count <= 0 || f->position >= static_cast<sf_count_t>(all.size())) return 0;
  size_t n = std::min(static_cast<size_t>(count), all.size() - static_cast<size_t>(f->position));
  std::memcpy(ptr, all.data() + f->position, n);
  f->position += static_cast<sf_count_t>(n);
  return static_cast<sf_count_t>(n);
}

sf_count_t memory_write(const void* ptr, sf_count_t count, void* user) {
  auto* f = static_cast<MemoryFile*>(user);
  if (!f->writable || count < 0) return 0;
  size_t end = static_cast<size_t>(f->position) + static_cast<size_t>(count);
  if (f->bytes.size() < end) f->bytes.resize(end);
  std::memcpy(f->bytes.data() + f->position, ptr, static_cast<size_t>(count));
  f->position = static_cast<sf_count_t>(end);
  return count;
}

sf_count_t memory_tell(void* user) { return static_cast<MemoryFile*>(user)->position; }

SF_VIRTUAL_IO memory_io() { return {memory_length, memory_seek, memory_read, memory_write, memory_tell}; }

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using Sndfile = std::unique_ptr<SNDFILE, SndfileCloser>;

template <typename T> sf_count_t read_frames(SNDFILE* f, T* out, sf_count_t frames) {
  if constexpr (sizeof(T) == sizeof(double))
    return sf_readf_double(f, out, frames);
  else
    return sf_readf_float(f, out, frames);
}

/// All frames, interleaved. The header's frame count only sizes the first reservation (a
/// broken header may claim more than the file holds).
template <typename T> std::vector<T> read_interleaved(const std::string& path, SNDFILE* f, const SF_INFO& info) {
  std::vector<T> samples;
  const auto channels = static_cast<size_t>(info.channels);
  samples.reserve(static_cast<size_t>(std::clamp<sf_count_t>(info.frames, 0, sf_count_t{1} << 20)) * channels);
  // Blocks of about 64 Ki samples, whatever the channel count.
  const sf_count_t kBlockFrames = std::max<sf_count_t>(1, (sf_count_t{1} << 16) / info.channels);
  while (true) {
    const size_t used = samples.size();
    samples.resize(used + static_cast<size_t>(kBlockFrames) * channels);
    const sf_count_t got = read_frames(f, samples.data() + used, kBlockFrames);
    samples.resize(used + static_cast<size_t>(std::max<sf_count_t>(got, 0)) * channels);
    if (got <= 0) break;
  }
  if (sf_error(f) != SF_ERR_NO_ERROR) throw FileError(path + ": cannot read the samples: " + sf_strerror(f));
  return samples;
}

/// (frames, channels) interleaved -> (channels, frames).
template <typename T> std::vector<T> deinterleave(const std::vector<T>& in, size_t channels) {
  std::vector<T> out(in.size());
  const size_t frames = channels ? in.size() / channels : 0;
  for (size_t f = 0; f < frames; ++f)
    for (size_t c = 0; c < channels; ++c) out[c * frames + f] = in[f * channels + c];
  return out;
}

template <typename T> std::vector<T> interleave(const T* in, size_t channels, size_t frames) {
  std::vector<T> out(channels * frames);
  for (size_t c = 0; c < channels; ++c)
    for (size_t f = 0; f < frames; ++f) out[f * channels + c] = in[c * frames + f];
  return out;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

namespace detail {

HostArray decode_wav(const std::string& path, std::string_view bytes, gr_dtype dtype) {
  MemoryFile file;
  file.view = bytes;
  SF_VIRTUAL_IO io = memory_io();
  SF_INFO info{};
  Sndfile f(sf_open_virtual(&io, SFM_READ, &info, &file));
  if (!f) throw FileError(path + ": not a WAV file libsndfile can read (" + sf_strerror(nullptr) + ")");
  const int major = info.format & SF_FORMAT_TYPEMASK;
  if (major != SF_FORMAT_WAV && major != SF_FORMAT_WAVEX && major != SF_FORMAT_RF64) {
    SF_FORMAT_INFO format{};
    format.format = major;
    sf_command(nullptr, SFC_GET_FORMAT_INFO, &format, sizeof format);
    throw FileError(path + ": is " + (format.name ? std::string(format.name) : "another format") +
                    ", not WAV (name the file by what it is; only .wav is read)");
  }
  if (info.channels < 1 || info.channels > kMaxChannels)
    throw FileError(path + ": " + std::to_string(info.channels) + " channels; a WAV input has 1 to " +
                    std::to_string(kMaxChannels));
  HostArray out;
  out.dtype = dtype;
  out.audio_channels = info.channels;
  out.sample_rate = info.samplerate;
  const auto channels = static_cast<size_t>(info.channels);
  size_t samples = 0;
  if (dtype == GR_F64) {
    out.f64 = read_interleaved<double>(path, f.get(), info);
    samples = out.f64.size();
    if (channels > 1) out.f64 = deinterleave(out.f64, channels);
  } else {
    out.f32 = read_interleaved<float>(path, f.get(), info);
    samples = out.f32.size();
    if (channels > 1) out.f32 = deinterleave(out.f32, channels);
  }
  const auto frames = static_cast<int64_t>(samples / channels);
  out.shape = channels == 1 ? std::vector<int64_t>{frames} : std::vector<int64_t>{info.channels, frames};
  return out;
}

}  // namespace detail

bool arrange_audio(HostArray& a, const std::function<bool(const std::vector<int64_t>&)>& accepts) {
  if (a.audio_channels <= 0) return false;
  const int64_t channels = a.audio_channels;
  const int64_t frames = a.shape.size() == 1 ? a.shape[0] : a.shape[1];
  if (accepts({channels, frames}) || (channels == 1 && accepts({frames}))) {
    a.shape = accepts({channels, frames}) ? std::vector<int64_t>{channels, frames} : std::vector<int64_t>{frames};
    return true;
  }
  if (!accepts({frames, channels})) return false;
  a.shape = {frames, channels};
  const auto c = static_cast<size_t>(channels), f = static_cast<size_t>(frames);
  if (channels > 1) {
    if (a.dtype == GR_F64)
      a.f64 = interleave(a.f64.data(), c, f);
    else
      a.f32 = interleave(a.f32.data(), c, f);
  }
  return true;
}

std::string wav_layout_problem(const std::vector<int64_t>& shape) {
  if (shape.size() != 1 && shape.size() != 2)
    return "a WAV output is 1-D (frames,) or 2-D (channels, frames); this one has shape " + shape_text(shape);
  if (shape.size() == 2 && (shape[0] < 1 || shape[0] > kMaxChannels))
    return "shape " + shape_text(shape) + " would be " + std::to_string(shape[0]) +
           " channels; a WAV output is (channels, frames) with 1 to " + std::to_string(kMaxChannels) +
           " channels (transpose a (frames, channels) tensor)";
  return "";
}

int64_t write_wav(OutputFiles& files, const std::string& path, gr_dtype dtype, const std::vector<int64_t>& shape,
                  const void* data, int sample_rate) {
  if (std::string problem = wav_layout_problem(shape); !problem.empty()) throw FileError(path + ": " + problem);
  const int64_t n = detail::checked_numel(path, shape);
  const int channels = shape.size() == 2 ? static_cast<int>(shape[0]) : 1;
  const auto frames = static_cast<size_t>(n / channels);
  // float32 samples, interleaved: an f64 tensor is rounded to float32 here.
  std::vector<float> samples;
  if (dtype == GR_F64) {
    const auto* d = static_cast<const double*>(data);
    samples.assign(d, d + n);
  } else {
    const auto* s = static_cast<const float*>(data);
    samples.assign(s, s + n);
  }
  if (channels > 1) samples = interleave(samples.data(), static_cast<size_t>(channels), frames);
  const int64_t outside = std::count_if(samples.begin(), samples.end(), [](float v) { return !(std::fabs(v) <= 1.0f); });
  MemoryFile file;
  file.writable = true;
  SF_VIRTUAL_IO io = memory_io();
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = channels;
  // Above 4 GiB a RIFF WAV cannot say its size: RF64 then (libsndfile reads both).
  const bool large = static_cast<uint64_t>(n) * sizeof(float) > (uint64_t{1} << 32) - (1 << 20);
  info.format = (large ? SF_FORMAT_RF64 : SF_FORMAT_WAV) | SF_FORMAT_FLOAT;
  if (!sf_format_check(&info))
    throw FileError(path + ": libsndfile cannot write " + std::to_string(channels) + " channels at " +
                    std::to_string(sample_rate) + " Hz");
  {
    Sndfile f(sf_open_virtual(&io, SFM_WRITE, &info, &file));
    if (!f) throw FileError(path + ": cannot start the WAV file: " + sf_strerror(nullptr));
    // No PEAK chunk: readers such as scipy's warn about chunks they do not know.
    sf_command(f.get(), SFC_SET_ADD_PEAK_CHUNK, nullptr, SF_FALSE);
    if (frames > 0 && sf_writef_float(f.get(), samples.data(), static_cast<sf_count_t>(frames)) !=
                          static_cast<sf_count_t>(frames))
      throw FileError(path + ": cannot write the samples: " + sf_strerror(f.get()));
  }  // sf_close finishes the header
  files.write(path, file.bytes);
  return outside;
}

}  // namespace graphrun::io
