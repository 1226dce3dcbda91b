// The `read` op of the io plugin, driven through its C ABI by a minimal stand-in for the host.
#include "io/test_files.h"

#include <graphrun/plugin_api.h>

#include <dlfcn.h>

#include <cstring>
#include <thread>

// This stand-in host's side of gr_outputs: the last output declared.
struct gr_outputs {
  int count = 0;
  gr_tensor tensor{};
};

namespace graphrun::io {
namespace {

using testing::TempDir;

/// Loads libgraphrun_io.so and keeps the descriptor of its `read` op.
class IoPlugin {
 public:
  IoPlugin() {
    std::string path = std::string(GRAPHRUN_PLUGIN_DIR) + "/libgraphrun_io.so";
    handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
    auto init = reinterpret_cast<gr_plugin_init_fn>(::dlsym(handle_, GRAPHRUN_PLUGIN_INIT_SYMBOL));
    if (!init) throw std::runtime_error("no " GRAPHRUN_PLUGIN_INIT_SYMBOL);
    host_.api_version = GRAPHRUN_API_VERSION;
    host_.struct_size = sizeof host_;
    host_.declare_output = [](gr_outputs* outs, const char*, const gr_tensor* t, gr_status*) {
      outs->tensor = *t;
      ++outs->count;
      return static_cast<int>(GR_OK);
    };
    host_.parallel_for = [](int64_t begin, int64_t end, int64_t grain,
                            void (*body)(void*, int64_t, int64_t), void* context) {
      for (int64_t b = begin; b < end; b += grain) body(context, b, std::min(end, b + grain));
    };
    gr_registrar reg{};
    reg.struct_size = sizeof reg;
    reg.api_version = GRAPHRUN_API_VERSION;
    reg.host = &host_;
    reg.host_data = this;
    reg.register_op = [](gr_registrar* self, const gr_op_desc* op, gr_status*) {
      static_cast<IoPlugin*>(self->host_data)->ops_.push_back(*op);
      return static_cast<int>(GR_OK);
    };
    reg.refuse_version = [](gr_registrar*, uint32_t) {};
    reg.refuse = [](gr_registrar*, const char*) {};
    if (init(&reg) != GR_OK) throw std::runtime_error("init failed");
  }
  ~IoPlugin() { ::dlclose(handle_); }
  const gr_op_desc* op(std::string_view name) const {
    for (const gr_op_desc& op : ops_)
      if (name == op.name) return &op;
    return nullptr;
  }
  const gr_host* host() const { return &host_; }

 private:
  void* handle_ = nullptr;
  gr_host host_{};
  std::vector<gr_op_desc> ops_;
};

/// A `read` node with attribute path, as the host hands it to the op.
struct ReadNode {
  ReadNode(const IoPlugin& plugin, const std::string& file, gr_dtype dtype) : path(file) {
    attr.kind = GR_VALUE_STRING;
    attr.s = path.c_str();
    node.struct_size = sizeof node;
    node.id = "r";
    node.dtype = dtype;
    node.num_attrs = 1;
    node.attr_names = names;
    node.attrs = &attr;
    node.host = plugin.host();
  }
  std::string path;
  const char* names[1] = {"path"};
  gr_value attr{};
  gr_node node{};
};

class ReadOp : public ::testing::Test {
 protected:
  IoPlugin plugin;
  const gr_op_desc* read = plugin.op("read");
  TempDir dir;

  void SetUp() override {
    ASSERT_NE(read, nullptr);
    ASSERT_EQ(read->num_attrs, 1);
    EXPECT_STREQ(read->attrs[0]->name, "path");
    EXPECT_EQ(read->attrs[0]->type, GR_ATTR_STRING);
    EXPECT_TRUE(read->attrs[0]->required);
    ASSERT_NE(read->infer, nullptr);
    ASSERT_NE(read->cpu_kernel, nullptr);
  }

  /// Runs infer, prepare, the kernel and release; returns the output's shape and values.
  template <typename T> std::pair<std::vector<int64_t>, std::vector<T>> run(ReadNode& n) {
    gr_outputs outs{};
    gr_status st{};
    EXPECT_EQ(read->infer(read->user, &n.node, &outs, &st), GR_OK) << st.message;
    EXPECT_EQ(outs.count, 1);
    gr_tensor t = outs.tensor;
    gr_tensor* out_ptrs[] = {&t};
    std::vector<int64_t> shape(t.shape, t.shape + t.rank);
    int64_t count = 1;
    for (int64_t d : shape) count *= d;
    std::vector<T> data(static_cast<size_t>(count));
    t.data = data.data();
    void* state = nullptr;
    if (read->prepare) {
      EXPECT_EQ(read->prepare(read->user, &n.node, &state, &st), GR_OK) << st.message;
    }
    n.node.state = state;
    EXPECT_EQ(read->cpu_kernel(read->user, &n.node, out_ptrs, 1, &st), GR_OK) << st.message;
    if (read->release) read->release(read->user, state);
    n.node.state = nullptr;
    return {shape, data};
  }
};

TEST_F(ReadOp, ReadsNpyAndCsvInTheGraphDtype) {
  std::vector<double> values = {0.1, -2, 3.5, 4, 5, 6};
  write_tensor(dir.file("a.npy"), GR_F64, {2, 3}, values.data());
  ReadNode f64(plugin, dir.file("a.npy"), GR_F64);
  auto [shape, data] = run<double>(f64);
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(data, values);
  ReadNode f32(plugin, dir.file("a.npy"), GR_F32);
  auto [shape32, data32] = run<float>(f32);
  EXPECT_EQ(shape32, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(data32, std::vector<float>(values.begin(), values.end()));
  testing::spit(dir.file("b.csv"), "# x\n1, 2\n3, 4.25\n");
  ReadNode csv(plugin, dir.file("b.csv"), GR_F64);
  auto [shape_csv, data_csv] = run<double>(csv);
  EXPECT_EQ(shape_csv, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(data_csv, (std::vector<double>{1, 2, 3, 4.25}));
}

TEST_F(ReadOp, ScalarAndEmptyFiles) {
  double v = 42;
  write_tensor(dir.file("s.npy"), GR_F64, {}, &v);
  ReadNode s(plugin, dir.file("s.npy"), GR_F64);
  auto [shape, data] = run<double>(s);
  EXPECT_TRUE(shape.empty());
  EXPECT_EQ(data, std::vector<double>{42});
  write_tensor(dir.file("e.npy"), GR_F32, {0, 4}, nullptr);
  ReadNode e(plugin, dir.file("e.npy"), GR_F32);
  auto [eshape, edata] = run<float>(e);
  EXPECT_EQ(eshape, (std::vector<int64_t>{0, 4}));
  EXPECT_TRUE(edata.empty());
}

TEST_F(ReadOp, BadFilesAreUserErrorsAboutPath) {
  testing::spit(dir.file("bad.csv"), "1,2\n3\n");
  testing::spit(dir.file("bad.npy"), "not numpy");
  for (const std::string& file : {dir.file("missing.npy"), dir.file("bad.csv"), dir.file("bad.npy"),
                                  dir.file("x.txt")}) {
    SCOPED_TRACE(file);
    ReadNode n(plugin, file, GR_F64);
    gr_outputs outs{};
    gr_status st{};
    EXPECT_EQ(read->infer(read->user, &n.node, &outs, &st), GR_USER_ERROR);
    EXPECT_STREQ(st.attr, "path");
    EXPECT_NE(std::string(st.message).find(file), std::string::npos) << st.message;
  }
  ReadNode ragged(plugin, dir.file("bad.csv"), GR_F64);
  gr_outputs outs{};
  gr_status st{};
  read->infer(read->user, &ragged.node, &outs, &st);
  EXPECT_NE(std::string(st.message).find("bad.csv:2:"), std::string::npos) << st.message;
}

TEST_F(ReadOp, SeesAFileThatChangedBetweenRuns) {
  std::vector<double> first = {1, 2, 3};
  write_tensor(dir.file("a.npy"), GR_F64, {3}, first.data());
  ReadNode n(plugin, dir.file("a.npy"), GR_F64);
  EXPECT_EQ(run<double>(n).second, first);
  // A new file (new inode, usually the same mtime second): the cache must notice.
  std::vector<double> second = {4, 5};
  write_tensor(dir.file("a.npy"), GR_F64, {2}, second.data());
  EXPECT_EQ(run<double>(n).second, second);
}

TEST_F(ReadOp, ManyNodesReadTheSameFileConcurrently) {
  std::vector<double> values(1000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i) * 0.25;
  write_tensor(dir.file("big.npy"), GR_F64, {10, 100}, values.data());
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (int k = 0; k < 8; ++k)
    threads.emplace_back([&, k] {
      ReadNode n(plugin, dir.file("big.npy"), GR_F64);
      ok[static_cast<size_t>(k)] = run<double>(n).second == values;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, std::vector<int>(8, 1));
}

}  // namespace
}  // namespace graphrun::io
