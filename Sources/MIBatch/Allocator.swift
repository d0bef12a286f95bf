#if canImport(Glibc)
import Glibc
#endif

/// Process-wide allocator policy for runs that hold large arrays.
///
/// A run frees the raw input of each variable as the variable is prepared, and the
/// preparation happens on worker threads. With glibc's default policy, freed blocks of a
/// few hundred KiB (one variable's samples) stay in the arena of the thread that
/// allocated them once the dynamic mmap threshold has grown, so resident memory would be
/// raw plus prepared input instead of prepared input alone. A fixed threshold serves every
/// allocation of 128 KiB or more with its own mapping, returned to the system on free.
enum Allocator {
    /// Applies the policy (idempotent; a no-op where glibc is not the allocator).
    static func returnLargeBlocksToTheSystem() {
        #if canImport(Glibc)
        // mallopt is declared in <malloc.h>, which the Glibc module does not import.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
            _ = unsafeBitCast(symbol, to: MallOpt.self)(mmapThreshold, 128 << 10)
        }
        #endif
    }
}
