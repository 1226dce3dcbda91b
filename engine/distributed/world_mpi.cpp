// world.h over MPI (a build with GRAPHRUN_MPI).
#include "distributed/world.h"

#include <mpi.h>

#include <numeric>

namespace graphrun::distributed {

namespace {

bool started = false;

World start() {
  World w;
  if (!launched_by_mpi()) return w;
  int provided = 0;
  // The executor's worker threads never call MPI; only the main thread does.
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  started = true;
  return w;
}

}  // namespace

bool built_with_mpi() { return true; }

const World& world() {
  static const World w = start();
  return w;
}

void finalize() {
  if (!started) return;
  int done = 0;
  MPI_Finalized(&done);
  if (!done) MPI_Finalize();
}

int max_over_ranks(int value) {
  if (world().size == 1) return value;
  int out = value;
  MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return out;
}

std::vector<std::string> all_gather(const std::string& text) {
  const World& w = world();
  if (w.size == 1) return {text};
  int mine = static_cast<int>(text.size());
  std::vector<int> sizes(static_cast<size_t>(w.size)), offsets(static_cast<size_t>(w.size));
  MPI_Allgather(&mine, 1, MPI_INT, sizes.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::exclusive_scan(sizes.begin(), sizes.end(), offsets.begin(), 0);
  std::string all(static_cast<size_t>(offsets.back() + sizes.back()), '\0');
  MPI_Allgatherv(text.data(), mine, MPI_CHAR, all.data(), sizes.data(), offsets.data(), MPI_CHAR, MPI_COMM_WORLD);
  std::vector<std::string> out;
  for (int r = 0; r < w.size; ++r)
    out.push_back(all.substr(static_cast<size_t>(offsets[static_cast<size_t>(r)]), static_cast<size_t>(sizes[static_cast<size_t>(r)])));
  return out;
}

void barrier() {
  if (world().size > 1) MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace graphrun::distributed
