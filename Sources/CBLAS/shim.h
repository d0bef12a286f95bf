// Exposes the CBLAS interface of OpenBLAS (Debian's libopenblas-dev; Homebrew's openblas)
// to Swift: cblas_dgemm for the all-pairs Gaussian-copula product (MIEstimators/_GCMIProduct).
//
// mibatch runs its own worker pool, one BLAS call per worker at a time: OpenBLAS's own
// threads are switched off (mib_blas_single_threaded), so a product's bits never depend on
// how many threads OpenBLAS would have chosen.
#ifndef MIBATCH_CBLAS_SHIM_H
#define MIBATCH_CBLAS_SHIM_H

#include <cblas.h>

/// OpenBLAS's own threading off (idempotent; call before the first product).
static inline void mib_blas_single_threaded(void) { openblas_set_num_threads(1); }

/// OpenBLAS's build configuration ("OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell ..."), for provenance.
static inline const char *mib_blas_config(void) { return openblas_get_config(); }

/// The kernel OpenBLAS chose for this CPU ("Haswell", "SkylakeX", ...).
static inline const char *mib_blas_core(void) { return openblas_get_corename(); }

#endif
