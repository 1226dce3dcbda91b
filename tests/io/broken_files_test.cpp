// Mutated .npy and .csv files: whatever the bytes, reading gives a tensor or a FileError
// naming the file; never another exception, a crash or (under ASan) an out-of-bounds access.
#include "io/tensor_formats.h"
#include "io/test_files.h"

#include <random>

namespace graphrun::io {
namespace {

/// Decodes `bytes` as the file `path` (in memory: the decoders are what is tested); "" when
/// it gives a tensor, the message of a FileError, or "other: ..." for anything else (the
/// failure this test looks for).
std::string outcome(const std::string& path, const std::string& bytes) {
  try {
    HostArray a = path.ends_with(".npy") ? detail::decode_npy(path, bytes, GR_F64) : detail::decode_csv(path, bytes, GR_F64);
    int64_t n = 1;
    for (int64_t d : a.shape) n *= d;
    if (static_cast<size_t>(n) != a.f64.size()) return "other: shape and data disagree";
    return "";
  } catch (const FileError& e) {
    std::string message = e.what();
    return message.find(path) == std::string::npos ? "other: message without the file: " + message : message;
  } catch (const std::exception& e) {
    return std::string("other: ") + e.what();
  }
}

std::string valid_npy() {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
  header += std::string(64 - (10 + header.size() + 1) % 64, ' ') + "\n";
  std::string bytes = "\x93NUMPY\x01";
  bytes += '\0';
  bytes += static_cast<char>(header.size());
  bytes += '\0';
  bytes += header;
  for (int i = 0; i < 6; ++i) {
    double v = i * 0.5;
    bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  return bytes;
}

TEST(BrokenFiles, MutatedNpyHeadersGiveATensorOrAFileError) {
  const std::string good = valid_npy();
  const std::string path = "m.npy";
  std::mt19937 random(12345);
  const std::string alphabet = "0123456789-(),:'\" {}[]LTrueFalsNonedscriptho_<>|=f8i4u2b1?cOUSVMm\x93\xff\n";
  int tensors = 0, errors = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = good;
    int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = std::min<size_t>(random() % 80, bytes.size());  // the header and the first data
      switch (random() % 4) {
        case 0: bytes[at] = alphabet[random() % alphabet.size()]; break;
        case 1: bytes.insert(at, 1, alphabet[random() % alphabet.size()]); break;
        case 2: if (at < bytes.size()) bytes.erase(at, 1); break;
        default: bytes.resize(std::min(bytes.size(), at + random() % 64)); break;
      }
    }
    std::string result = outcome(path, bytes);
    ASSERT_EQ(result.rfind("other: ", 0), std::string::npos) << result;
    (result.empty() ? tensors : errors)++;
  }
  EXPECT_GT(errors, 1000);  // the mutations do break files
}

TEST(BrokenFiles, MutatedCsvGivesATensorOrAFileError) {
  const std::string good = "# t, x\n0, 1.5\n1, -2.5e3\n2, nan\n";
  const std::string path = "m.csv";
  std::mt19937 random(54321);
  const std::string alphabet = "0123456789.,-+eE#\n\r\t naif\"x\xef\xbb\xbf";
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = good;
    for (int e = 0; e < 3; ++e) {
      size_t at = random() % (bytes.size() + 1);
      if (random() % 2)
        bytes.insert(at, 1, alphabet[random() % alphabet.size()]);
      else if (at < bytes.size())
        bytes.erase(at, 1);
    }
    std::string result = outcome(path, bytes);
    ASSERT_EQ(result.rfind("other: ", 0), std::string::npos) << result << "\n" << bytes;
  }
}

}  // namespace
}  // namespace graphrun::io
