// read_npy_block: every block along every axis of the files numpy wrote (every dtype, byte
// order, memory order, format version) equals that slice of numpy's own C-order values.
#include "io/test_files.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace graphrun::io {
namespace {

using testing::file_error_of;

const std::string kData = std::string(GRAPHRUN_TEST_DATA_DIR) + "/io";

// The block [begin, end) along `axis` of a C-order array, by index arithmetic.
std::vector<double> slice(const HostArray& a, int axis, int64_t begin, int64_t end) {
  int64_t outer = 1, inner = 1;
  for (int k = 0; k < axis; ++k) outer *= a.shape[static_cast<size_t>(k)];
  for (size_t k = static_cast<size_t>(axis) + 1; k < a.shape.size(); ++k) inner *= a.shape[k];
  const int64_t span = a.shape[static_cast<size_t>(axis)];
  std::vector<double> out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = begin * inner; i < end * inner; ++i) out.push_back(a.f64[static_cast<size_t>(o * span * inner + i)]);
  return out;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

TEST(NpyBlock, EveryBlockOfEveryFileIsItsSlice) {
  std::ifstream manifest(kData + "/npy_cases.txt");
  ASSERT_TRUE(manifest) << "missing " << kData << "/npy_cases.txt (run tools/ref_sources.py)";
  std::string line;
  int blocks = 0;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string name = line.substr(0, line.find(' '));
    SCOPED_TRACE(name);
    const std::string path = kData + "/npy/" + name;
    // numpy's values in C order, in the file's own shape (a 0-d array's expected file is 1-d)
    HostArray expected = read_tensor(path.substr(0, path.size() - 4) + ".expected.npy", GR_F64);
    expected.shape = read_tensor(path, GR_F64).shape;
    EXPECT_EQ(npy_shape(path), expected.shape);
    for (int axis = 0; axis < static_cast<int>(expected.shape.size()); ++axis) {
      const int64_t n = expected.shape[static_cast<size_t>(axis)];
      for (int64_t begin = 0; begin <= n; ++begin)
        for (int64_t end = begin; end <= n; ++end) {
          SCOPED_TRACE("axis " + std::to_string(axis) + " [" + std::to_string(begin) + ", " + std::to_string(end) + ")");
          const HostArray block = read_npy_block(path, GR_F64, axis, begin, end);
          std::vector<int64_t> shape = expected.shape;
          shape[static_cast<size_t>(axis)] = end - begin;
          EXPECT_EQ(block.shape, shape);
          EXPECT_TRUE(same_bits(block.f64, slice(expected, axis, begin, end)));
          const HostArray f32 = read_npy_block(path, GR_F32, axis, begin, end);
          EXPECT_EQ(f32.f32.size(), block.f64.size());
          ++blocks;
        }
    }
  }
  EXPECT_GT(blocks, 100);
}

TEST(NpyBlock, ABlockOutsideTheArrayIsRefused) {
  const std::string path = kData + "/npy/f8_c_2x3x4.npy";
  EXPECT_NE(file_error_of([&] { read_npy_block(path, GR_F64, 1, 2, 4); }).find("no block [2, 4) along axis 1"),
            std::string::npos);
  EXPECT_NE(file_error_of([&] { read_npy_block(path, GR_F64, 3, 0, 1); }).find("along axis 3"), std::string::npos);
  EXPECT_NE(file_error_of([&] { read_npy_block(path, GR_F64, 0, 1, 0); }).find("no block"), std::string::npos);
}

TEST(NpyBlock, ATruncatedFileSaysSo) {
  testing::TempDir dir;
  const std::string whole = testing::slurp(kData + "/npy/f8_c_2x3x4.npy");
  const std::string path = dir.file("cut.npy");
  testing::spit(path, whole.substr(0, whole.size() - 8));
  EXPECT_NE(file_error_of([&] { read_npy_block(path, GR_F64, 0, 1, 2); }).find("truncated"), std::string::npos);
  EXPECT_NO_THROW(read_npy_block(path, GR_F64, 0, 0, 1));  // the first block is all there
  testing::spit(path, "not a numpy file at all");
  EXPECT_NE(file_error_of([&] { npy_shape(path); }).find("not a .npy file"), std::string::npos);
}

}  // namespace
}  // namespace graphrun::io
