// The world of a plain run (no MPI launcher): one process, collectives that hand the value back.
#include "distributed/world.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace graphrun::distributed {
namespace {

TEST(World, APlainRunIsAWorldOfOne) {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name)) GTEST_SKIP() << "this test was started by an MPI launcher (" << name << " is set)";
  EXPECT_FALSE(launched_by_mpi());
  const World& w = world();
  EXPECT_EQ(w.rank, 0);
  EXPECT_EQ(w.size, 1);
  EXPECT_TRUE(w.root());
  EXPECT_EQ(max_over_ranks(7), 7);
  EXPECT_EQ(all_gather("text"), std::vector<std::string>{"text"});
  barrier();
  // No neighbours: a halo exchange sends and receives nothing.
  const char mine[2] = {'x', 'y'};
  char from_prev = 'a', from_next = 'b';
  exchange_with_neighbours(mine, 1, mine + 1, 1, &from_prev, 1, &from_next, 1);
  EXPECT_EQ(from_prev, 'a');
  EXPECT_EQ(from_next, 'b');
  finalize();
}

TEST(World, AnMpiLauncherIsRecognised) {
  setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  EXPECT_TRUE(launched_by_mpi());
  unsetenv("OMPI_COMM_WORLD_SIZE");
}

}  // namespace
}  // namespace graphrun::distributed
