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

/// 1 if `mib_combine_rows_f32` runs with 256-bit AVX vectors on this CPU, else 0.
int mib_kernels_use_avx(void);

#ifdef __cplusplus
}
#endif

#endif
