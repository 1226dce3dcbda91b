/* The machine's limits for bench/roofline.py, compiled by it at run time
 * (gcc -O3 -march=native -fopenmp), one OpenMP thread per core:
 *
 *   triad  STREAM's triad a[i] = b[i] + s*c[i] over three arrays of 2^25 doubles (768 MiB in
 *          all, far beyond any cache); GB/s counted as STREAM does (24 bytes per element,
 *          the write-allocate read of a not counted), best of 10 after a warm-up pass.
 *   copy   a[i] = b[i] (16 bytes per element), best of 10.
 *   fma32 / fma64  peak arithmetic: per thread 12 independent vector accumulators
 *          acc = acc * m + c (one FMA, 2 flops per lane) on the widest vectors -march=native
 *          gives (GCC vector extensions, 64 bytes), best of 5.
 *
 * On a shared machine the wall clock counts the time other processes hold the cores, so every
 * figure is also given per CPU second: each thread's bytes or flops over its own CPU time
 * (CLOCK_THREAD_CPUTIME_ID), summed over the threads ("_cpu"). That is what the cores do
 * when they run; for memory it can overstate what both cores get at once.
 *
 * Prints one line per figure: "<name> <value>" (GB/s or GFLOP/s).
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }
static double cpu_now(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

/* Best figures over the repetitions: wall-clock rate and summed per-CPU-second rate. */
typedef struct { double wall, cpu; } Rate;
static void keep_best(Rate* best, double amount, double wall_s, double cpu_rate) {
  if (amount / wall_s / 1e9 > best->wall) best->wall = amount / wall_s / 1e9;
  if (cpu_rate > best->cpu) best->cpu = cpu_rate;
}

typedef double v8d __attribute__((vector_size(64)));
typedef float v16f __attribute__((vector_size(64)));

#define ACCS 12 /* independent FMA chains per thread: a0..a11 below */
#define ITERS 2000000L

/* GFLOP/s of the FMA loop in doubles (f64) or floats. */
#define FMA_PEAK(NAME, VEC, LANES, T)                                                     \
  static Rate NAME(void) {                                                                \
    Rate best = {0, 0};                                                                   \
    const double per_thread = 2.0 * LANES * ACCS * (double)ITERS;                         \
    for (int rep = 0; rep < 5; ++rep) {                                                   \
      double t0 = now(), cpu_rate = 0;                                                    \
      T sink = 0;                                                                         \
      _Pragma("omp parallel reduction(+ : sink, cpu_rate)") {                             \
        double c0 = cpu_now();                                                            \
        VEC m, c, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11;                      \
        for (int l = 0; l < LANES; ++l) {                                                 \
          m[l] = (T)0.999999;                                                             \
          c[l] = (T)1e-7;                                                                 \
          a0[l] = a1[l] = a2[l] = a3[l] = a4[l] = a5[l] = (T)(omp_get_thread_num() + l);  \
          a6[l] = a7[l] = a8[l] = a9[l] = a10[l] = a11[l] = (T)(l + 1);                   \
        }                                                                                 \
        for (long i = 0; i < ITERS; ++i) {                                                \
          a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;             \
          a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;             \
          a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;         \
          /* keeps the 12 chains in registers and the loop from being folded */           \
          __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4),         \
                           "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10),   \
                           "+v"(a11));                                                    \
        }                                                                                 \
        VEC s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;              \
        for (int l = 0; l < LANES; ++l) sink += s[l];                                     \
        cpu_rate += per_thread / (cpu_now() - c0) / 1e9;                                  \
      }                                                                                   \
      if (sink == 12345) printf("#");                                                     \
      keep_best(&best, per_thread * omp_get_max_threads(), now() - t0, cpu_rate);         \
    }                                                                                     \
    return best;                                                                          \
  }

FMA_PEAK(fma64, v8d, 8, double)
FMA_PEAK(fma32, v16f, 16, float)

int main(void) {
  const long n = 1L << 25;
  double* a = malloc(n * sizeof(double));
  double* b = malloc(n * sizeof(double));
  double* c = malloc(n * sizeof(double));
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; ++i) { a[i] = 0; b[i] = 1; c[i] = 2; }
  Rate triad = {0, 0}, copy = {0, 0};
  for (int rep = 0; rep < 21; ++rep) {
    double rate_triad = 0, rate_copy = 0;
    double t0 = now(), t1 = 0;
#pragma omp parallel reduction(+ : rate_triad, rate_copy)
    {
      const int threads = omp_get_num_threads(), id = omp_get_thread_num();
      const long lo = n * id / threads, hi = n * (id + 1) / threads;
      double c0 = cpu_now();
      for (long i = lo; i < hi; ++i) a[i] = b[i] + 3.0 * c[i];
      double c1 = cpu_now();
#pragma omp barrier
#pragma omp master
      t1 = now();
#pragma omp barrier
      double c2 = cpu_now();
      for (long i = lo; i < hi; ++i) c[i] = a[i];
      rate_triad += 24.0 * (hi - lo) / (c1 - c0) / 1e9;
      rate_copy += 16.0 * (hi - lo) / (cpu_now() - c2) / 1e9;
    }
    double t2 = now();
    if (rep == 0) continue; /* warm-up: first touch of the pages */
    keep_best(&triad, 24.0 * n, t1 - t0, rate_triad);
    keep_best(&copy, 16.0 * n, t2 - t1, rate_copy);
  }
  Rate f64 = fma64(), f32 = fma32();
  printf("threads %d\n", omp_get_max_threads());
  printf("triad %.2f\ntriad_cpu %.2f\ncopy %.2f\ncopy_cpu %.2f\n", triad.wall, triad.cpu, copy.wall, copy.cpu);
  printf("fma64 %.2f\nfma64_cpu %.2f\nfma32 %.2f\nfma32_cpu %.2f\n", f64.wall, f64.cpu, f32.wall, f32.cpu);
  printf("check %g\n", a[n / 2] + c[n / 3]);
  free(a);
  free(b);
  free(c);
  return 0;
}
