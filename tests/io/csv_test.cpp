// .csv reading and writing: round trips, the accepted syntax, shapes, and error messages.
#include "io/test_files.h"

namespace graphrun::io {
namespace {

using testing::file_error_of;
using testing::same_value;
using testing::slurp;
using testing::spit;
using testing::TempDir;
using testing::values_of;

template <typename T>
void check_round_trip(gr_dtype dtype, const std::vector<int64_t>& shape,
                      const std::vector<int64_t>& read_shape) {
  TempDir dir;
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  const T specials[] = {T(0.1), T(-0.0), T(1e-7), std::numeric_limits<T>::infinity(),
                        -std::numeric_limits<T>::infinity(), std::numeric_limits<T>::quiet_NaN(),
                        std::numeric_limits<T>::denorm_min(), std::numeric_limits<T>::max()};
  std::vector<T> values(static_cast<size_t>(n));
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = i < 8 ? specials[i] : static_cast<T>(i) / T(3) - T(1e5);
  std::string path = dir.file("x.csv");
  write_tensor(path, dtype, shape, values.data());
  HostArray back = read_tensor(path, dtype);
  EXPECT_EQ(back.shape, read_shape);
  std::vector<double> got = values_of(back);
  ASSERT_EQ(got.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_TRUE(same_value(static_cast<T>(got[i]), values[i])) << "element " << i;
}

TEST(Csv, RoundTripsWithShortestDigits) {
  // Rank <= 1 is a column, rank 2 a table; rank >= 3 records its shape in a comment.
  struct Case {
    std::vector<int64_t> shape, read_shape;
  };
  for (const Case& c : {Case{{}, {1}}, Case{{0}, {0}}, Case{{3}, {3}}, Case{{9}, {9}},
                        Case{{2, 3, 4}, {2, 3, 4}}, Case{{2, 1, 1, 3}, {2, 1, 1, 3}}, Case{{0, 2, 5}, {0, 2, 5}}, Case{{4, 2}, {4, 2}}}) {
    SCOPED_TRACE(::testing::PrintToString(c.shape));
    check_round_trip<double>(GR_F64, c.shape, c.read_shape);
    check_round_trip<float>(GR_F32, c.shape, c.read_shape);
  }
}

TEST(Csv, WritesReprText) {
  TempDir dir;
  double f64[] = {0.1, 1e16, -0.0, 1e-05, 2.0, std::numeric_limits<double>::quiet_NaN()};
  write_tensor(dir.file("a.csv"), GR_F64, {2, 3}, f64);
  EXPECT_EQ(slurp(dir.file("a.csv")), "0.1,1e+16,-0.0\n1e-05,2.0,nan\n");
  float f32[] = {0.1f, 123456789.0f, -std::numeric_limits<float>::infinity()};
  write_tensor(dir.file("b.csv"), GR_F32, {3}, f32);
  EXPECT_EQ(slurp(dir.file("b.csv")), "0.1\n123456790.0\n-inf\n");
}

TEST(Csv, AcceptsCommentsSpacesAndSpecialNumbers) {
  TempDir dir;
  spit(dir.file("a.csv"),
       "# a comment line\n"
       "\n"
       "  1, 2.5 ,+3 # trailing comment\r\n"
       "\t-4,1e2,  inf\n"
       "   \n"
       "-inf, nan,NaN\n"
       "Infinity, 1e400, -1e-400\n");
  HostArray a = read_tensor(dir.file("a.csv"), GR_F64);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{4, 3}));
  double inf = std::numeric_limits<double>::infinity();
  std::vector<double> want = {1, 2.5, 3, -4, 100, inf, -inf, NAN, NAN, inf, inf, -0.0};
  ASSERT_EQ(a.f64.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(same_value(a.f64[i], want[i])) << i;
  HostArray f = read_tensor(dir.file("a.csv"), GR_F32);
  EXPECT_TRUE(same_value(f.f32[10], std::numeric_limits<float>::infinity()));
}

TEST(Csv, ParsesFloat32Directly) {
  // 0.1 read as float is the float nearest to 0.1, not a double rounded again.
  TempDir dir;
  spit(dir.file("a.csv"), "0.1\n3.4028235e38\n1e-45\n");
  HostArray a = read_tensor(dir.file("a.csv"), GR_F32);
  EXPECT_EQ(a.f32, (std::vector<float>{0.1f, std::numeric_limits<float>::max(),
                                       std::numeric_limits<float>::denorm_min()}));
}

TEST(Csv, ShapeFollowsRowsAndColumns) {
  TempDir dir;
  struct Case {
    const char* text;
    std::vector<int64_t> shape;
  };
  for (const Case& c : {Case{"1,2,3\n", {3}}, Case{"1\n2\n3\n", {3}}, Case{"1,2\n3,4\n5,6\n", {3, 2}},
                        Case{"7", {1}}, Case{"", {0}}, Case{"# only a comment\n\n", {0}}}) {
    SCOPED_TRACE(c.text);
    spit(dir.file("s.csv"), c.text);
    EXPECT_EQ(read_tensor(dir.file("s.csv"), GR_F64).shape, c.shape);
  }
}

TEST(Csv, ErrorsNameTheFileAndLine) {
  TempDir dir;
  struct Case {
    const char* text;
    const char* where;
    const char* what;
  };
  // Columns count bytes from 1; a row's length error points at its first extra value, or
  // at its end when it is short.
  for (const Case& c : {Case{"1,2,3\n# c\n4,5\n", ":3:4: ", "2 values, but line 1 has 3"},
                        Case{"1,2\n3,4,5\n", ":2:5: ", "3 values, but line 1 has 2"},
                        Case{"1\n2, abc\n", ":2:4: ", "'abc' is not a number"},
                        Case{"1,,2\n", ":1:3: ", "value 2 is empty"},
                        Case{"1,2,\n", ":1:5: ", "value 3 is empty"},
                        Case{"1;2\n", ":1:1: ", "'1;2' is not a number"},
                        Case{"0x10\n", ":1:1: ", "not a number"},
                        Case{"+-1\n", ":1:1: ", "not a number"},
                        Case{"1 2\n", ":1:1: ", "not a number"},
                        Case{"x,y\n", ":1:1: ", "'x' is not a number"},
                        Case{"x,y\n1,2,3\n", ":2:5: ", "3 values, but the header on line 1 has 2 names"},
                        Case{"x,2\n3,4\n", ":1:1: ", "'x' is not a number"},
                        Case{"a,b\n1,2\n3,4x\n", ":3:3: ", "'4x' is not a number"},
                        Case{"# shape: 2,x\n1,2\n", ":1:1: ", "expected sizes separated by commas"},
                        Case{"# shape: 2,3\n1,2\n3,4\n", ":1: ", "the recorded shape (2, 3) needs 6 values in rows of 3"},
                        Case{"# shape: 1,2,2\n1,2\n3,4\n5,6\n", ":1: ", "(1, 2, 2) needs 4 values"}}) {
    SCOPED_TRACE(c.text);
    std::string path = dir.file("bad.csv");
    spit(path, c.text);
    std::string message = file_error_of([&] { read_tensor(path, GR_F64); });
    EXPECT_NE(message.find(path + c.where), std::string::npos) << message;
    EXPECT_NE(message.find(c.what), std::string::npos) << message;
  }
}

TEST(Csv, AHeaderRowAndAByteOrderMarkAreSkipped) {
  TempDir dir;
  for (const char* text : {"time,value\n0,1.5\n1,2.5\n", "\xEF\xBB\xBF" "0,1.5\n1,2.5\n",
                           "\xEF\xBB\xBF" "\"t\", _v  # names\n0,1.5\n1,2.5\n"}) {
    SCOPED_TRACE(text);
    spit(dir.file("h.csv"), text);
    HostArray a = read_tensor(dir.file("h.csv"), GR_F64);
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 2}));
    EXPECT_EQ(a.f64[1], 1.5);
    EXPECT_EQ(a.f64[3], 2.5);
  }
  // nan and inf are numbers, not names: such a first row is data.
  spit(dir.file("n.csv"), "nan,inf\n1,2\n");
  EXPECT_EQ(read_tensor(dir.file("n.csv"), GR_F64).shape, (std::vector<int64_t>{2, 2}));
}

}  // namespace
}  // namespace graphrun::io
