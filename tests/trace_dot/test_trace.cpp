// The --trace file: one row per worker slot that ran a step (tid = the slot the executor
// recorded), every run of --repeat a labelled process of its own. The JSON is read back with
// yaml-cpp (JSON is YAML's flow style), never searched as text.
#include "driver/report.h"
#include "support/command.h"
#include "support/graph_text.h"
#include "support/small_graphs.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <set>
#include <string>

namespace graphrun {
namespace {

using testing::load_graph_text;

struct ParsedTrace {
  std::map<int, std::string> process_names;                  // pid -> name
  std::map<std::pair<int, int>, std::string> thread_names;   // (pid, tid) -> name
  std::vector<YAML::Node> steps;                             // the "X" events, in file order
};

ParsedTrace parse_trace(const std::string& json) {
  ParsedTrace t;
  const YAML::Node root = YAML::Load(json);
  for (const auto& e : root["traceEvents"]) {
    const std::string ph = e["ph"].as<std::string>(), name = e["name"].as<std::string>();
    if (ph == "M" && name == "process_name") t.process_names[e["pid"].as<int>()] = e["args"]["name"].as<std::string>();
    if (ph == "M" && name == "thread_name")
      t.thread_names[{e["pid"].as<int>(), e["tid"].as<int>()}] = e["args"]["name"].as<std::string>();
    if (ph == "X") t.steps.push_back(e);
  }
  return t;
}

// Each step event is its record's: same worker slot as tid, same start, the run's number,
// and its row is named after the slot.
void expect_trace_matches(const ParsedTrace& t, const std::vector<TracedRun>& runs, const Executor& executor) {
  size_t next = 0;
  for (size_t k = 0; k < runs.size(); ++k) {
    const int pid = static_cast<int>(k) + 1;
    EXPECT_EQ(t.process_names.at(pid), runs[k].label);
    for (const StepRecord& r : runs[k].records) {
      ASSERT_LT(next, t.steps.size());
      const YAML::Node& e = t.steps[next++];
      EXPECT_EQ(e["name"].as<std::string>(), executor.steps()[r.step].label);
      EXPECT_EQ(e["pid"].as<int>(), pid);
      EXPECT_EQ(e["tid"].as<int>(), r.thread);
      EXPECT_EQ(e["args"]["run"].as<int>(), static_cast<int>(k));
      EXPECT_NEAR(e["ts"].as<double>(), static_cast<double>(r.start_ns) / 1e3, 1e-3);
      ASSERT_TRUE(t.thread_names.count({pid, r.thread})) << "no row name for worker " << r.thread;
      EXPECT_EQ(t.thread_names.at({pid, r.thread}), "worker " + std::to_string(r.thread));
    }
  }
  EXPECT_EQ(next, t.steps.size());
}

// A diamond's two branches are independent: the flow graph may run them on two workers. With
// 2 cores TBB may still run everything on one, so the test checks that the trace's rows are
// the slots the executor recorded, not that two threads ran.
TEST(Trace, RowsAreTheRecordedWorkerSlotsOfEveryRun) {
  auto graph = load_graph_text(testing::kDiamondGraph, {});
  Executor executor(*graph, 2);
  RunObserver observer;
  observer.record_steps = true;
  std::vector<TracedRun> runs;
  for (int k = 0; k < 3; ++k) runs.push_back({"repeat " + std::to_string(k), executor.run({}, observer).records});
  for (const auto& run : runs) ASSERT_EQ(run.records.size(), executor.steps().size());
  expect_trace_matches(parse_trace(trace_json(executor, runs)), runs, executor);
}

// Records of two workers (as a wider machine makes them) give two named rows: a trace that
// put every event on thread 0 fails here whatever this machine's core count.
TEST(Trace, TwoWorkersGiveTwoRows) {
  auto graph = load_graph_text(testing::kDiamondGraph, {});
  Executor executor(*graph, 2);
  RunObserver observer;
  observer.record_steps = true;
  std::vector<StepRecord> records = executor.run({}, observer).records;
  ASSERT_GE(records.size(), 2u);
  for (size_t i = 0; i < records.size(); ++i) records[i].thread = static_cast<int>(i % 2);
  const std::vector<TracedRun> runs{{"run", records}};
  const ParsedTrace t = parse_trace(trace_json(executor, runs));
  expect_trace_matches(t, runs, executor);
  std::set<int> tids;
  for (const auto& e : t.steps) tids.insert(e["tid"].as<int>());
  EXPECT_EQ(tids, (std::set<int>{0, 1}));
  EXPECT_EQ(t.thread_names.size(), 2u);
}

// `run --repeat 2 --trace`: the warm-up and both repeats are in the file, each labelled.
TEST(Trace, RepeatTracesEveryRunLabelled) {
  testing::TempDir dir;
  const std::string g = dir.path() + "/g.yaml", trace = dir.path() + "/t.json";
  std::ofstream(g) << testing::kDiamondGraph;
  testing::CommandResult r = testing::run_graphrun({"run", g, "--repeat", "2", "--trace", trace, "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const ParsedTrace t = parse_trace(testing::read_text(trace));
  EXPECT_EQ(t.process_names, (std::map<int, std::string>{{1, "warm-up"}, {2, "repeat 1"}, {3, "repeat 2"}}));
  std::map<int, int> steps_per_run;
  for (const auto& e : t.steps) {
    const int run = e["args"]["run"].as<int>();
    EXPECT_EQ(e["pid"].as<int>(), run + 1);
    EXPECT_TRUE(t.thread_names.count({run + 1, e["tid"].as<int>()}));
    ++steps_per_run[run];
  }
  ASSERT_EQ(steps_per_run.size(), 3u);
  EXPECT_EQ(steps_per_run[0], steps_per_run[2]);
  EXPECT_GT(steps_per_run[0], 0);
}

}  // namespace
}  // namespace graphrun
