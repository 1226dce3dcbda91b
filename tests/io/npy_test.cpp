// .npy reading and writing: round trips, every layout numpy writes, refused dtypes, broken files.
#include "io/test_files.h"

#include <cstring>

namespace graphrun::io {
namespace {

using testing::file_error_of;
using testing::npy_with_header;
using testing::same_value;
using testing::slurp;
using testing::spit;
using testing::TempDir;

const std::string kData = std::string(GRAPHRUN_TEST_DATA_DIR) + "/io";

/// Values that exercise signs, zeros, rounding and non-finite numbers.
template <typename T> std::vector<T> sample_values(int64_t n) {
  std::vector<T> v(static_cast<size_t>(n));
  const T specials[] = {T(0.1), T(-0.0), T(1e30), std::numeric_limits<T>::infinity(),
                        -std::numeric_limits<T>::infinity(), std::numeric_limits<T>::quiet_NaN(),
                        std::numeric_limits<T>::denorm_min()};
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] = i < 7 ? specials[i] : static_cast<T>(i) / T(7) - T(3);
  return v;
}

template <typename T> void check_round_trip(gr_dtype dtype, const std::vector<int64_t>& shape) {
  TempDir dir;
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<T> values = sample_values<T>(n);
  std::string path = dir.file("x.npy");
  write_tensor(path, dtype, shape, values.data());
  HostArray back = read_tensor(path, dtype);
  EXPECT_EQ(back.dtype, dtype);
  EXPECT_EQ(back.shape, shape);
  ASSERT_EQ(back.f64.size() + back.f32.size(), values.size());
  if (!values.empty()) {
    EXPECT_EQ(std::memcmp(back.data(), values.data(), values.size() * sizeof(T)), 0);
  }
}

TEST(Npy, RoundTripsEveryShapeAndDtype) {
  for (const auto& shape : std::vector<std::vector<int64_t>>{{}, {0}, {3}, {2, 3, 4}, {7, 0, 2}}) {
    SCOPED_TRACE(::testing::PrintToString(shape));
    check_round_trip<double>(GR_F64, shape);
    check_round_trip<float>(GR_F32, shape);
  }
}

TEST(Npy, WritesExactlyWhatNumpySaves) {
  // tests/data/io/written holds np.save output of (i - 5) * 0.5 in each shape.
  struct Case {
    const char* name;
    gr_dtype dtype;
    std::vector<int64_t> shape;
  };
  for (const Case& c : {Case{"f8_2x3.npy", GR_F64, {2, 3}}, Case{"f4_3.npy", GR_F32, {3}},
                        Case{"f8_scalar.npy", GR_F64, {}}, Case{"f4_empty_0.npy", GR_F32, {0}},
                        Case{"f8_rank8.npy", GR_F64, {2, 1, 2, 1, 2, 1, 2, 1}}}) {
    SCOPED_TRACE(c.name);
    int64_t n = 1;
    for (int64_t d : c.shape) n *= d;
    std::vector<double> f64(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) f64[static_cast<size_t>(i)] = (static_cast<double>(i) - 5) * 0.5;
    std::vector<float> f32(f64.begin(), f64.end());
    TempDir dir;
    write_tensor(dir.file(c.name), c.dtype, c.shape,
                 c.dtype == GR_F64 ? static_cast<const void*>(f64.data()) : f32.data());
    std::string ours = slurp(dir.file(c.name));
    EXPECT_EQ(ours, slurp(kData + "/written/" + c.name));
    EXPECT_EQ((ours.size() - static_cast<size_t>(n) * (c.dtype == GR_F64 ? 8 : 4)) % 64, 0u);
  }
}

std::vector<int64_t> parse_shape(const std::string& text) {
  std::vector<int64_t> shape;
  if (text == "scalar") return shape;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, 'x')) shape.push_back(std::stoll(part));
  return shape;
}

TEST(Npy, ReadsEveryLayoutNumpyWrites) {
  // tests/data/io/npy_cases.txt lists files of every dtype, byte order, memory order and
  // format version, each with <name>.expected.npy: its values as C-order float64.
  std::ifstream manifest(kData + "/npy_cases.txt");
  ASSERT_TRUE(manifest) << "missing " << kData << "/npy_cases.txt (run tools/ref_sources.py)";
  std::string line;
  int cases = 0;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream fields(line);
    std::string name, shape_text;
    fields >> name >> shape_text;
    SCOPED_TRACE(name);
    ++cases;
    std::string path = kData + "/npy/" + name;
    HostArray expected = read_tensor(path.substr(0, path.size() - 4) + ".expected.npy", GR_F64);
    HostArray f64 = read_tensor(path, GR_F64);
    HostArray f32 = read_tensor(path, GR_F32);
    EXPECT_EQ(f64.shape, parse_shape(shape_text));
    EXPECT_EQ(f32.shape, parse_shape(shape_text));
    ASSERT_EQ(f64.f64.size(), expected.f64.size());
    ASSERT_EQ(f32.f32.size(), expected.f64.size());
    for (size_t i = 0; i < expected.f64.size(); ++i) {
      EXPECT_TRUE(same_value(f64.f64[i], expected.f64[i])) << "element " << i << ": " << f64.f64[i];
      EXPECT_TRUE(same_value(f32.f32[i], static_cast<float>(expected.f64[i]))) << "element " << i;
    }
  }
  EXPECT_GE(cases, 30);
}

TEST(Npy, ExpectedFilesHoldTheGeneratedValues) {
  // Anchors the *.expected.npy files (read by the same reader) to the generator's formula.
  HostArray a = read_tensor(kData + "/npy/f8_c_2x3x4.npy", GR_F64);
  ASSERT_EQ(a.f64.size(), 24u);
  for (size_t i = 0; i < 24; ++i) EXPECT_EQ(a.f64[i], (static_cast<double>(i) - 5) * 0.5);
  HostArray f = read_tensor(kData + "/npy/f8_fortran_2x3x4.npy", GR_F64);
  EXPECT_EQ(f.f64, a.f64);
}

TEST(Npy, RefusesTypesWithoutAFloatMeaning) {
  struct Case {
    const char* file;
    const char* reason;
  };
  for (const Case& c : {Case{"complex128.npy", "complex"}, Case{"complex64.npy", "complex"},
                        Case{"object.npy", "object"}, Case{"unicode.npy", "strings"},
                        Case{"bytes.npy", "strings"}, Case{"structured.npy", "structured"},
                        Case{"datetime.npy", "dates"}, Case{"longdouble.npy", "extended precision"},
                        Case{"rank9.npy", "maximum of 8"}}) {
    SCOPED_TRACE(c.file);
    std::string path = kData + "/refused/" + c.file;
    std::string message = file_error_of([&] { read_tensor(path, GR_F64); });
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(c.reason), std::string::npos) << message;
  }
}

std::string doubles(std::initializer_list<double> values) {
  std::string bytes(values.size() * sizeof(double), '\0');
  std::memcpy(bytes.data(), std::data(values), bytes.size());
  return bytes;
}

TEST(Npy, ParsesHandWrittenHeaders) {
  TempDir dir;
  std::string data = doubles({1, 2, 3, 4, 5, 6});
  for (const std::string& dict :
       {std::string("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"),
        std::string("{\"shape\": (2,3), \"descr\": \"<f8\", \"fortran_order\": False}"),
        std::string("{ 'fortran_order' : False , 'shape' : ( 2 , 3 , ) , 'descr' : '<f8' }"),
        std::string("{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 3L)}"),
        std::string("{'descr':'<f8','fortran_order':False,'shape':[2,3]}   ")}) {
    SCOPED_TRACE(dict);
    spit(dir.file("h.npy"), npy_with_header(dict, data));
    HostArray a = read_tensor(dir.file("h.npy"), GR_F64);
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(a.f64, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  }
  spit(dir.file("f.npy"), npy_with_header("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3)}", data));
  EXPECT_EQ(read_tensor(dir.file("f.npy"), GR_F64).f64, (std::vector<double>{1, 3, 5, 2, 4, 6}));
  spit(dir.file("s.npy"), npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': ()}", doubles({7})));
  HostArray s = read_tensor(dir.file("s.npy"), GR_F32);
  EXPECT_TRUE(s.shape.empty());
  EXPECT_EQ(s.f32, std::vector<float>{7});
}

TEST(Npy, BrokenFilesNameTheFileAndTheProblem) {
  TempDir dir;
  std::string good = npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (4,)}",
                                     doubles({1, 2, 3, 4}));
  struct Case {
    const char* name;
    std::string bytes;
    std::vector<std::string> wanted;  // parts of the message
  };
  std::string total = std::to_string(good.size());
  std::string header_only = std::to_string(good.size() - 32);
  for (const Case& c : std::vector<Case>{
           {"truncated_data.npy", good.substr(0, good.size() - 3),
            {"truncated", "expected " + total + " bytes", "found " + std::to_string(good.size() - 3)}},
           {"only_header.npy", good.substr(0, good.size() - 32), {"truncated", "found " + header_only}},
           {"truncated_header.npy", good.substr(0, 20), {"truncated", "found 20"}},
           {"tiny.npy", good.substr(0, 8), {"truncated"}},
           {"empty.npy", "", {"not a .npy file"}},
           {"magic.npy", "\x93NUMPZ" + good.substr(6), {"not a .npy file"}},
           {"text.npy", "hello, world\n", {"not a .npy file"}},
           {"version.npy", good.substr(0, 6) + "\x04" + good.substr(7), {"version 4.0"}},
           {"garbage.npy", npy_with_header("{'descr': '<f8', 'fortran_order': Flase, 'shape': (4,)}", doubles({1, 2, 3, 4})),
            {"bad .npy header", "Flase"}},
           {"no_shape.npy", npy_with_header("{'descr': '<f8', 'fortran_order': False}", doubles({1})),
            {"bad .npy header", "'shape'"}},
           {"negative.npy", npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", ""),
            {"bad .npy header", "'shape'"}},
           {"not_dict.npy", npy_with_header("('<f8', False, (4,))", doubles({1, 2, 3, 4})), {"not a dict"}},
           {"unterminated.npy", npy_with_header("{'descr: '<f8'", ""), {"bad .npy header"}},
           {"descr.npy", npy_with_header("{'descr': '<q9', 'fortran_order': False, 'shape': (1,)}", doubles({1})),
            {"unsupported .npy dtype '<q9'"}},
           {"huge.npy", npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000, 4000000000)}", ""),
            {"too many elements"}},
       }) {
    SCOPED_TRACE(c.name);
    std::string path = dir.file(c.name);
    spit(path, c.bytes);
    std::string message = file_error_of([&] { read_tensor(path, GR_F64); });
    EXPECT_NE(message.find(path), std::string::npos) << message;
    for (const std::string& part : c.wanted) EXPECT_NE(message.find(part), std::string::npos) << message;
  }
}

TEST(TensorFile, MissingFilesAndUnknownTypesAreFileErrors) {
  TempDir dir;
  std::string missing = dir.file("missing.npy");
  std::string message = file_error_of([&] { read_tensor(missing, GR_F64); });
  EXPECT_NE(message.find(missing), std::string::npos);
  EXPECT_NE(message.find("No such file"), std::string::npos) << message;
  spit(dir.file("x.txt"), "1\n");
  message = file_error_of([&] { read_tensor(dir.file("x.txt"), GR_F64); });
  EXPECT_NE(message.find("expected .npy, .npz, .csv or .wav"), std::string::npos) << message;
  message = file_error_of([&] { read_tensor(dir.path().string() + "/", GR_F64); });
  EXPECT_FALSE(message.empty());
  double v = 1;
  message = file_error_of([&] { write_tensor(dir.file("y.bin"), GR_F64, {1}, &v); });
  EXPECT_NE(message.find("expected .npy, .npz, .csv or .wav"), std::string::npos) << message;
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"x.txt"});
}

TEST(TensorFile, ExtensionIsCaseInsensitive) {
  TempDir dir;
  double v[2] = {1.5, -2};
  write_tensor(dir.file("A.NPY"), GR_F64, {2}, v);
  EXPECT_EQ(read_tensor(dir.file("A.NPY"), GR_F64).f64, (std::vector<double>{1.5, -2}));
  write_tensor(dir.file("b.Csv"), GR_F64, {2}, v);
  EXPECT_EQ(read_tensor(dir.file("b.Csv"), GR_F64).f64, (std::vector<double>{1.5, -2}));
}

}  // namespace
}  // namespace graphrun::io
