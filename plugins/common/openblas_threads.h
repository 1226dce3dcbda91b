// OpenBLAS single-threaded, set once when a plugin that includes this is loaded. Our BLAS
// callers cut their products into tiles and run the tiles in parallel, each a
// single-threaded call (OpenBLAS's own threads would make results depend on their number).
// The thread count is process-global state, a plain variable inside OpenBLAS: writing it
// from the executor's workers while other workers are inside BLAS calls is a data race.
// So it is written here, during the plugin's load (on the thread that loads plugins, before
// any of its kernels can run), and only when it differs: a later load never writes it
// while kernels run.
#pragma once

// OpenBLAS's own calls, declared here since a netlib cblas.h does not declare them.
extern "C" void openblas_set_num_threads(int num_threads);
extern "C" int openblas_get_num_threads(void);

namespace graphrun::openblas {

inline const bool kSingleThreaded = [] {
  if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
  return true;
}();

}  // namespace graphrun::openblas
