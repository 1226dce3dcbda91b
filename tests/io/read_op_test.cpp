// The `read` op of the io plugin, run by the real host through graphrun::testing: attribute
// checks, shape inference (which reads the file), prepare, the kernel and release.
#include "io/test_files.h"

#include <graphrun/testing.hpp>

#include <sstream>
#include <thread>

namespace graphrun::io {
namespace {

using graphrun::testing::Array;
using graphrun::testing::Failure;
using graphrun::testing::OpTest;
using graphrun::testing::OutputInfo;
using testing::TempDir;

/// A `read` node of `file` in a graph of `dtype`.
OpTest read_node(const std::string& file, const char* dtype = "f64") {
  return OpTest("read").dtype(dtype).attr("path", graphrun::testing::yaml_quote(file));
}

/// The Failure f throws; fails the test when it throws none.
template <typename F> Failure failure_of(F&& f) {
  try {
    f();
  } catch (const Failure& e) {
    return e;
  }
  ADD_FAILURE() << "no Failure thrown";
  return Failure(0, "");
}

/// The 1-based number of the line of `text` that contains `part`, or 0.
int line_containing(const std::string& text, const std::string& part) {
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find(part) != std::string::npos) return n;
  return 0;
}

TEST(ReadOp, PathIsARequiredAttribute) {
  Failure f = failure_of([] { OpTest("read").infer(); });
  EXPECT_EQ(f.exit_code(), 2);
  EXPECT_NE(std::string(f.what()).find("'path'"), std::string::npos) << f.what();
}

TEST(ReadOp, ReadsNpzMembersAndWavFiles) {
  const std::string formats = std::string(GRAPHRUN_TEST_DATA_DIR) + "/io/formats/";
  const HostArray k = read_tensor(formats + "k.expected.npy", GR_F64);
  Array member = read_node(formats + "savez_compressed.npz:k").run().at("out");
  EXPECT_EQ(member.shape, k.shape);
  EXPECT_EQ(member.values, k.f64);
  const HostArray wav = read_tensor(formats + "stereo_pcm16.expected.npy", GR_F64);
  Array samples = read_node(formats + "stereo_pcm16.wav").run().at("out");
  EXPECT_EQ(samples.shape, wav.shape);
  EXPECT_EQ(samples.values, wav.f64);
  Failure f = failure_of([&] { read_node(formats + "savez.npz").infer(); });
  EXPECT_EQ(f.exit_code(), 2);
  EXPECT_NE(std::string(f.what()).find("the archive holds 3 arrays (x, y, k)"), std::string::npos) << f.what();
}

TEST(ReadOp, ReadsNpyAndCsvInTheGraphDtype) {
  TempDir dir;
  std::vector<double> values = {0.1, -2, 3.5, 4, 5, 6};
  write_tensor(dir.file("a.npy"), GR_F64, {2, 3}, values.data());
  EXPECT_EQ(read_node(dir.file("a.npy")).infer(), (std::vector<OutputInfo>{{"out", {2, 3}}}));
  Array f64 = read_node(dir.file("a.npy")).run().at("out");
  EXPECT_EQ(f64.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(f64.values, values);
  Array f32 = read_node(dir.file("a.npy"), "f32").run().at("out");
  EXPECT_EQ(f32.shape, (std::vector<int64_t>{2, 3}));
  std::vector<double> rounded;
  for (double v : values) rounded.push_back(static_cast<float>(v));
  EXPECT_EQ(f32.values, rounded);
  testing::spit(dir.file("b.csv"), "# x\n1, 2\n3, 4.25\n");
  Array csv = read_node(dir.file("b.csv")).run().at("out");
  EXPECT_EQ(csv.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(csv.values, (std::vector<double>{1, 2, 3, 4.25}));
}

TEST(ReadOp, ScalarAndEmptyFiles) {
  TempDir dir;
  double v = 42;
  write_tensor(dir.file("s.npy"), GR_F64, {}, &v);
  Array s = read_node(dir.file("s.npy")).run().at("out");
  EXPECT_TRUE(s.shape.empty());
  EXPECT_EQ(s.values, std::vector<double>{42});
  write_tensor(dir.file("e.npy"), GR_F32, {0, 4}, nullptr);
  Array e = read_node(dir.file("e.npy"), "f32").run().at("out");
  EXPECT_EQ(e.shape, (std::vector<int64_t>{0, 4}));
  EXPECT_TRUE(e.values.empty());
}

TEST(ReadOp, BadFilesAreGraphErrorsAtThePathAttribute) {
  TempDir dir;
  testing::spit(dir.file("bad.csv"), "1,2\n3\n");
  testing::spit(dir.file("bad.npy"), "not numpy");
  for (const std::string& file : {dir.file("missing.npy"), dir.file("bad.csv"), dir.file("bad.npy"),
                                  dir.file("x.txt")}) {
    SCOPED_TRACE(file);
    OpTest node = read_node(file);
    Failure f = failure_of([&] { node.infer(); });
    EXPECT_EQ(f.exit_code(), 2);
    const std::string at = "test.yaml:" + std::to_string(line_containing(node.graph_text(), "path:")) + ":";
    EXPECT_EQ(std::string(f.what()).rfind(at, 0), 0u) << f.what() << "\n" << node.graph_text();
    EXPECT_NE(std::string(f.what()).find(file), std::string::npos) << f.what();
  }
  Failure ragged = failure_of([&] { read_node(dir.file("bad.csv")).infer(); });
  EXPECT_NE(std::string(ragged.what()).find("bad.csv:2:"), std::string::npos) << ragged.what();
}

TEST(ReadOp, SeesAFileThatChangedBetweenRuns) {
  TempDir dir;
  std::vector<double> first = {1, 2, 3};
  write_tensor(dir.file("a.npy"), GR_F64, {3}, first.data());
  OpTest node = read_node(dir.file("a.npy"));
  EXPECT_EQ(node.run().at("out").values, first);
  // A new file (new inode, usually the same mtime second): the cache must notice.
  std::vector<double> second = {4, 5};
  write_tensor(dir.file("a.npy"), GR_F64, {2}, second.data());
  EXPECT_EQ(node.run().at("out").values, second);
}

TEST(ReadOp, ManyNodesReadTheSameFileConcurrently) {
  TempDir dir;
  std::vector<double> values(1000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i) * 0.25;
  write_tensor(dir.file("big.npy"), GR_F64, {10, 100}, values.data());
  read_node(dir.file("big.npy")).infer();  // the built-in plugins are loaded before the threads start
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (int k = 0; k < 8; ++k)
    threads.emplace_back([&, k] { ok[static_cast<size_t>(k)] = read_node(dir.file("big.npy")).run().at("out").values == values; });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, std::vector<int>(8, 1));
}

}  // namespace
}  // namespace graphrun::io
