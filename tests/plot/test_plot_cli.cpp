// `graphrun run --plot FILE [--plot-x NAME]`: the format follows the extension, a --plot-x
// that does not fit is a usage error found before the run, and no file is then written.
#include "support/command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

using graphrun::testing::CommandResult;
using graphrun::testing::read_text;
using graphrun::testing::run_graphrun;
using graphrun::testing::TempDir;

// t (50,), y = sin(t) (50,), z (2, 40) and a scalar.
std::string write_graph(const TempDir& dir) {
  const std::string path = dir.path() + "/g.yaml";
  std::ofstream(path) << "format: 1\ngraph: p\ndtype: f32\nnodes:\n"
                         "  - {id: t, op: linspace, start: 0, stop: 6, num: 50}\n"
                         "  - {id: y, op: sin, in: [t]}\n"
                         "  - {id: z, op: random, shape: [2, 40], seed: 1}\n"
                         "  - {id: s, op: sum, in: [y], axis: 0}\n"
                         "outputs: [t, y, z, s]\n";
  return path;
}

TEST(PlotCli, PngAndSvgAreWhatTheirNamesSay) {
  TempDir dir;
  const std::string g = write_graph(dir);
  CommandResult png = run_graphrun({"run", g, "--plot", dir.path() + "/p.PNG", "--quiet"});
  ASSERT_EQ(png.exit_code, 0) << png.err;
  EXPECT_EQ(read_text(dir.path() + "/p.PNG").rfind("\x89PNG\r\n\x1a\n", 0), 0u);
  CommandResult svg = run_graphrun({"run", g, "--plot", dir.path() + "/p.svg", "--quiet"});
  ASSERT_EQ(svg.exit_code, 0) << svg.err;
  const std::string text = read_text(dir.path() + "/p.svg");
  EXPECT_EQ(text.rfind("<?xml", 0), 0u);
  EXPECT_NE(text.find("<svg"), std::string::npos);
}

TEST(PlotCli, PlotXOfAnotherLengthIsRefusedBeforeTheRun) {
  TempDir dir;
  const std::string g = write_graph(dir);
  CommandResult r = run_graphrun({"run", g, "--plot", dir.path() + "/p.png", "--plot-x", "t", "-o", dir.path() + "/out"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--plot-x t: the output 'z' has shape (2, 40), 40 values along its last axis, and 't' has "
                       "shape (50,)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/p.png"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/out"));
  EXPECT_TRUE(r.out.empty()) << "nothing ran: " << r.out;
}

TEST(PlotCli, PlotXErrors) {
  TempDir dir;
  const std::string g = write_graph(dir);
  CommandResult unknown = run_graphrun({"run", g, "--plot", dir.path() + "/p.svg", "--plot-x", "time"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--plot-x time: not an output of the graph (its outputs: t, y, z, s)"), std::string::npos)
      << unknown.err;
  CommandResult alone = run_graphrun({"run", g, "--plot-x", "t"});
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("no --plot was given"), std::string::npos) << alone.err;
  CommandResult pdf = run_graphrun({"run", g, "--plot", dir.path() + "/p.pdf"});
  EXPECT_EQ(pdf.exit_code, 2);
  EXPECT_NE(pdf.err.find("a plot file is .svg or .png"), std::string::npos) << pdf.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/p.svg"));
}

}  // namespace
