// GRAPHRUN_FULL_UNROLL before a loop of constant trip count in a __host__ __device__
// function: nvcc unrolls it (every index a constant, arrays kept in registers); the host
// compiler needs no hint.
#pragma once

#if defined(__CUDACC__)
#define GRAPHRUN_FULL_UNROLL _Pragma("unroll")
#else
#define GRAPHRUN_FULL_UNROLL
#endif
