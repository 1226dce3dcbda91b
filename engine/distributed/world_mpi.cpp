// world.h over MPI (a build with GRAPHRUN_MPI).
#include "distributed/world.h"

#include "graph/diagnostics.h"

#include <mpi.h>

#include <climits>
#include <cmath>
#include <cstring>
#include <numeric>

namespace graphrun::distributed {

namespace {

bool started = false;

World start() {
  World w;
  if (!launched_by_mpi()) return w;
  int provided = 0;
  // One thread calls MPI at a time: the main thread, or the one running a sharded run's
  // communication step (the steps of such a run go one at a time, in plan order).
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, w.rank, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &w.local_rank);
  MPI_Comm_free(&node);
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

namespace {

// Every rank's share of a gather, agreed on by all before any data moves; RunError (on every
// rank alike) when the whole does not fit an MPI count.
struct Shares {
  std::vector<int> sizes, starts;
  long long total = 0;
};

Shares shares_of(size_t bytes) {
  const long long mine = static_cast<long long>(bytes);
  std::vector<long long> all(static_cast<size_t>(world().size));
  MPI_Allgather(&mine, 1, MPI_LONG_LONG, all.data(), 1, MPI_LONG_LONG, MPI_COMM_WORLD);
  Shares s;
  for (long long n : all) {
    if (n > INT_MAX || s.total + n > INT_MAX)
      throw RunError("a gather of " + std::to_string(s.total + n) + " bytes or more: MPI moves less than 2 GiB in one "
                     "call; use more ranks or gather less");
    s.sizes.push_back(static_cast<int>(n));
    s.starts.push_back(static_cast<int>(s.total));
    s.total += n;
  }
  return s;
}

void set_offsets(const Shares& s, std::vector<int64_t>* offsets) {
  if (!offsets) return;
  offsets->assign(s.starts.begin(), s.starts.end());
  offsets->push_back(s.total);
}

}  // namespace

std::vector<std::byte> all_gather_bytes(const void* data, size_t bytes, std::vector<int64_t>* offsets) {
  const auto* p = static_cast<const std::byte*>(data);
  if (offsets) *offsets = {0, static_cast<int64_t>(bytes)};
  if (world().size == 1) return std::vector<std::byte>(p, p + bytes);
  const Shares s = shares_of(bytes);
  set_offsets(s, offsets);
  std::vector<std::byte> all(static_cast<size_t>(s.total));
  MPI_Allgatherv(data, static_cast<int>(bytes), MPI_BYTE, all.data(), s.sizes.data(), s.starts.data(), MPI_BYTE,
                 MPI_COMM_WORLD);
  return all;
}

std::vector<std::byte> gather_bytes_to_root(const void* data, size_t bytes, std::vector<int64_t>* offsets) {
  const auto* p = static_cast<const std::byte*>(data);
  if (offsets) *offsets = {0, static_cast<int64_t>(bytes)};
  if (world().size == 1) return std::vector<std::byte>(p, p + bytes);
  const Shares s = shares_of(bytes);
  set_offsets(s, offsets);
  std::vector<std::byte> all(world().root() ? static_cast<size_t>(s.total) : 0);
  MPI_Gatherv(data, static_cast<int>(bytes), MPI_BYTE, all.data(), s.sizes.data(), s.starts.data(), MPI_BYTE, 0,
              MPI_COMM_WORLD);
  return all;
}

namespace {

// MPI_MAX on floats drops NaN on some implementations; numpy's max keeps it.
template <typename T>
void nan_max(void* in, void* inout, int* len, MPI_Datatype*) {
  const T* a = static_cast<const T*>(in);
  T* b = static_cast<T*>(inout);
  for (int i = 0; i < *len; ++i)
    if (std::isnan(a[i]) || a[i] > b[i]) b[i] = a[i];
}

}  // namespace

void write_block_at(const std::string& path, uint64_t offset, const std::vector<int64_t>& whole, int axis,
                    int64_t begin, const std::vector<int64_t>& block, const void* data, bool f64) {
  const auto fits = [](int64_t v) { return v >= 0 && v <= INT_MAX; };
  int64_t count = 1;
  std::vector<int> sizes, subsizes, starts;
  for (size_t k = 0; k < whole.size(); ++k) {
    if (!fits(whole[k])) throw RunError(path + ": an axis of " + std::to_string(whole[k]) + " elements is beyond MPI-IO's ints");
    sizes.push_back(static_cast<int>(whole[k]));
    subsizes.push_back(static_cast<int>(block[k]));
    starts.push_back(static_cast<int>(static_cast<int>(k) == axis ? begin : 0));
    count *= block[k];
  }
  if (!fits(count))
    throw RunError(path + ": a block of " + std::to_string(count) + " elements is beyond MPI-IO's ints: use more ranks");
  const MPI_Datatype element = f64 ? MPI_DOUBLE : MPI_FLOAT;
  MPI_Datatype place;
  MPI_Type_create_subarray(static_cast<int>(whole.size()), sizes.data(), subsizes.data(), starts.data(), MPI_ORDER_C,
                           element, &place);
  MPI_Type_commit(&place);
  MPI_File file;
  int rc = MPI_File_open(MPI_COMM_WORLD, path.c_str(), MPI_MODE_WRONLY, MPI_INFO_NULL, &file);
  if (rc == MPI_SUCCESS) {
    rc = MPI_File_set_view(file, static_cast<MPI_Offset>(offset), element, place, "native", MPI_INFO_NULL);
    if (rc == MPI_SUCCESS) rc = MPI_File_write_all(file, data, static_cast<int>(count), element, MPI_STATUS_IGNORE);
    const int closed = MPI_File_close(&file);
    if (rc == MPI_SUCCESS) rc = closed;
  }
  MPI_Type_free(&place);
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(rc, text, &length);
    throw RunError(path + ": cannot write this rank's block (MPI-IO): " + std::string(text, static_cast<size_t>(length)));
  }
}

void all_reduce_max(void* data, int64_t count, bool f64) {
  if (world().size == 1 || count == 0) return;
  if (count > INT_MAX) throw RunError("a max over ranks of " + std::to_string(count) + " values: at most 2^31 - 1 in one call");
  MPI_Op op;
  MPI_Op_create(f64 ? &nan_max<double> : &nan_max<float>, 1, &op);
  const size_t bytes = static_cast<size_t>(count) * (f64 ? 8 : 4);
  std::vector<std::byte> mine(bytes);
  std::memcpy(mine.data(), data, bytes);
  MPI_Allreduce(mine.data(), data, static_cast<int>(count), f64 ? MPI_DOUBLE : MPI_FLOAT, op, MPI_COMM_WORLD);
  MPI_Op_free(&op);
}

namespace {

int message_count(size_t bytes) {
  if (bytes > INT_MAX)
    throw RunError("a halo of " + std::to_string(bytes) + " bytes: MPI moves less than 2 GiB in one message");
  return static_cast<int>(bytes);
}

}  // namespace

void exchange_with_neighbours(const void* to_prev, size_t to_prev_bytes, const void* to_next, size_t to_next_bytes,
                              void* from_prev, size_t from_prev_bytes, void* from_next, size_t from_next_bytes) {
  const World& w = world();
  if (w.size == 1) return;
  const int prev = w.rank > 0 ? w.rank - 1 : MPI_PROC_NULL;
  const int next = w.rank + 1 < w.size ? w.rank + 1 : MPI_PROC_NULL;
  const int to_prev_n = prev == MPI_PROC_NULL ? 0 : message_count(to_prev_bytes);
  const int to_next_n = next == MPI_PROC_NULL ? 0 : message_count(to_next_bytes);
  const int from_prev_n = prev == MPI_PROC_NULL ? 0 : message_count(from_prev_bytes);
  const int from_next_n = next == MPI_PROC_NULL ? 0 : message_count(from_next_bytes);
  // Shift up (each rank's end to the next rank's front), then down: with MPI_PROC_NULL at
  // the ends neither step waits on a rank that does not take part.
  constexpr int kUp = 7401, kDown = 7402;
  MPI_Sendrecv(to_next, to_next_n, MPI_BYTE, next, kUp, from_prev, from_prev_n, MPI_BYTE, prev, kUp, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
  MPI_Sendrecv(to_prev, to_prev_n, MPI_BYTE, prev, kDown, from_next, from_next_n, MPI_BYTE, next, kDown,
               MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

}  // namespace graphrun::distributed
