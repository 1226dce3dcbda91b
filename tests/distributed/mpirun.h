// The launcher line of graphrun's tests under MPI (Open MPI, ranks oversubscribed on this
// machine's cores); without MPI in the build, tests skip, saying so.
#pragma once

#include "support/command.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace graphrun::testing {

#ifdef GRAPHRUN_MPIEXEC
inline std::vector<std::string> mpirun(int ranks) {
  // Under AddressSanitizer, Open MPI's own allocations (many in plugins it has unloaded by
  // exit) read as leaks: leak checking is off for the ranks. graphrun's own code is
  // leak-checked by the single-process tests, which run all of it but the exchanges.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string asan_options = "ASAN_OPTIONS=" + std::string(asan ? asan : "") + (asan ? ":" : "") + "detect_leaks=0";
  // Each test process's mpiruns keep their session files in a folder of its own: two
  // mpiruns starting at once (ctest -j) race to create the shared /tmp/ompi.HOST.UID, and
  // the loser fails with "mkdir ... File exists" (seen once in a full run).
  static const TempDir session_base;
  // Open MPI refuses root unless told; CI runs as root. --oversubscribe: more ranks than cores.
  return {"env", "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", asan_options,
          "OMPI_MCA_orte_tmpdir_base=" + session_base.path(), GRAPHRUN_MPIEXEC, "--oversubscribe", "-n",
          std::to_string(ranks)};
}
#define SKIP_WITHOUT_MPI()
#else
inline std::vector<std::string> mpirun(int) { return {}; }
#define SKIP_WITHOUT_MPI() GTEST_SKIP() << "this build has no MPI (GRAPHRUN_MPI is off: libopenmpi-dev missing)"
#endif

}  // namespace graphrun::testing
