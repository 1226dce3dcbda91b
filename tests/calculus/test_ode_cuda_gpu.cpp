// `ode` on the CUDA device (label gpu: skipped, with the reason, where there is no device).
// The whole-run results against the CPU's (bit for bit: the rhs here has only exact
// operations, and the kernel has the CPU native step's statements), and dopri5's failure
// reported after the run's synchronization (cuda_check) with the CPU's message at the node.
#include "support/command.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace graphrun::testing {
namespace {

std::string graph(const std::string& dtype, const std::string& method, const std::string& save) {
  return "format: 1\ngraph: ode_gpu\ndtype: " + dtype +
         "\nparams: {c: 0.3}\nnodes:\n"
         "  - {id: x0, op: random, shape: [300, 70], seed: 1, low: -1, high: 1}\n"
         "  - {id: v0, op: random, shape: [300, 70], seed: 2, low: -1, high: 1}\n"
         "  - {id: w, op: random, shape: [300, 1], seed: 4, low: 0.5, high: 1.5}\n"
         "  - {id: u, op: random, shape: [300, 70, 30], seed: 5, low: -0.1, high: 0.1}\n"
         "  - {id: y, op: ode, in: {x: x0, v: v0, w: w, u: u}, signals: [u], method: " + method +
         ", dt: 0.05, steps: 30, t0: 0.25, rtol: 1e-6, atol: 1e-6, save: " + save +
         ",\n     rhs: {x: \"v + where(x > 0.5, -x, sqrt(abs(x)))\", v: \"-w * w * x - c * v + u + maximum(x, v) * 0.1\"}}\n"
         "outputs: {x: \"y:x\", v: \"y:v\"}\n";
}

// Runs on `device`, the outputs written to dir/<device>/.
CommandResult run(const std::string& path, const std::string& device, const std::string& dir) {
  return run_graphrun({"run", path, "--device", device, "-o", dir + "/" + device, "--quiet"});
}

TEST(OdeOnTheDevice, EveryMethodGivesTheCpuResults) {
  TempDir dir;
  for (const std::string dtype : {"f64", "f32"})
    for (const std::string method : {"euler", "heun", "rk4", "ab2", "ab3", "ab4", "dopri5"})
      for (const std::string save : {"final", "trajectory"}) {
        const std::string path = dir.path() + "/g.yaml";
        std::ofstream(path) << graph(dtype, method, save);
        const CommandResult gpu = run(path, "cuda", dir.path());
        if (gpu.exit_code == 3) GTEST_SKIP() << gpu.err;
        ASSERT_EQ(gpu.exit_code, 0) << gpu.err;
        const CommandResult cpu = run(path, "cpu", dir.path());
        ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
        for (const char* out : {"/x.npy", "/v.npy"}) {
          const std::string a = read_text(dir.path() + "/cuda" + out), b = read_text(dir.path() + "/cpu" + out);
          EXPECT_FALSE(b.empty());
          // dopri5's step sizes use pow, CUDA's on the device (within 2 ulp of the host's).
          if (method != "dopri5") EXPECT_TRUE(a == b) << dtype << " " << method << " " << save << out;
          else EXPECT_EQ(a.size(), b.size()) << dtype << " " << save << out;
        }
      }
}

TEST(OdeOnTheDevice, Dopri5FailsWithTheCpuMessage) {
  TempDir dir;
  std::string values = "[";
  for (int i = 0; i < 3000; ++i)
    values += std::string(i ? ", " : "") + (i == 1500 ? "0.7" : (i == 1800 || i == 1900 || i == 2100) ? "1.2" : "0.1");
  const std::string path = dir.path() + "/g.yaml";
  std::ofstream(path) << "format: 1\ngraph: failing\ndtype: f64\nnodes:\n  - {id: x0, op: constant, value: " << values
                      << "]}\n  - {id: y, op: ode, in: {x: x0}, rhs: {x: \"x * x\"}, method: dopri5, dt: 0.5, steps: 8}\n"
                         "  - {id: z, op: expr, in: {y: y}, expr: \"2 * y\"}\noutputs: [z]\n";
  const CommandResult gpu = run_graphrun({"run", path, "--device", "cuda"});
  if (gpu.exit_code == 3) GTEST_SKIP() << gpu.err;
  const CommandResult cpu = run_graphrun({"run", path});
  ASSERT_EQ(cpu.exit_code, 1) << cpu.err;
  EXPECT_EQ(gpu.exit_code, 1) << gpu.err;
  const std::string message = cpu.err.substr(cpu.err.find("dopri5 cannot meet"));
  EXPECT_NE(gpu.err.find("node 'y'"), std::string::npos) << gpu.err;
  EXPECT_NE(gpu.err.find(message), std::string::npos) << gpu.err << "\nthe CPU said:\n" << cpu.err;
}

}  // namespace
}  // namespace graphrun::testing
