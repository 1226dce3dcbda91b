// The processes of one graphrun command: under an MPI launcher (`mpirun -n N graphrun ...`)
// the N ranks of MPI_COMM_WORLD, otherwise a world of one process that never touches MPI.
// Every collective here must be reached by every rank, errors included: a rank that fails
// says so through these calls (max_over_ranks, all_gather) instead of leaving the others
// waiting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace graphrun::distributed {

/// Whether an MPI launcher started this process (Open MPI's, or any PMI/PMIx one): only then
/// does graphrun start MPI, so that a plain run behaves, and costs, exactly as without it.
bool launched_by_mpi();

/// This process's rank as its MPI launcher gave it (0 when none did), known without starting
/// MPI: errors found before any rank talks to another are the same on every rank, and only
/// rank 0 prints them.
int launcher_rank();

/// Whether this build can take part in an MPI run (GRAPHRUN_MPI).
bool built_with_mpi();

struct World {
  int rank = 0;
  int size = 1;
  int local_rank = 0;  // among the ranks on this machine (MPI_COMM_TYPE_SHARED): which GPU is its own
  bool root() const { return rank == 0; }
};

/// This process's place among the ranks; starts MPI on first use when launched_by_mpi().
/// Throws RunError when launched by MPI in a build without it.
const World& world();

/// Ends MPI if world() started it; call once, at the end of main, on every rank.
void finalize();

/// The largest of every rank's `value`, on every rank.
int max_over_ranks(int value);

/// Every rank's `text`, in rank order, on every rank.
std::vector<std::string> all_gather(const std::string& text);

/// Returns when every rank has called it.
void barrier();

/// Every rank's `bytes` bytes at `data`, concatenated in rank order, on every rank; rank q's
/// at [offsets[q], offsets[q + 1]) when `offsets` is given. Throws RunError when the whole is
/// 2 GiB or more (MPI counts are ints).
std::vector<std::byte> all_gather_bytes(const void* data, size_t bytes, std::vector<int64_t>* offsets = nullptr);

/// Like all_gather_bytes, but only rank 0 receives (the others get an empty vector).
std::vector<std::byte> gather_bytes_to_root(const void* data, size_t bytes, std::vector<int64_t>* offsets = nullptr);

/// Writes this rank's block of a tensor held in blocks along `axis` into the file `path`,
/// whose bytes from `offset` on hold the whole tensor (shape `whole`, row-major, f32 or f64):
/// every rank calls it with its block (rows [begin, begin + block[axis]) of the axis), and the
/// blocks land at their places with one collective MPI-IO write. The file must exist.
/// RunError when the file cannot be opened or written, or a size exceeds MPI's ints.
void write_block_at(const std::string& path, uint64_t offset, const std::vector<int64_t>& whole, int axis,
                    int64_t begin, const std::vector<int64_t>& block, const void* data, bool f64);

/// `count` values at `data` (f32 when `f64` is false) replaced, on every rank, by the
/// element-wise largest over the ranks: NaN wins, as numpy's max propagates it.
void all_reduce_max(void* data, int64_t count, bool f64);

/// A neighbour exchange (two MPI_Sendrecv, no collective): this rank sends `to_prev_bytes`
/// at `to_prev` to rank - 1 and `to_next_bytes` at `to_next` to rank + 1, and receives
/// `from_prev_bytes` into `from_prev` from rank - 1 and `from_next_bytes` into `from_next`
/// from rank + 1; a side beyond the first or last rank sends and receives nothing. Each pair
/// of neighbours must agree on the sizes. Throws RunError for 2 GiB or more in one message.
void exchange_with_neighbours(const void* to_prev, size_t to_prev_bytes, const void* to_next, size_t to_next_bytes,
                              void* from_prev, size_t from_prev_bytes, void* from_next, size_t from_next_bytes);

}  // namespace graphrun::distributed
