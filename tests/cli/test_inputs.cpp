// Input files: one rule for `--input` and `read` nodes. A file must have the declared shape
// (only a .csv table takes the declared shape of the same size); a bad file is exit code 2
// either way, with the file named, never an internal error or a crash.
#include "io/test_files.h"
#include "support/command.h"

#include <io/tensor_file.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace graphrun::testing {
namespace {

const std::string kData = std::string(GRAPHRUN_TEST_DATA_DIR) + "/io";

std::string write_file(const TempDir& dir, const std::string& name, const std::string& bytes) {
  std::string path = dir.path() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

/// A graph with one input `x` declared `shape`, whose output is x * 2.
std::string input_graph(const TempDir& dir, const std::string& shape) {
  return write_file(dir, "in.yaml",
                    "format: 1\ngraph: in\ndtype: f64\ninputs:\n  x: {shape: " + shape +
                        "}\nnodes:\n  - {id: y, op: scale, in: [x], a: 2, b: 0}\noutputs: [y]\n");
}

/// A graph whose node `r` reads `path`.
std::string read_graph(const TempDir& dir, const std::string& path) {
  return write_file(dir, "read.yaml",
                    "format: 1\ngraph: rd\ndtype: f64\nnodes:\n  - {id: r, op: read, path: \"" + path +
                        "\"}\noutputs: [r]\n");
}

std::string npy_file(const TempDir& dir, const std::string& name, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<double> values(static_cast<size_t>(n));
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i + 1);
  std::string path = dir.path() + "/" + name;
  io::write_tensor(path, GR_F64, shape, values.data());
  return path;
}

TEST(Inputs, ANpyOfAnotherShapeIsRefusedEvenWithTheSameSize) {
  TempDir dir;
  std::string g = input_graph(dir, "[2, 3]");
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{3, 2}, {1, 6, 1}, {6}}) {
    std::string file = npy_file(dir, "x.npy", shape);
    CommandResult r = run_graphrun({"run", g, "--input", "x=" + file});
    std::string shape_text = shape.size() == 1 ? "(6,)" : shape.size() == 2 ? "(3, 2)" : "(1, 6, 1)";
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("--input x: " + file + " has shape " + shape_text + ", the graph declares (2, 3)"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("only a .csv table is reshaped"), std::string::npos) << r.err;
  }
  CommandResult ok = run_graphrun({"run", g, "--input", "x=" + npy_file(dir, "x.npy", {2, 3})});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("y: f64 (2, 3) = [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]]"), std::string::npos) << ok.out;
}

TEST(Inputs, ACsvTableTakesTheDeclaredShapeOfTheSameSize) {
  TempDir dir;
  std::string file = write_file(dir, "x.csv", "1,2\n3,4\n5,6\n");
  CommandResult r = run_graphrun({"run", input_graph(dir, "[2, 3]"), "--input", "x=" + file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("y: f64 (2, 3) = [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]]"), std::string::npos) << r.out;
  CommandResult three = run_graphrun({"run", input_graph(dir, "[1, 6, 1]"), "--input", "x=" + file});
  ASSERT_EQ(three.exit_code, 0) << three.err;
  EXPECT_NE(three.out.find("y: f64 (1, 6, 1)"), std::string::npos) << three.out;
  // Another size, or an axis of any size: the table's own shape must match.
  CommandResult wrong = run_graphrun({"run", input_graph(dir, "[2, 2]"), "--input", "x=" + file});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find(file + " has shape (3, 2), the graph declares (2, 2) (-1 = any size)"), std::string::npos)
      << wrong.err;
  CommandResult open = run_graphrun({"run", input_graph(dir, "[2, -1]"), "--input", "x=" + file});
  EXPECT_EQ(open.exit_code, 2);
  EXPECT_NE(open.err.find("has shape (3, 2), the graph declares (2, -1)"), std::string::npos) << open.err;
}

TEST(Inputs, ExplainAppliesTheSameRule) {
  TempDir dir;
  std::string file = npy_file(dir, "x.npy", {3, 2});
  CommandResult r = run_graphrun({"explain", input_graph(dir, "[2, 3]"), "--input", "x=" + file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("has shape (3, 2), the graph declares (2, 3)"), std::string::npos) << r.err;
}

TEST(Inputs, AnInputGivenTwiceIsAUsageError) {
  TempDir dir;
  std::string file = npy_file(dir, "x.npy", {2, 3});
  CommandResult r = run_graphrun({"run", input_graph(dir, "[2, 3]"), "--input", "x=" + file, "--input", "x=" + file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--input x: given twice"), std::string::npos) << r.err;
}

std::string doubles(int n) {
  std::string bytes(static_cast<size_t>(n) * sizeof(double), '\0');
  for (int i = 0; i < n; ++i) {
    double v = i;
    std::memcpy(bytes.data() + i * sizeof(double), &v, sizeof v);
  }
  return bytes;
}

TEST(Inputs, BrokenFilesAreExitTwoForInputAndReadNodesAlike) {
  // Every broken file the readers know, given both ways: same exit code, the file named.
  TempDir dir;
  struct Case {
    std::string name, bytes, wanted;
  };
  std::string good = io::testing::npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}", doubles(6));
  std::string ones_40;
  for (int i = 0; i < 40; ++i) ones_40 += "1, ";
  std::vector<Case> cases = {
      {"truncated.npy", good.substr(0, good.size() - 5), "truncated .npy file"},
      {"magic.npy", "\x93NUMPZ" + good.substr(6), "not a .npy file"},
      {"empty.npy", "", "not a .npy file"},
      {"empty.csv", "", ""},  // an empty table is shape (0,): refused by the shape check
      {"ragged.csv", "1,2,3\n4,5\n", "2 values, but line 1 has 3"},
      {"text.csv", "1,2,3\n4,five,6\n", "'five' is not a number"},
      {"hole.csv", "1,,3\n4,5,6\n", "value 2 is empty"},
      {"complex.npy", io::testing::npy_with_header("{'descr': '<c16', 'fortran_order': False, 'shape': (2, 3)}", doubles(12)),
       "complex numbers are not supported"},
      {"object.npy", io::testing::npy_with_header("{'descr': '|O', 'fortran_order': False, 'shape': (2, 3)}", doubles(6)),
       "object arrays"},
      {"huge.npy", io::testing::npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4)}", ""),
       "too many elements"},
      {"bytes.npy", io::testing::npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,)}", ""),
       "too large"},
      {"bigdim.npy", io::testing::npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", ""),
       "integer too large"},
      {"negative.npy", io::testing::npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, -3)}", ""),
       "'shape' holds something else than sizes >= 0"},
      {"rank40.npy", io::testing::npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (" + ones_40 + ")}", doubles(1)),
       "40 dimensions, more than the maximum of 8"},
      {"folder.npy", "", "is a folder"},
      {"device.npy", "", "is a device or socket, not a file"},  // a link to /dev/null
      {"missing.npy", "", "No such file"},
      {"data.txt", "1\n", "expected .npy, .npz, .csv or .wav"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = dir.path() + "/" + c.name;
    if (c.name == "folder.npy")
      std::filesystem::create_directory(path);
    else if (c.name == "device.npy")
      std::filesystem::create_symlink("/dev/null", path);
    else if (c.name != "missing.npy")
      write_file(dir, c.name, c.bytes);
    CommandResult input = run_graphrun({"run", input_graph(dir, "[2, 3]"), "--input", "x=" + path});
    EXPECT_EQ(input.exit_code, 2) << input.err;
    EXPECT_NE(input.err.find("--input x: " + path), std::string::npos) << input.err;
    EXPECT_NE(input.err.find(c.wanted), std::string::npos) << input.err;
    EXPECT_EQ(input.err.find("internal error"), std::string::npos) << input.err;
    if (c.name == "empty.csv") continue;  // an empty table is a valid (0,) tensor for `read`
    CommandResult read = run_graphrun({"run", read_graph(dir, path)});
    EXPECT_EQ(read.exit_code, 2) << read.err;
    EXPECT_NE(read.err.find(path), std::string::npos) << read.err;
    EXPECT_NE(read.err.find(c.wanted), std::string::npos) << read.err;
    EXPECT_EQ(read.err.find("internal error"), std::string::npos) << read.err;
  }
}

TEST(Inputs, RankNineIsRefusedBothWays) {
  TempDir dir;
  std::string path = kData + "/refused/rank9.npy";
  CommandResult input = run_graphrun({"run", input_graph(dir, "[2, 3]"), "--input", "x=" + path});
  EXPECT_EQ(input.exit_code, 2);
  EXPECT_NE(input.err.find("more than the maximum of 8"), std::string::npos) << input.err;
  CommandResult read = run_graphrun({"check", read_graph(dir, path)});
  EXPECT_EQ(read.exit_code, 2);
  EXPECT_NE(read.err.find("more than the maximum of 8"), std::string::npos) << read.err;
}

TEST(Inputs, NumpyLayoutsAndNonFiniteTextAreRead) {
  // Fortran order and big-endian files are transposed and swapped; nan and inf parse in CSV.
  TempDir dir;
  std::string g = input_graph(dir, "[2, 3]");
  std::string fortran = write_file(
      dir, "f.npy", io::testing::npy_with_header("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3)}", doubles(6)));
  CommandResult f = run_graphrun({"run", g, "--input", "x=" + fortran});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_NE(f.out.find("[[0.0, 4.0, 8.0], [2.0, 6.0, 10.0]]"), std::string::npos) << f.out;
  std::string swapped = doubles(6);
  for (size_t i = 0; i < swapped.size(); i += 8) std::reverse(swapped.begin() + i, swapped.begin() + i + 8);
  std::string big = write_file(dir, "b.npy", io::testing::npy_with_header("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3)}", swapped));
  CommandResult b = run_graphrun({"run", g, "--input", "x=" + big});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.out.find("[[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]"), std::string::npos) << b.out;
  std::string csv = write_file(dir, "n.csv", "nan,inf,-inf\n1,NaN,+2\n");
  CommandResult n = run_graphrun({"run", g, "--input", "x=" + csv});
  ASSERT_EQ(n.exit_code, 0) << n.err;
  EXPECT_NE(n.out.find("[[nan, inf, -inf], [2.0, nan, 4.0]]"), std::string::npos) << n.out;
}

}  // namespace
}  // namespace graphrun::testing
