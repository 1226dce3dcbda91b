// world.h in a build without MPI: one process. Started by an MPI launcher anyway, it says
// so rather than running N copies that each believe they are alone.
#include "distributed/world.h"

#include "graph/diagnostics.h"

namespace graphrun::distributed {

bool built_with_mpi() { return false; }

const World& world() {
  static const World w;
  if (launched_by_mpi())
    throw RunError("graphrun was started by mpirun, but this build has no MPI (configure with -DGRAPHRUN_MPI=ON, "
                   "which needs libopenmpi-dev)");
  return w;
}

void finalize() {}
int max_over_ranks(int value) { return value; }
std::vector<std::string> all_gather(const std::string& text) { return {text}; }
void barrier() {}

std::vector<std::byte> all_gather_bytes(const void* data, size_t bytes, std::vector<int64_t>* offsets) {
  if (offsets) *offsets = {0, static_cast<int64_t>(bytes)};
  const auto* p = static_cast<const std::byte*>(data);
  return std::vector<std::byte>(p, p + bytes);
}

std::vector<std::byte> gather_bytes_to_root(const void* data, size_t bytes, std::vector<int64_t>* offsets) {
  return all_gather_bytes(data, bytes, offsets);
}

void all_reduce_max(void*, int64_t, bool) {}

void write_block_at(const std::string&, uint64_t, const std::vector<int64_t>&, int, int64_t,
                    const std::vector<int64_t>&, const void*, bool) {
  throw RunError("writing a block with MPI-IO needs a build with MPI");
}

// One rank has no neighbours: nothing moves.
void exchange_with_neighbours(const void*, size_t, const void*, size_t, void*, size_t, void*, size_t) {}

}  // namespace graphrun::distributed
