// OpenBLAS's cblas_dgemm for the all-pairs Gaussian-copula product (MIEstimators/_GCMIPanels),
// loaded on first use with dlopen (Debian's libopenblas0, installed by libopenblas-dev;
// Homebrew's openblas): a run of another estimator never maps the library nor starts its
// threads (about 2 MiB of resident memory a run, which the memory plan does not count).
//
// mibatch runs its own worker pool, one BLAS call per worker at a time: OpenBLAS's own
// threads are switched off when it is loaded, so a product's bits never depend on how many
// threads OpenBLAS would have chosen.
#ifndef MIBATCH_CBLAS_SHIM_H
#define MIBATCH_CBLAS_SHIM_H

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

// The CBLAS constants (cblas.h): column-major order, no transpose, transpose.
enum { MIB_CBLAS_COL_MAJOR = 102, MIB_CBLAS_NO_TRANS = 111, MIB_CBLAS_TRANS = 112 };

typedef void (*mib_dgemm_fn)(int order, int transa, int transb, int m, int n, int k, double alpha,
                             const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc);

/// The library's handle, NULL when OpenBLAS is not installed (loaded once; call it from one
/// thread first, mibatch does so from a Swift lazy global).
static inline void *mib_blas_open(void) {
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblas.0.dylib", "libopenblas.dylib",
                           "/opt/homebrew/opt/openblas/lib/libopenblas.dylib", "/usr/local/opt/openblas/lib/libopenblas.dylib"};
    // OpenBLAS's pthread build starts a thread pool when loaded, sized by this variable (else
    // by the cores), whose idle threads spin on sched_yield for ~0.1 s, taking a core from
    // the workers; openblas_set_num_threads(1) afterwards does not stop them. Set before
    // loading, no pool is started.
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (handle) {
            void (*set_threads)(int) = (void (*)(int))dlsym(handle, "openblas_set_num_threads");
            if (set_threads) set_threads(1);
            return handle;
        }
    }
    return NULL;
}

/// cblas_dgemm of `handle`, NULL when absent.
static inline mib_dgemm_fn mib_blas_dgemm(void *handle) {
    return handle ? (mib_dgemm_fn)dlsym(handle, "cblas_dgemm") : NULL;
}

/// OpenBLAS's build configuration and the kernel it chose for this CPU ("Haswell",
/// "Cooperlake", ...), for provenance; "" when absent.
static inline const char *mib_blas_text(void *handle, const char *symbol) {
    if (!handle) return "";
    const char *(*get)(void) = (const char *(*)(void))dlsym(handle, symbol);
    return get ? get() : "";
}

#endif
