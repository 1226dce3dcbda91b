// Harness of the .npz reader: the input is an archive's bytes. Decoding its only member (or,
// when it holds several, the one named "x") must give an array or a FileError naming the
// file; a decoded array must hold exactly the elements its shape says, and writing it into
// an archive of its own and reading that again must give the same shape and bits.
#include "encoded.h"
#include "finding.h"
#include "io/tensor_formats.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <typeinfo>

namespace {

using namespace graphrun;
using fuzz::values;

template <typename T>
void check_round_trip(std::string_view bytes, const std::string& member) {
  constexpr gr_dtype kDtype = sizeof(T) == 8 ? GR_F64 : GR_F32;
  io::HostArray a;
  try {
    a = io::detail::decode_npz("fuzz.npz", member, bytes, kDtype);
  } catch (const io::FileError&) {
    return;  // the expected answer to a bad file
  }
  const int64_t n = io::detail::checked_numel("fuzz.npz", a.shape);
  if (a.shape.size() > GR_MAX_RANK || values<T>(a).size() != static_cast<size_t>(n) || a.dtype != kDtype)
    fuzz::finding("decoded array does not match its shape", std::to_string(values<T>(a).size()) + " values");
  // The archive goes through a set of output files onto an in-memory file.
  std::string again;
  {
    const int fd = ::memfd_create("again.npz", 0);
    io::OutputFiles files;
    io::write_npz(files, "/dev/fd/" + std::to_string(fd), kDtype, {{"x", a.shape, a.data()}});
    files.commit();
    char buffer[65536];
    ::lseek(fd, 0, SEEK_SET);
    for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;) again.append(buffer, static_cast<size_t>(got));
    ::close(fd);
  }
  const io::HostArray b = io::detail::decode_npz("again.npz", "x", again, kDtype);
  if (b.shape != a.shape) fuzz::finding("shape changed through a write and read", "");
  if (n > 0 && std::memcmp(values<T>(a).data(), values<T>(b).data(), static_cast<size_t>(n) * sizeof(T)) != 0)
    fuzz::finding("values changed through a write and read", "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    for (const char* member : {"", "x"}) {
      check_round_trip<double>(bytes, member);
      check_round_trip<float>(bytes, member);
    }
  } catch (const std::exception& e) {
    fuzz::finding("exception other than FileError", std::string(typeid(e).name()) + ": " + e.what());
  }
  return 0;
}
