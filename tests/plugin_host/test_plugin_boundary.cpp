// The plugin boundary as a third party meets it: an older minor API version keeps working,
// the host refuses broken descriptors at load time, failures are blamed on the right party,
// crashes name the node, and GRAPHRUN_PLUGIN_PATH mistakes are explained.
#include "support/command.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace graphrun::testing {
namespace {

std::string plugin(const std::string& name) { return std::string(TEST_PLUGIN_DIR) + "/lib" + name + ".so"; }

// Writes a graph that loads `plugins` and has `nodes` (YAML lines), returns its path.
std::string write_graph(const TempDir& dir, const std::string& plugin_name, const std::string& nodes,
                        const std::string& outputs) {
  std::string path = dir.path() + "/g.yaml";
  std::ofstream(path) << "format: 1\ngraph: t\ndtype: f64\nplugins: [" << plugin(plugin_name) << "]\nnodes:\n"
                      << nodes << "outputs: [" << outputs << "]\n";
  return path;
}

// A one-node graph: op `op` of the misbehaving plugin on a constant x.
std::string misbehaving(const TempDir& dir, const std::string& op, const std::string& attrs = "") {
  return write_graph(dir, "test_misbehaving",
                     "  - {id: x, op: constant, value: [1.0, 2.0, 3.0]}\n"
                     "  - {id: n, op: " + op + ", in: [x]" + attrs + "}\n",
                     "n");
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(PluginAbi, APluginBuiltAgainstTheOlderMinorHeaderLoadsAndRuns) {
  TempDir dir;
  std::string g = write_graph(dir, "test_old_minor",
                              "  - {id: x, op: constant, value: [1.0, -2.0]}\n"
                              "  - {id: c, op: old_cube, in: [x], offset: 0.5}\n"
                              "  - {id: r, op: old_repeat, in: [c], times: 3, gain: 2}\n",
                              "c, r");
  CommandResult r = run_graphrun({"run", g});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "c: f64 (2,) = [1.5, -7.5]")) << r.out;
  EXPECT_TRUE(has(r.out, "r: f64 (2, 3) = [[3.0, 3.0, 3.0], [-15.0, -15.0, -15.0]]")) << r.out;
  // Its descriptor is shorter than this host's (no version field): the rest reads as zero.
  CommandResult ops = run_graphrun({"ops", "old_repeat", "--plugin", plugin("test_old_minor")});
  ASSERT_EQ(ops.exit_code, 0) << ops.err;
  EXPECT_TRUE(has(ops.out, "built for plugin API 2.0")) << ops.out;
}

TEST(PluginAbi, DeviceServicesAskedFromACpuKernelGiveNothingAndScratchFailsNamingTheNode) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", misbehaving(dir, "device_services_on_cpu")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "n: f64 (3,) = [0.0, 0.0, -1.0]")) << r.out;  // no stream, capability 0
  CommandResult s = run_graphrun({"run", misbehaving(dir, "device_scratch_on_cpu")});
  EXPECT_EQ(s.exit_code, 1) << s.err;
  EXPECT_TRUE(has(s.err, "node 'n'")) << s.err;
  EXPECT_TRUE(has(s.err, "device_scratch: called outside a CUDA kernel call")) << s.err;
}

// API 2.5's generated CUDA kernels: outside a cuda_kernel each call fails, naming itself and
// the node; program_cuda answers anywhere (the CUDA text of a program).
TEST(PluginAbi, GeneratedKernelServicesFromACpuKernelFailNamingTheNode) {
  TempDir dir;
  for (const char* op : {"cuda_function", "cuda_launch", "cuda_check"}) {
    CommandResult r = run_graphrun({"run", misbehaving(dir, std::string(op) + "_on_cpu")});
    EXPECT_EQ(r.exit_code, 1) << op << ": " << r.err;
    EXPECT_TRUE(has(r.err, "node 'n'")) << r.err;
    EXPECT_TRUE(has(r.err, std::string(op) + ": called outside a CUDA kernel call")) << r.err;
  }
  CommandResult p = run_graphrun({"run", misbehaving(dir, "program_cuda_on_cpu")});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_TRUE(has(p.out, "n: f64 (3,) = [1.0, 1.0, -1.0]")) << p.out;
}

TEST(PluginAbi, TheHostRefusesEachBrokenDescriptorNamingPluginAndOp) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"null_name", "an op without a name"},
      {"negative_count", "op 'broken': a negative number of input ports (-1)"},
      {"count_without_list", "op 'broken': 1 input ports but a null list"},
      {"null_port", "op 'broken': input ports #0 is a null pointer"},
      {"nameless_port", "op 'broken': input ports #0 has no name"},
      {"duplicate_port", "op 'broken': two output ports named 'out'"},
      {"unknown_attr_type", "op 'broken': attribute 'n' has an unknown type 99"},
      {"default_of_other_kind", "op 'broken': attribute 'n' has a default of another kind than its type"},
      {"unknown_flag", "op 'broken': unknown flag bits 64"},
      {"cuda_epilogue_alone", "op 'broken': flag GR_OP_CUDA_EPILOGUE without GR_OP_EPILOGUE"},
      {"cuda_epilogue_from_2_4", "op 'broken': unknown flag bits 16"},
      {"no_infer", "op 'broken': an op that is not elementwise needs an infer function"},
      {"no_kernel", "op 'broken': an op that is not elementwise needs a CPU kernel"},
      {"no_outputs", "op 'broken': an op without outputs"},
      {"tiny_struct", "op descriptor has struct_size 8, smaller than any layout this graphrun knows"},
      {"newer_minor", "newer than this graphrun's"},
  };
  for (const auto& [name, message] : cases) {
    SCOPED_TRACE(name);
    ::setenv("GRAPHRUN_TEST_CASE", name.c_str(), 1);
    CommandResult r = run_graphrun({"ops", "--plugin", plugin("test_bad_descriptors")});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(has(r.err, "plugin " + plugin("test_bad_descriptors") + ": ")) << r.err;
    EXPECT_TRUE(has(r.err, message)) << r.err;
  }
  for (const char* sound : {"none", "cuda_epilogue"}) {  // the sound descriptors load
    SCOPED_TRACE(sound);
    ::setenv("GRAPHRUN_TEST_CASE", sound, 1);
    CommandResult ok = run_graphrun({"ops", "broken", "--plugin", plugin("test_bad_descriptors")});
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
  }
  ::unsetenv("GRAPHRUN_TEST_CASE");
}

TEST(PluginAbi, OpDefRefusesTheSameMistakesWhenTheDescriptorIsBuilt) {
  CommandResult r = run_graphrun({"ops", "--plugin", plugin("test_opdef_mistake")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "op 'kernelless': an op that is not elementwise needs a cpu() kernel")) << r.err;
  ::setenv("GRAPHRUN_TEST_CASE", "device_epilogue_alone", 1);
  CommandResult fold = run_graphrun({"ops", "--plugin", plugin("test_opdef_mistake")});
  ::unsetenv("GRAPHRUN_TEST_CASE");
  EXPECT_EQ(fold.exit_code, 2);
  EXPECT_TRUE(has(fold.err, "op 'folding': applies_epilogue_on_device() without supports_epilogue()")) << fold.err;
}

TEST(PluginBlame, AnInferThatThrowsIsTheRuntimeFaultOfThePlugin) {
  TempDir dir;
  CommandResult r = run_graphrun({"check", misbehaving(dir, "infer_throws")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "g.yaml:7:10: node 'n' (op 'infer_throws' from plugin " + plugin("test_misbehaving") +
                             "): infer failed: infer broke"))
      << r.err;
}

TEST(PluginBlame, AUserErrorFromInferPointsAtThePort) {
  TempDir dir;
  CommandResult r = run_graphrun({"check", misbehaving(dir, "infer_user_error")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "g.yaml:7:40: node 'n': x must be positive")) << r.err;
}

TEST(PluginBlame, InferOutputsAreChecked) {
  TempDir dir;
  CommandResult many = run_graphrun({"check", misbehaving(dir, "too_many_outputs")});
  EXPECT_EQ(many.exit_code, 1);
  EXPECT_TRUE(has(many.err, "(op 'too_many_outputs' from plugin")) << many.err;
  EXPECT_TRUE(has(many.err, "infer declared 2 outputs, the op has 1")) << many.err;
  CommandResult negative = run_graphrun({"check", misbehaving(dir, "negative_dim")});
  EXPECT_EQ(negative.exit_code, 1);
  EXPECT_TRUE(has(negative.err, "an output with a negative dimension (-3)")) << negative.err;
}

TEST(PluginBlame, AFailingPrepareIsBlamedOnThePluginAndReleasesEarlierStates) {
  TempDir dir;
  std::string g = write_graph(dir, "test_misbehaving",
                              "  - {id: x, op: constant, value: [1.0, 2.0]}\n"
                              "  - {id: p, op: prepared, in: [x]}\n"
                              "  - {id: q, op: prepare_throws, in: [p]}\n",
                              "q");
  // Under the sanitizer build, a leaked state from `prepared` fails this run at exit.
  CommandResult r = run_graphrun({"run", g});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(has(r.err, "node 'q' (op 'prepare_throws' from plugin " + plugin("test_misbehaving") +
                             "): prepare failed: prepare broke"))
      << r.err;
  EXPECT_FALSE(has(r.err, "LeakSanitizer")) << r.err;
}

TEST(PluginBlame, ABrokenFormulaOfThePluginIsNotTheUsersError) {
  TempDir dir;
  CommandResult r = run_graphrun({"check", misbehaving(dir, "bad_formula")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "(op 'bad_formula' from plugin " + plugin("test_misbehaving") +
                             "): the op's own formula \"x +* 2\" is invalid"))
      << r.err;
}

TEST(PluginFormula, AFormulaLongerThanTheHostsFirstBufferIsAskedForAgain) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", misbehaving(dir, "long_formula")});  // 16 KiB of formula
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "n: f64 (3,) = [2.0, 4.0, 6.0]")) << r.out;
}

// A user's expr of `terms` x's, "x   +   x   + ...": 9 bytes a term, over 8 KiB from 911 terms.
std::string chain_graph(const TempDir& dir, int terms) {
  std::string sum = "x";
  for (int i = 1; i < terms; ++i) sum += "   +   x";
  return write_graph(dir, "test_misbehaving",
                     "  - {id: x, op: constant, value: [1.0, 2.0, 3.0]}\n"
                     "  - {id: n, op: expr, in: {x: x}, expr: \"" + sum + "\"}\n",
                     "n");
}

TEST(PluginFormula, AUsersExprOfAThousandTermsRuns) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", chain_graph(dir, 1000)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "n: f64 (3,) = [1000.0, 2000.0, 3000.0]")) << r.out;
}

TEST(PluginFormula, ALongerChainIsRefusedAtItsPlaceNotByACrash) {
  TempDir dir;
  CommandResult r = run_graphrun({"check", chain_graph(dir, 4001)});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  // Line 7 of write_graph's file, whose column 42 starts the formula; the 1000th '+' (the
  // 1001st level) is 8 * 1000 - 4 bytes into it.
  EXPECT_TRUE(has(r.err, "g.yaml:7:" + std::to_string(42 + 8 * 1000 - 4))) << r.err;
  EXPECT_TRUE(has(r.err, "formula too long: more than 1000 operations in one chain")) << r.err;
}

TEST(PluginBlame, AnExceptionInAParallelForBodyIsCarriedOutOfTheHost) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", misbehaving(dir, "throws_in_parallel_for")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "node 'n' (op 'throws_in_parallel_for' from " + plugin("test_misbehaving") +
                             ") failed: chunk 500 failed"))
      << r.err;
}

TEST(PluginAttrs, AnIntegerDefaultReadsBackAsAnInt) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", misbehaving(dir, "int_default")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "n: f64 (3,) = [3.0, 3.0, 3.0]")) << r.out;
  CommandResult given = run_graphrun({"run", misbehaving(dir, "int_default", ", n: 5")});
  EXPECT_TRUE(has(given.out, "n: f64 (3,) = [5.0, 5.0, 5.0]")) << given.out;
  CommandResult ops = run_graphrun({"ops", "int_default", "--plugin", plugin("test_misbehaving")});
  EXPECT_TRUE(has(ops.out, "int")) << ops.out;
}

TEST(PluginAttrs, ReadingAnAttributeAsTheWrongKindIsAPluginBug) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", misbehaving(dir, "wrong_kind")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "attribute 'gain' is a float, read as an int")) << r.err;
}

TEST(PluginProgress, AKernelMayReportItsProgress) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", misbehaving(dir, "reports_progress")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "n: f64 (3,) = [1.0, 1.0, 1.0]")) << r.out;
}

TEST(PluginCrash, ASegfaultInAWorkerNamesTheNodeOpAndPluginThenDiesBySignal) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", misbehaving(dir, "segfaults"), "--threads", "2"});
  EXPECT_EQ(r.exit_code, 128 + SIGSEGV) << r.err;
  EXPECT_TRUE(has(r.err, "graphrun: crashed with SIGSEGV (invalid memory access) in node 'n' (op 'segfaults' from plugin " +
                             plugin("test_misbehaving") + ")"))
      << r.err;
}

TEST(PluginCrash, AnArithmeticExceptionIsReportedToo) {
  TempDir dir;
  CommandResult r = run_graphrun({"run", misbehaving(dir, "raises_sigfpe")});
  EXPECT_EQ(r.exit_code, 128 + SIGFPE) << r.err;
  EXPECT_TRUE(has(r.err, "crashed with SIGFPE (arithmetic exception) in node 'n' (op 'raises_sigfpe'")) << r.err;
}

// Runs `graphrun ARGS` with GRAPHRUN_PLUGIN_PATH set; returns exit code and stderr.
CommandResult with_plugin_path(const std::string& path, const std::string& args) {
  TempDir dir;
  std::string err = dir.path() + "/err";
  std::string cmd = "GRAPHRUN_PLUGIN_PATH='" + path + "' " + GRAPHRUN_EXE + " " + args + " > /dev/null 2> " + err;
  int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_text(err);
  return r;
}

TEST(PluginPath, AMissingOrNonFolderEntryWarnsOnce) {
  TempDir dir;
  std::ofstream(dir.path() + "/file") << "x";
  CommandResult r = with_plugin_path(dir.path() + "/nowhere:" + dir.path() + "/file", "ops exp");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.err, "warning: GRAPHRUN_PLUGIN_PATH entry " + dir.path() + "/nowhere is missing")) << r.err;
  EXPECT_TRUE(has(r.err, "warning: GRAPHRUN_PLUGIN_PATH entry " + dir.path() + "/file is not a folder")) << r.err;
  EXPECT_EQ(r.err.find("nowhere"), r.err.rfind("nowhere")) << "warned twice: " << r.err;
}

TEST(PluginPath, ABrokenLibraryIsSkippedAndNamedWhenAnOpIsMissing) {
  TempDir dir;
  std::ofstream(dir.path() + "/libbroken.so") << "not a shared library";
  CommandResult ok = with_plugin_path(dir.path(), "ops exp");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(has(ok.err, "warning: skipping plugin " + dir.path() + "/libbroken.so")) << ok.err;
  std::string g = dir.path() + "/g.yaml";
  std::ofstream(g) << "format: 1\ngraph: t\nnodes:\n  - {id: x, op: frobnicate}\noutputs: [x]\n";
  CommandResult missing = with_plugin_path(dir.path(), "check " + g);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(has(missing.err, "unknown op 'frobnicate'")) << missing.err;
  EXPECT_TRUE(has(missing.err, "plugins were searched in: ")) << missing.err;
  EXPECT_TRUE(has(missing.err, dir.path() + "/libbroken.so could not be loaded and may provide it")) << missing.err;
}

}  // namespace
}  // namespace graphrun::testing
