// The cost of one carry exchange of a distributed scan: the all-gather a recurrence sharded
// over time makes (rows x chunks maps of two values per rank), timed on its own under mpirun.
//   mpirun -n 2 build/graphrun_carry_exchange ROWS STEPS_PER_RANK [DTYPE_BYTES]
// prints, on rank 0, the median and min over 200 exchanges (after 20 warm-up ones).
#include "distributed/world.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  namespace d = graphrun::distributed;
  const long rows = argc > 1 ? std::atol(argv[1]) : 64, steps = argc > 2 ? std::atol(argv[2]) : 1L << 22;
  const long value_bytes = argc > 3 ? std::atol(argv[3]) : 4;
  const long chunks = (steps + 8191) / 8192;  // the recurrence's fixed chunk (sequence/chunked_scan-inl.h)
  const std::vector<std::byte> mine(static_cast<size_t>(rows * chunks * 2 * value_bytes));
  std::vector<double> us;
  for (int k = 0; k < 220; ++k) {
    d::barrier();
    const auto t0 = std::chrono::steady_clock::now();
    (void)d::max_over_ranks(0);  // what every exchange starts with: did a rank fail?
    (void)d::all_gather_bytes(mine.data(), mine.size());
    if (k >= 20) us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  if (d::world().root())
    std::printf("carry exchange: %d ranks, %ld bytes per rank: median %.1f us, min %.1f us\n", d::world().size,
                static_cast<long>(mine.size()), us[us.size() / 2], us.front());
  d::finalize();
  return 0;
}
