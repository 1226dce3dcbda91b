// Harness of the .csv reader: the input is a file's text. Decoding must give an array or a
// FileError naming the file and line (a `# shape:` comment may give any rank); a decoded array must hold exactly the elements its
// shape says, and writing it as .csv (shortest round-trip numbers) and reading that again
// must give the same values (NaN as NaN).
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
bool same_bits(T a, T b) {
  if (std::isnan(a) && std::isnan(b)) return true;  // CSV writes every NaN as "nan"
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <typename T>
void check_round_trip(std::string_view text) {
  constexpr gr_dtype kDtype = sizeof(T) == 8 ? GR_F64 : GR_F32;
  io::HostArray a;
  try {
    a = io::detail::decode_csv("fuzz.csv", text, kDtype);
  } catch (const io::FileError&) {
    return;  // the expected answer to a bad file
  }
  const int64_t n = io::detail::checked_numel("fuzz.csv", a.shape);
  if (a.shape.size() > GR_MAX_RANK || (a.from_csv && (a.shape.empty() || a.shape.size() > 2)) ||
      values<T>(a).size() != static_cast<size_t>(n))
    fuzz::finding("decoded array does not match its shape", std::to_string(values<T>(a).size()) + " values");
  const std::string again =
      fuzz::encoded("again.csv", [&](io::OutputStream& out) { io::detail::write_csv(out, kDtype, a.shape, a.data()); });
  const io::HostArray b = io::detail::decode_csv("again.csv", again, kDtype);
  // A (1, n) or (n, 1) table reads back 1-D, as any one-row or one-column file does; so does
  // a shape of rank <= 2 recorded in a comment (the writer records rank >= 3 only).
  const bool same = b.shape == a.shape || (a.shape.size() <= 2 && io::detail::checked_numel("again.csv", b.shape) == n);
  if (!same) fuzz::finding("shape changed through a write and read", again.substr(0, 200));
  for (size_t i = 0; i < values<T>(a).size(); ++i)
    if (!same_bits(values<T>(a)[i], values<T>(b)[i]))
      fuzz::finding("value changed through a write and read", "element " + std::to_string(i));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    check_round_trip<double>(text);
    check_round_trip<float>(text);
  } catch (const std::exception& e) {
    fuzz::finding("exception other than FileError", std::string(typeid(e).name()) + ": " + e.what());
  }
  return 0;
}
