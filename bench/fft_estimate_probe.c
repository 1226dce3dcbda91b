/* FFTW_ESTIMATE's real transforms by size, the figures behind the f64 slowdown in conv1d's
 * FFT cost model (plugins/signal/fft_plan.cpp). For 2^15 .. 2^20 points, f32 and f64: the
 * best of 10 runs of the r2c and the c2r plan graphrun makes (FFTW_ESTIMATE, the c2r with
 * FFTW_DESTROY_INPUT), and ns per n·log2 n of their mean, with the ratio to 2^17.
 *
 *   gcc -O2 bench/fft_estimate_probe.c -o /tmp/fft_estimate_probe -lfftw3 -lfftw3f -lm
 *   /tmp/fft_estimate_probe
 */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

#define PROBE(NAME, REAL, PREFIX)                                                                  \
  static void NAME(void) {                                                                         \
    double at17 = 0;                                                                               \
    for (int lg = 15; lg <= 20; ++lg) {                                                            \
      const int n = 1 << lg;                                                                       \
      REAL* r = PREFIX##_malloc(sizeof(REAL) * n);                                                 \
      PREFIX##_complex* c = PREFIX##_malloc(sizeof(PREFIX##_complex) * (n / 2 + 1));               \
      PREFIX##_plan f = PREFIX##_plan_dft_r2c_1d(n, r, c, FFTW_ESTIMATE);                          \
      PREFIX##_plan i = PREFIX##_plan_dft_c2r_1d(n, c, r, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);     \
      double best_f = 1e9, best_i = 1e9;                                                           \
      for (int k = 0; k < 10; ++k) {                                                               \
        for (int j = 0; j < n; ++j) r[j] = (REAL)(j % 7);                                          \
        const double t0 = now();                                                                   \
        PREFIX##_execute(f);                                                                       \
        const double t1 = now();                                                                   \
        PREFIX##_execute(i);                                                                       \
        const double t2 = now();                                                                   \
        if (t1 - t0 < best_f) best_f = t1 - t0;                                                    \
        if (t2 - t1 < best_i) best_i = t2 - t1;                                                    \
      }                                                                                            \
      const double per = (best_f + best_i) / 2 * 1e9 / ((double)n * lg);                          \
      if (lg == 17) at17 = per;                                                                    \
      printf("%s 2^%d: r2c %.3f ms, c2r %.3f ms, %.3f ns per n log2 n%s", #REAL, lg, best_f * 1e3, \
             best_i * 1e3, per, lg < 17 ? "\n" : "");                                              \
      if (lg >= 17) printf(", %.2f x 2^17's\n", per / at17);                                       \
      PREFIX##_destroy_plan(f);                                                                    \
      PREFIX##_destroy_plan(i);                                                                    \
      PREFIX##_free(r);                                                                            \
      PREFIX##_free(c);                                                                            \
    }                                                                                              \
  }

PROBE(probe_f32, float, fftwf)
PROBE(probe_f64, double, fftw)

int main(void) {
  probe_f32();
  probe_f64();
  return 0;
}
