// The seed's examples (graphs/seed/): the printed Euler result, and the errors against the
// analytic solutions behaving as the seed says they do.
#include "support/command.h"

#include "io/tensor_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include <string>
#include <vector>

namespace graphrun::testing {
namespace {

std::string seed_graph(const std::string& name) { return std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/seed/" + name; }

/// Runs a seed graph with extra arguments and reads its output `name` (f64).
std::vector<double> seed_output(const std::string& graph, const std::string& name,
                                const std::vector<std::string>& args = {}) {
  TempDir out;
  std::vector<std::string> all = {"run", seed_graph(graph), "-o", out.path(), "--quiet"};
  all.insert(all.end(), args.begin(), args.end());
  CommandResult r = run_graphrun(all);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return {};
  return io::read_tensor(out.path() + "/" + name + ".npy", GR_F64).f64;
}

TEST(SeedGraphs, EulerRatsPrintsTheSeedsNumber) {
  CommandResult r = run_graphrun({"run", seed_graph("euler_rats.yaml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "rats: f64 () = 3.769752428099801e+217\n");
}

TEST(SeedGraphs, EulerErrorHalvesWithDelta) {
  std::vector<double> errors;
  for (double delta : {0.001, 0.0005, 0.00025}) {
    // steps follows from delta in the graph ("$t_end / $delta + 1", t_end = 100).
    auto e = seed_output("euler_vs_exact.yaml", "rel_error", {"--set", "delta=" + std::to_string(delta)});
    ASSERT_EQ(e.size(), 1u);
    // Closed form: Euler gives x0 (1 + lambda delta)^n, the solution x0 e^(lambda delta n).
    const long double n = std::round(100.0L / delta) + 1, h = 5.0L * delta;
    const long double expected = 1 - std::exp(n * (std::log1p(h) - h));
    EXPECT_NEAR(e[0], static_cast<double>(expected), 1e-6 * static_cast<double>(expected)) << "delta " << delta;
    errors.push_back(e[0]);
  }
  for (size_t i = 1; i < errors.size(); ++i) {
    EXPECT_LT(errors[i], errors[i - 1]);
    EXPECT_GT(errors[i - 1] / errors[i], 1.5) << "first order: the error roughly halves with delta";
  }
}

// graphs/seed/README.md's table as one sweep: its rel_error column is what each single run
// gives, the closed form's value, and it halves with delta ever more nearly (first order).
TEST(SeedGraphs, EulerErrorSweepReproducesTheSingleRunsAndTheClosedForm) {
  const std::vector<std::string> deltas = {"0.001", "0.0005", "0.00025", "0.000125", "0.0000625"};
  std::string list;
  for (const auto& d : deltas) list += (list.empty() ? "" : ",") + d;
  TempDir out;
  CommandResult r = run_graphrun({"sweep", seed_graph("euler_vs_exact.yaml"), "--set", "delta=" + list, "-o", out.path(), "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string table = read_text(out.path() + "/sweep.csv");
  std::istringstream lines(table);
  std::string line;
  std::getline(lines, line);
  ASSERT_EQ(line, "run,folder,delta,euler,exact,rel_error");
  std::vector<double> errors;
  for (size_t i = 0; i < deltas.size(); ++i) {
    ASSERT_TRUE(std::getline(lines, line)) << table;
    const std::string rel_error = line.substr(line.rfind(',') + 1);
    EXPECT_EQ(line.rfind(std::to_string(i) + ",delta=" + deltas[i] + "," + deltas[i] + ",", 0), 0u) << line;
    const double e = std::strtod(rel_error.c_str(), nullptr);
    auto single = seed_output("euler_vs_exact.yaml", "rel_error", {"--set", "delta=" + deltas[i]});
    ASSERT_EQ(single.size(), 1u);
    EXPECT_EQ(e, single[0]) << "delta " << deltas[i] << ": the table's number reads back to the run's bits";
    EXPECT_EQ(io::read_tensor(out.path() + "/delta=" + deltas[i] + "/rel_error.npy", GR_F64).f64, single);
    const long double delta = std::strtold(deltas[i].c_str(), nullptr);
    const long double n = std::round(100.0L / delta) + 1, h = 5.0L * delta;
    const long double expected = 1 - std::exp(n * (std::log1p(h) - h));
    EXPECT_NEAR(e, static_cast<double>(expected), 1e-6 * static_cast<double>(expected)) << "delta " << deltas[i];
    errors.push_back(e);
  }
  for (size_t i = 1; i < errors.size(); ++i) {
    const double ratio = errors[i - 1] / errors[i];
    EXPECT_GT(ratio, 1.5) << "first order: the error roughly halves with delta";
    EXPECT_LE(ratio, 2.0);
    if (i > 1) {
      EXPECT_GT(ratio, errors[i - 2] / errors[i - 1]) << "ever closer to 2 as delta shrinks";
    }
  }
}

TEST(SeedGraphs, DerivativeOfXSquared) {
  for (const auto& [n, h] : std::vector<std::pair<std::string, double>>{{"41", 0.1}, {"401", 0.01}}) {
    auto forward = seed_output("derivative_square.yaml", "forward_max_error", {"--set", "n=" + n});
    auto central = seed_output("derivative_square.yaml", "central_max_error", {"--set", "n=" + n});
    ASSERT_EQ(forward.size(), 1u);
    ASSERT_EQ(central.size(), 1u);
    EXPECT_NEAR(forward[0], h, 1e-9) << "(f(a+h) - f(a))/h = 2a + h";
    EXPECT_LT(central[0], 1e-11) << "central differences are exact for x^2";
  }
}

TEST(SeedGraphs, HigherOrderMethodsAreMoreAccurate) {
  // euler, heun, rk4, ab2, ab3, ab4, dopri5
  auto e = seed_output("ode_methods.yaml", "rel_error");
  ASSERT_EQ(e.size(), 7u);
  const double euler = e[0], heun = e[1], rk4 = e[2], ab2 = e[3], ab3 = e[4], ab4 = e[5], dopri5 = e[6];
  EXPECT_LT(ab2, euler);
  EXPECT_LT(heun, ab2);
  EXPECT_LT(ab3, heun);
  EXPECT_LT(ab4, ab3);
  EXPECT_LT(rk4, ab4);
  EXPECT_LT(dopri5, 1e-8);
}

}  // namespace
}  // namespace graphrun::testing
