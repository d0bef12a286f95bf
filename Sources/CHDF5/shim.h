// Exposes libhdf5 (1.10, Debian serial build) to Swift. Many HDF5 "constants" are
// macros that call functions (H5T_NATIVE_DOUBLE opens the library first); Swift
// cannot import those, so each one is re-exported here as a static inline function.
#ifndef MIBATCH_CHDF5_SHIM_H
#define MIBATCH_CHDF5_SHIM_H

#include <hdf5.h>
#include <hdf5_hl.h>
#include <string.h>
#include <zlib.h>

static inline hid_t mib_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t mib_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t mib_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline hid_t mib_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t mib_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t mib_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t mib_H5P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }
static inline hid_t mib_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }

static inline unsigned mib_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned mib_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned mib_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned mib_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }

static inline hid_t mib_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t mib_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t mib_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t mib_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t mib_H5T_STD_U8LE(void) { return H5T_STD_U8LE; }
static inline hid_t mib_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t mib_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t mib_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }
static inline hid_t mib_H5T_STD_I16LE(void) { return H5T_STD_I16LE; }
static inline hid_t mib_H5T_STD_U16LE(void) { return H5T_STD_U16LE; }
static inline hid_t mib_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t mib_H5T_C_S1(void) { return H5T_C_S1; }
static inline size_t mib_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hid_t mib_H5FD_SEC2(void) { return H5FD_SEC2; }

/// zlib's compress2 into `dest` (capacity `*length` bytes; on return the compressed size).
/// Returns Z_OK (0) on success. Exposed here because HDF5's deflate filter is zlib: chunks
/// compressed with it in parallel are written with H5Dwrite_chunk (see ChunkWriter.swift).
static inline int mib_zlib_compress(unsigned char *dest, size_t *length, const unsigned char *source,
                                    size_t sourceLength, int level) {
    uLongf out = (uLongf)*length;
    int status = compress2(dest, &out, source, (uLong)sourceLength, level);
    *length = (size_t)out;
    return status;
}
static inline size_t mib_zlib_bound(size_t sourceLength) { return (size_t)compressBound((uLong)sourceLength); }

/// Turns off HDF5's automatic printing of error stacks; mibatch reports errors itself.
static inline void mib_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

struct mib_error_buffer { char *text; size_t capacity; int depth; };

static inline herr_t mib_error_walker(unsigned n, const H5E_error2_t *err, void *data) {
    struct mib_error_buffer *buf = (struct mib_error_buffer *)data;
    if (err->desc == NULL || err->desc[0] == '\0') return 0;
    size_t used = strlen(buf->text);
    if (used + 4 >= buf->capacity) return 0;
    if (buf->depth > 0) { strncat(buf->text, "; ", buf->capacity - used - 1); used += 2; }
    strncat(buf->text, err->desc, buf->capacity - used - 1);
    buf->depth += 1;
    (void)n;
    return 0;
}

/// Copies the current thread's HDF5 error stack (outermost first) into `text`, then clears it.
static inline void mib_take_error_stack(char *text, size_t capacity) {
    if (capacity == 0) return;
    text[0] = '\0';
    struct mib_error_buffer buf = { text, capacity, 0 };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, mib_error_walker, &buf);
    H5Eclear2(H5E_DEFAULT);
}

// Crash guard. libhdf5 1.10 trusts the file's metadata: a damaged global heap (the storage
// of variable-length strings) or object header can make it read or copy out of bounds
// (h5dump crashes on the same files). Around calls that parse input metadata or data the
// Swift layer sets a per-thread message; a SIGSEGV/SIGBUS on that thread then prints it and
// exits with status 74 (EX_IOERR) instead of crashing. Faults on other threads, or outside
// a guarded call, go to the previous handler (the Swift runtime's crash report).
#include <signal.h>
#include <unistd.h>
//
// State lives in function-local statics (Swift does not emit a header's file-scope statics);
// only Sources/HDF5/CrashGuard.swift calls these functions, so there is one copy of them.

static inline int *mib_guard_depth(void) { static __thread int value; return &value; }
static inline char *mib_guard_message(void) { static __thread char value[1536]; return value; }
static inline struct sigaction *mib_guard_previous(int sig) {
    static struct sigaction segv, bus;
    return sig == SIGBUS ? &bus : &segv;
}

static inline void mib_guard_handler(int sig, siginfo_t *info, void *context) {
    (void)info; (void)context;
    if (*mib_guard_depth() > 0) {
        const char *message = mib_guard_message();
        size_t length = 0;
        while (length < 1536 && message[length] != '\0') length++;
        ssize_t ignored = write(2, message, length);
        (void)ignored;
        _exit(74);
    }
    // Not a guarded HDF5 call: restore the previous handler; the fault repeats and reaches it.
    sigaction(sig, mib_guard_previous(sig), NULL);
}

/// Installs the handler (call once per process).
static inline void mib_guard_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = mib_guard_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, mib_guard_previous(SIGSEGV));
    sigaction(SIGBUS, &action, mib_guard_previous(SIGBUS));
}

/// Enters a guarded call on this thread; `message` is printed if libhdf5 crashes in it.
static inline void mib_guard_begin(const char *message) {
    if ((*mib_guard_depth())++ == 0) {
        char *buffer = mib_guard_message();
        strncpy(buffer, message, 1534);
        buffer[1534] = '\0';
        strcat(buffer, "\n");
    }
}

/// Leaves a guarded call.
static inline void mib_guard_end(void) { (*mib_guard_depth())--; }

#endif
