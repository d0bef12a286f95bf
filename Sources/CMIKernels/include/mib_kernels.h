// Vector kernels of mibatch's estimators, in C so that one binary can use AVX where the
// CPU has it and SSE2 elsewhere (Swift cannot compile one function for a different
// instruction set than the rest of its module). Pure arithmetic: no I/O, no allocation.
#ifndef MIB_KERNELS_H
#define MIB_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// out[j] = (start ? start[j] : 0) + sum over u < terms of c_u * rows[r_u * stride + j],
/// j < count, with r_u = index[u], c_u = coefficients[r_u]; each out[j] summed in the
/// order u = 0, 1, ... with separate multiply and add (never fused). Every code path
/// (AVX, SSE2, scalar) gives the same bits. `out` must not overlap `rows`.
void mib_combine_rows_f32(float *out, long count, const float *start, const float *rows,
                          long stride, const float *coefficients, const int32_t *index,
                          long terms);

/// The same function, always on the baseline path (for tests that compare the paths).
void mib_combine_rows_f32_baseline(float *out, long count, const float *start,
                                   const float *rows, long stride, const float *coefficients,
                                   const int32_t *index, long terms);

/// Writes the positions q < count with v[q] != 0 (NaN and ±inf count as nonzero, ±0 does
/// not) to `index`, ascending; returns how many. `index` must hold `count` entries.
long mib_compact_nonzero_f32(const float *v, long count, int32_t *index);

/// Max-norm distances: out[b * stride + j] = max(out[b * stride + j], max over k < d of
/// |c_j[k] - q_b[k]|) for b < nq and j < 8 * npanels, where q_b = queries + b * d (row-major)
/// and candidate j sits in panel j / 8 at panels[(j / 8) * 8 * d + k * 8 + j % 8]. Start
/// `out` at 0 for the distances themselves. Exact (subtraction, absolute value and maximum
/// only): every code path (AVX, SSE2) gives the bits of a scalar loop. `stride` >= 8 * npanels.
void mib_maxnorm_block_f64(double *out, long stride, const double *queries, long nq,
                           const double *panels, long npanels, long d);

/// The same function, always on the baseline path (for tests that compare the paths).
void mib_maxnorm_block_f64_baseline(double *out, long stride, const double *queries, long nq,
                                    const double *panels, long npanels, long d);

/// 1 if `mib_combine_rows_f32` runs with 256-bit AVX vectors on this CPU, else 0.
int mib_kernels_use_avx(void);

#ifdef __cplusplus
}
#endif

#endif
