// Harness of the .npy reader: the input is a file's bytes. Decoding must give an array or a
// FileError naming the file; a decoded array must hold exactly the elements its shape says,
// and writing it back as .npy and reading that again must give the same shape and bits.
#include "encoded.h"
#include "finding.h"
#include "io/tensor_formats.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <typeinfo>

namespace {

using namespace graphrun;
using fuzz::values;

template <typename T>
void check_round_trip(std::string_view bytes) {
  constexpr gr_dtype kDtype = sizeof(T) == 8 ? GR_F64 : GR_F32;
  io::HostArray a;
  try {
    a = io::detail::decode_npy("fuzz.npy", bytes, kDtype);
  } catch (const io::FileError&) {
    return;  // the expected answer to a bad file
  }
  const int64_t n = io::detail::checked_numel("fuzz.npy", a.shape);
  if (a.shape.size() > GR_MAX_RANK || values<T>(a).size() != static_cast<size_t>(n) || a.dtype != kDtype)
    fuzz::finding("decoded array does not match its shape", std::to_string(values<T>(a).size()) + " values");
  const std::string again =
      fuzz::encoded("again.npy", [&](io::OutputStream& out) { io::detail::write_npy(out, kDtype, a.shape, a.data()); });
  const io::HostArray b = io::detail::decode_npy("again.npy", again, kDtype);
  if (b.shape != a.shape) fuzz::finding("shape changed through a write and read", "");
  if (n > 0 && std::memcmp(values<T>(a).data(), values<T>(b).data(), static_cast<size_t>(n) * sizeof(T)) != 0)
    fuzz::finding("values changed through a write and read", "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    check_round_trip<double>(bytes);
    check_round_trip<float>(bytes);
  } catch (const std::exception& e) {
    fuzz::finding("exception other than FileError", std::string(typeid(e).name()) + ": " + e.what());
  }
  return 0;
}
