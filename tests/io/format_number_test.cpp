// format_number against Python's repr(float) and numpy's repr(np.float32), value by value.
#include "io/test_files.h"

#include <cstring>

namespace graphrun::io {
namespace {

const std::string kData = std::string(GRAPHRUN_TEST_DATA_DIR) + "/io";

/// "<hex bits> <text>" lines written by tools/ref_sources.py.
std::vector<std::pair<uint64_t, std::string>> reference_pairs(const std::string& file) {
  std::ifstream in(kData + "/" + file);
  EXPECT_TRUE(in) << "missing " << kData << "/" << file << " (run tools/ref_sources.py)";
  std::vector<std::pair<uint64_t, std::string>> pairs;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.find(' ');
    pairs.emplace_back(std::stoull(line.substr(0, space), nullptr, 16), line.substr(space + 1));
  }
  return pairs;
}

TEST(FormatNumber, DoubleMatchesPythonRepr) {
  auto pairs = reference_pairs("format_f64.txt");
  EXPECT_GE(pairs.size(), 300u);
  for (const auto& [bits, repr] : pairs) {
    double v;
    std::memcpy(&v, &bits, sizeof v);
    EXPECT_EQ(format_number(v), repr) << "bits " << std::hex << bits;
  }
}

TEST(FormatNumber, FloatMatchesNumpyFloat32Repr) {
  auto pairs = reference_pairs("format_f32.txt");
  EXPECT_GE(pairs.size(), 300u);
  for (const auto& [bits, repr] : pairs) {
    uint32_t b = static_cast<uint32_t>(bits);
    float v;
    std::memcpy(&v, &b, sizeof v);
    EXPECT_EQ(format_number(v), repr) << "bits " << std::hex << b;
  }
}

TEST(FormatNumber, TextReadsBackToTheSameValue) {
  for (const auto& [bits, repr] : reference_pairs("format_f64.txt")) {
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (std::isnan(v)) continue;
    EXPECT_EQ(std::strtod(format_number(v).c_str(), nullptr), v);
  }
}

}  // namespace
}  // namespace graphrun::io
