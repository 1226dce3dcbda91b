// `graphrun sweep`: the product of the --set lists in order, the table and the folders it
// writes, each run bit for bit what `graphrun run` gives with its values, the same files for
// any --jobs, errors that name the run (exit 2 before anything runs, exit 1 with no file
// written), the plot, and usage errors.
#include "driver/sweep.h"
#include "support/command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <cstring>
#include <sstream>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

// x' = k x^2 from [1, 2]: k = -1 decays, k = 1 blows up at t = 1 (dopri5 then fails); `grid`
// has `steps` values (not one value: no column), `total` is one (a column).
const char* kGraph =
    "format: 1\ngraph: sweep_test\ndtype: f64\n"
    "params: {k: -1, method: dopri5, dt: 0.5, steps: 4}\n"
    "nodes:\n"
    "  - {id: x0, op: constant, value: [1, 2]}\n"
    "  - {id: sol, op: ode, in: {x: x0}, rhs: {x: \"k * x * x\"}, method: $method, dt: $dt, steps: $steps}\n"
    "  - {id: total, op: sum, in: [sol]}\n"
    "  - {id: grid, op: linspace, start: 0, stop: $dt, num: $steps}\n"
    "outputs: [sol, total, grid]\n";

std::string write_graph(const TempDir& dir) {
  const std::string path = dir.path() + "/g.yaml";
  std::ofstream(path) << kGraph;
  return path;
}

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    rows.emplace_back();
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, ',');) rows.back().push_back(field);
  }
  return rows;
}

// Every file under `dir`, relative path -> bytes.
std::map<std::string, std::string> tree(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = read_text(e.path().string());
  return files;
}

TEST(Sweep, RunsTheProductInOrderAndWritesATableAndAFolderPerRun) {
  TempDir dir;
  const std::string g = write_graph(dir), out = dir.path() + "/out";
  CommandResult r = run_graphrun({"sweep", g, "--set", "method=euler,rk4", "--set", "dt=0.1,0.05", "--set", "steps=4",
                                  "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = csv_rows(read_text(out + "/sweep.csv"));
  ASSERT_EQ(rows.size(), 5u);
  // Swept params only (steps is a fixed override); `total` is the one output of one value.
  EXPECT_EQ(rows[0], (std::vector<std::string>{"run", "folder", "method", "dt", "total"}));
  const std::vector<std::pair<std::string, std::string>> order = {
      {"euler", "0.1"}, {"euler", "0.05"}, {"rk4", "0.1"}, {"rk4", "0.05"}};  // the first --set slowest
  for (size_t i = 0; i < order.size(); ++i) {
    SCOPED_TRACE(i);
    const auto& row = rows[i + 1];
    ASSERT_EQ(row.size(), 5u);
    EXPECT_EQ(row[0], std::to_string(i));
    EXPECT_EQ(row[1], "method=" + order[i].first + "_dt=" + order[i].second);
    EXPECT_EQ(row[2], order[i].first);
    EXPECT_EQ(row[3], order[i].second);
    // Each run is `graphrun run` with its values, bit for bit: files and the table's number.
    TempDir single;
    CommandResult s = run_graphrun({"run", g, "--set", "method=" + order[i].first, "--set", "dt=" + order[i].second,
                                    "--set", "steps=4", "-o", single.path(), "-q"});
    ASSERT_EQ(s.exit_code, 0) << s.err;
    for (const char* name : {"sol.npy", "total.npy", "grid.npy"}) {
      const std::string swept = read_text(out + "/" + row[1] + "/" + name);
      EXPECT_FALSE(swept.empty()) << name;
      EXPECT_EQ(swept, read_text(single.path() + "/" + name)) << name;
    }
    CommandResult printed = run_graphrun({"run", g, "--set", "method=" + order[i].first, "--set",
                                          "dt=" + order[i].second, "--set", "steps=4"});
    EXPECT_NE(printed.out.find("total: f64 () = " + row[4] + "\n"), std::string::npos) << printed.out;
  }
  // The listing: the table, then each run's files.
  EXPECT_EQ(r.out.rfind("wrote " + out + "/sweep.csv\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("wrote " + out + "/method=rk4_dt=0.05/grid.npy: f64 (4,)\n"), std::string::npos) << r.out;
}

TEST(Sweep, WithoutOutputDirPrintsTheTable) {
  TempDir dir;
  const std::string g = write_graph(dir), out = dir.path() + "/out";
  CommandResult printed = run_graphrun({"sweep", g, "--set", "dt=0.1,0.2,0.3"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  ASSERT_EQ(run_graphrun({"sweep", g, "--set", "dt=0.1,0.2,0.3", "-o", out, "-q"}).exit_code, 0);
  EXPECT_EQ(printed.out, read_text(out + "/sweep.csv"));
  EXPECT_EQ(csv_rows(printed.out).size(), 4u);
}

TEST(Sweep, ConcurrentRunsWriteTheSameFiles) {
  TempDir dir;
  const std::string g = write_graph(dir);
  const std::vector<std::string> sweep = {"sweep", g, "--set", "method=euler,rk4,dopri5", "--set", "dt=0.1,0.05,0.02",
                                          "--set", "steps=50", "-q"};
  std::vector<std::map<std::string, std::string>> trees;
  for (const auto& extra : std::vector<std::vector<std::string>>{{"--jobs", "1"}, {"--jobs", "2"}, {"--jobs", "3", "--threads", "3"}}) {
    std::vector<std::string> args = sweep;
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string out = dir.path() + "/out" + extra[1];
    args.insert(args.end(), {"-o", out});
    CommandResult r = run_graphrun(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    trees.push_back(tree(out));
  }
  EXPECT_EQ(trees[0].size(), 1u + 9u * 3u);  // the table, three files per run
  EXPECT_EQ(trees[0], trees[1]);
  EXPECT_EQ(trees[0], trees[2]);
}

TEST(Sweep, AnInvalidValueNamesTheRunAndWhereBeforeAnythingRuns) {
  TempDir dir;
  const std::string g = write_graph(dir), out = dir.path() + "/out";
  CommandResult r = run_graphrun({"sweep", g, "--set", "dt=0.1,0.2", "--set", "steps=4,-3", "-o", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(g\.yaml:7:\d+: node 'sol': steps must be at least 1, got -3 \(in the sweep's run 1: dt=0\.1, steps=-3\))")))
      << r.err;
  EXPECT_FALSE(fs::exists(out));
  CommandResult word = run_graphrun({"sweep", g, "--set", "dt=0.1,abc"});
  EXPECT_EQ(word.exit_code, 2);
  EXPECT_NE(word.err.find("--set dt=abc: 'abc' is not a number"), std::string::npos) << word.err;
  EXPECT_NE(word.err.find("run 1: dt=abc"), std::string::npos) << word.err;
  EXPECT_EQ(word.out, "");
}

TEST(Sweep, AFailingRunNamesItselfAndNothingIsWritten) {
  TempDir dir;
  const std::string g = write_graph(dir), out = dir.path() + "/out";
  fs::create_directory(out);
  std::ofstream(out + "/sweep.csv") << "old";
  CommandResult r = run_graphrun({"sweep", g, "--set", "k=-1,1,-2", "-o", out, "--jobs", "2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("graphrun: sweep run 1 (k=1): "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("dopri5 cannot meet"), std::string::npos) << r.err;
  EXPECT_EQ(tree(out), (std::map<std::string, std::string>{{"sweep.csv", "old"}}));
}

TEST(Sweep, PlotsAnOutputAgainstAParamWithALinePerOtherValue) {
  TempDir dir;
  const std::string g = write_graph(dir), plot = dir.path() + "/p.svg";
  CommandResult r = run_graphrun({"sweep", g, "--set", "method=euler,rk4", "--set", "dt=0.1,0.01,0.001", "--plot",
                                  plot, "--plot-x", "dt", "--plot-y", "total", "--log", "x"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // without -o the table is stdout, pure CSV; the plot's line goes to stderr
  EXPECT_NE(r.err.find("wrote " + plot + "\n"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("wrote"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.rfind("run,folder,", 0), 0u) << r.out;
  const std::string command = std::string(PYTHON3_EXE) +
                              " -c \"import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
                              "assert r.tag == '{http://www.w3.org/2000/svg}svg', r.tag\" " + plot;
  EXPECT_EQ(std::system(command.c_str()), 0);
  // cairo writes text as glyphs: the legend's entries are not searchable, but a PNG is made too.
  const std::string png = dir.path() + "/p.png";
  ASSERT_EQ(run_graphrun({"sweep", g, "--set", "dt=0.1,0.01", "--plot", png, "--plot-x", "dt", "--plot-y", "total",
                          "--log", "xy", "-q"}).exit_code, 0);
  EXPECT_EQ(read_text(png).substr(1, 3), "PNG");
  // A plot in the -o folder the sweep makes.
  const std::string out = dir.path() + "/out";
  CommandResult inside = run_graphrun({"sweep", g, "--set", "dt=0.1,0.01", "-o", out, "--plot", out + "/p.svg",
                                       "--plot-x", "dt", "--plot-y", "total"});
  ASSERT_EQ(inside.exit_code, 0) << inside.err;
  EXPECT_EQ(read_text(out + "/p.svg").rfind("<?xml", 0), 0u);
}

TEST(Sweep, UsageErrors) {
  TempDir dir;
  const std::string g = write_graph(dir), plot = dir.path() + "/p.svg";
  struct Case {
    std::vector<std::string> args;
    std::string wanted;
  };
  const std::vector<Case> cases = {
      {{"--set", "dt=0.1,,0.2"}, "--set dt=0.1,,0.2: an empty value"},
      {{"--set", "nope=1,2"}, "--set nope=1: the graph has no param 'nope'"},
      {{"--set", "dt=0.1", "--set", "dt=0.2"}, "'dt' is set twice"},
      {{"--set", "dt=0.1,0.2", "--plot", plot, "--plot-x", "dt", "--plot-y", "grid"},
       "--plot-y grid: not one value in every run (one value: total)"},
      {{"--set", "dt=0.1,0.2", "--plot", plot, "--plot-x", "dt", "--plot-y", "nope"},
       "--plot-y nope: not an output of the graph (its outputs: sol, total, grid)"},
      {{"--set", "dt=0.1,0.2", "--set", "method=euler,rk4", "--plot", plot, "--plot-x", "method", "--plot-y", "total"},
       "--plot-x method: its value 'euler' is not a number"},
      {{"--set", "dt=0.1,0.2", "--set", "steps=4", "--plot", plot, "--plot-x", "steps", "--plot-y", "total"},
       "--plot-x steps: not a swept param (swept: dt)"},
      {{"--set", "dt=0.1,0.2", "--plot", plot}, "--plot-x PARAM"},
      {{"--set", "dt=0.1,0.2", "--plot-y", "total"}, "no --plot was given"},
      {{"--set", "dt=0.1,0.2", "--jobs", "0"}, "--jobs must be a whole number"},
      {{"--set", "dt=0.1,0.2", "-o", dir.path() + "/a.npz"}, "a sweep writes a folder"},
      {{}, "give the values to sweep"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"sweep", g};
    args.insert(args.end(), c.args.begin(), c.args.end());
    SCOPED_TRACE(c.wanted);
    CommandResult r = run_graphrun(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(c.wanted), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  EXPECT_FALSE(fs::exists(plot));
  // One value is a fixed override: a sweep of one run.
  CommandResult one = run_graphrun({"sweep", g, "--set", "steps=4"});
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(csv_rows(one.out).size(), 2u) << one.out;
}

// The library under the command (driver/sweep.h), as a distributed layer would use it.
TEST(SweepLibrary, PlansTheProductFirstParamSlowest) {
  const auto params = parse_sweep_params({"a=1,2", "b=x,y,z", "c=[1,2]"});
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[2].values, (std::vector<std::string>{"[1,2]"})) << "commas inside brackets stay";
  const auto runs = plan_sweep(params);
  ASSERT_EQ(runs.size(), 6u);
  EXPECT_EQ(runs[1].sets, (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "y"}, {"c", "[1,2]"}}));
  EXPECT_EQ(runs[3].folder, "a=2_b=x");
  EXPECT_EQ(runs[3].label, "run 3 (a=2, b=x)");
  // Values that cannot name a folder, or that repeat: numbered folders.
  EXPECT_EQ(plan_sweep(parse_sweep_params({"p=a/b,c"}))[1].folder, "run-001");
  EXPECT_EQ(plan_sweep(parse_sweep_params({"p=1,1"}))[1].folder, "run-001");
  EXPECT_EQ(plan_sweep(parse_sweep_params({"p=1"}))[0].folder, "run-000");
}

TEST(SweepLibrary, ASubsetRunsAsInTheWholeSweep) {
  TempDir dir;
  const std::string g = write_graph(dir);
  const auto params = parse_sweep_params({"method=euler,rk4", "dt=0.1,0.05", "steps=20"});
  const auto runs = plan_sweep(params);
  const auto prepared = prepare_runs(g, runs, {});
  EXPECT_EQ(scalar_outputs(prepared), (std::vector<std::string>{"total"}));
  const auto all = run_prepared(prepared, 2, 1);
  const auto share = run_prepared(prepared, 1, 2, {3, 1});  // e.g. one rank's runs
  ASSERT_EQ(all.size(), 4u);
  ASSERT_EQ(share.size(), 2u);
  for (size_t k = 0; k < 2; ++k)
    for (size_t o = 0; o < 3; ++o) {
      const TensorData &a = all[k == 0 ? 3 : 1].outputs[o], &b = share[k].outputs[o];
      ASSERT_EQ(a.shape, b.shape);
      size_t n = 1;
      for (int64_t d : a.shape) n *= static_cast<size_t>(d);
      EXPECT_EQ(std::memcmp(a.data.get(), b.data.get(), n * sizeof(double)), 0) << k << " " << o;
    }
}

}  // namespace
}  // namespace graphrun::testing
