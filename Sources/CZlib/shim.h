// Exposes zlib (deflate for PNG figures) to Swift. libhdf5 links it already; it is its own
// module so the figures do not reach into the HDF5 wrapper's C layer.
#ifndef MIBATCH_CZLIB_SHIM_H
#define MIBATCH_CZLIB_SHIM_H
#include <zlib.h>
#endif
