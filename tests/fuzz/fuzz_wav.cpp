// Harness of the .wav reader (libsndfile behind it): the input is a file's bytes. Decoding
// must give samples or a FileError naming the file; the samples must fill the shape
// (frames,) or (channels, frames) exactly; a float32 WAV written from them reads back the
// same shape, and the same bits where the samples are float32 already.
#include "finding.h"
#include "io/output_files.h"
#include "io/tensor_formats.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <typeinfo>

namespace {

using namespace graphrun;

void check_round_trip(std::string_view bytes) {
  io::HostArray a;
  try {
    a = io::detail::decode_wav("fuzz.wav", bytes, GR_F32);
  } catch (const io::FileError&) {
    return;  // the expected answer to a bad file
  }
  const int64_t n = io::detail::checked_numel("fuzz.wav", a.shape);
  const bool layout = a.audio_channels == 1 ? a.shape.size() == 1
                                            : a.shape.size() == 2 && a.shape[0] == a.audio_channels;
  if (!layout || a.f32.size() != static_cast<size_t>(n))
    fuzz::finding("decoded samples do not match their shape", std::to_string(a.f32.size()) + " values");
  if (a.sample_rate < 1) return;  // libsndfile reads it; writing needs a real rate
  std::string again;
  {
    const int fd = ::memfd_create("again.wav", 0);
    io::OutputFiles files;
    io::write_wav(files, "/dev/fd/" + std::to_string(fd), GR_F32, a.shape, a.data(), a.sample_rate);
    files.commit();
    char buffer[65536];
    ::lseek(fd, 0, SEEK_SET);
    for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;) again.append(buffer, static_cast<size_t>(got));
    ::close(fd);
  }
  const io::HostArray b = io::detail::decode_wav("again.wav", again, GR_F32);
  if (b.shape != a.shape) fuzz::finding("shape changed through a write and read", "");
  for (size_t i = 0; i < a.f32.size(); ++i)
    if (std::memcmp(&a.f32[i], &b.f32[i], sizeof(float)) != 0 && !(std::isnan(a.f32[i]) && std::isnan(b.f32[i])))
      fuzz::finding("value changed through a write and read", "element " + std::to_string(i));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    check_round_trip(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const std::exception& e) {
    fuzz::finding("exception other than FileError", std::string(typeid(e).name()) + ": " + e.what());
  }
  return 0;
}
