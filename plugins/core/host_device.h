// GRAPHRUN_HD marks a function that CPU kernels (.cpp) and CUDA kernels (.cu) both call, so
// one implementation gives both devices the same numbers (STYLE rule 15). Under nvcc it is
// __host__ __device__; under the host compiler it is nothing.
#pragma once

#if defined(__CUDACC__)
#define GRAPHRUN_HD __host__ __device__
#else
#define GRAPHRUN_HD
#endif
