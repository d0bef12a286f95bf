// Exposes libdeflate (Eric Biggers' DEFLATE/zlib compressor; Debian's libdeflate-dev) to the
// HDF5 wrapper, which compresses output chunks with it before handing them to libhdf5 with
// H5Dwrite_chunk. Its zlib streams are ordinary zlib streams: libhdf5's deflate filter (zlib)
// and every reader decode them. At level 1 it compressed mibatch's shuffled MI chunks 2.1x
// faster than zlib's compress2 at level 1, and 1% smaller (samples/benchmarks/RESULTS.md).
#ifndef MIBATCH_CDEFLATE_SHIM_H
#define MIBATCH_CDEFLATE_SHIM_H
#include <libdeflate.h>
#endif
