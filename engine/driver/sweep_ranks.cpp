// A sweep spread over the ranks of an MPI run (driver/sweep.h): each rank runs a block of the
// runs; the one-element outputs, all the table and the plot need, go to every rank.
#include "driver/sweep.h"

#include "distributed/blocks.h"
#include "distributed/world.h"

#include <algorithm>
#include <cstring>

namespace graphrun {
namespace {

// One rank's one-element outputs: for each of its runs, for each scalar output, the value's
// dtype and bytes (exact: the table prints them in shortest round-trip form).
std::string pack_scalars(const std::vector<size_t>& mine, const std::vector<size_t>& scalar_ports,
                         const std::vector<SweepResult>& results) {
  std::string out;
  for (size_t run : mine)
    for (size_t k : scalar_ports) {
      const TensorData& t = results[run].outputs[k];
      const size_t bytes = t.dtype == GR_F64 ? 8 : 4;
      out.push_back(static_cast<char>(t.dtype));
      out.append(static_cast<const char*>(t.data.get()), bytes);
    }
  return out;
}

}  // namespace

std::vector<size_t> runs_of_rank(size_t runs) {
  const distributed::World& world = distributed::world();
  const distributed::Block block = distributed::block_of(static_cast<int64_t>(runs), world.rank, world.size);
  std::vector<size_t> mine;
  for (int64_t i = block.begin; i < block.end; ++i) mine.push_back(static_cast<size_t>(i));
  return mine;
}

std::vector<SweepResult> share_scalar_results(const std::vector<PreparedRun>& runs, const std::vector<size_t>& mine,
                                              std::vector<SweepResult> own) {
  std::vector<SweepResult> all(runs.size());
  for (size_t i = 0; i < mine.size(); ++i) all[mine[i]] = std::move(own[i]);
  const distributed::World& world = distributed::world();
  if (world.size == 1 || runs.empty()) return all;
  const std::vector<std::string> scalars = scalar_outputs(runs);
  std::vector<size_t> ports;  // the scalar outputs' positions among a run's outputs
  for (const std::string& name : scalars)
    ports.push_back(static_cast<size_t>(std::find(runs.front().output_names.begin(), runs.front().output_names.end(), name) -
                                        runs.front().output_names.begin()));
  const std::vector<std::string> packed = distributed::all_gather(pack_scalars(mine, ports, all));
  for (int rank = 0; rank < world.size; ++rank) {
    if (rank == world.rank) continue;
    const distributed::Block block = distributed::block_of(static_cast<int64_t>(runs.size()), rank, world.size);
    const char* p = packed[static_cast<size_t>(rank)].data();
    for (int64_t run = block.begin; run < block.end; ++run) {
      SweepResult& result = all[static_cast<size_t>(run)];
      result.outputs.resize(runs.front().output_names.size());
      for (size_t k : ports) {
        TensorData& t = result.outputs[k];
        t.dtype = static_cast<gr_dtype>(*p++);
        const size_t bytes = t.dtype == GR_F64 ? 8 : 4;
        t.data = std::shared_ptr<void>(::operator new(bytes), [](void* q) { ::operator delete(q); });
        std::memcpy(t.data.get(), p, bytes);
        p += bytes;
      }
    }
  }
  return all;
}

}  // namespace graphrun
