#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Returning freed memory to the system during a run.
///
/// A run that holds its input frees each variable's raw values as the variable is
/// prepared, and the preparation happens on worker threads. With glibc, the freed blocks
/// (one variable's samples: tens to hundreds of KiB) stay inside the arena of the thread
/// that allocated them, where the workers' allocations never reuse them, so resident memory
/// would be raw plus prepared input instead of prepared input alone (with one arena, see
/// ``useOneArena()``, they are free pages of the main heap). `malloc_trim(0)` hands the
/// free pages of every arena back. (A fixed low mmap threshold would do it too,
/// but would also map and unmap each pair's scratch buffers: one system call and a round
/// of page faults per pair.)
public enum Allocator {
    /// Makes every thread allocate from one heap (glibc: `mallopt(M_ARENA_MAX, 1)`); call
    /// it before the worker threads start. A no-op on other C libraries (Darwin's malloc
    /// has no per-thread arenas to limit).
    ///
    /// glibc gives threads their own arenas, and each arena keeps the free memory of the
    /// pair scratch and raw values it once held. Two threads, n = 20,000: 3.8 MiB less peak
    /// at p = 60, no change at p = 400 (where prepared input dominates). A run allocates a
    /// handful of buffers per pair, so sharing one heap costs no measurable time.
    public static func useOneArena() {
        #if canImport(Glibc)
        // mallopt and M_ARENA_MAX are declared in <malloc.h>, which the Glibc module does not import.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        let arenaMax: Int32 = -8
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
            _ = unsafeBitCast(symbol, to: MallOpt.self)(arenaMax, 1)
        }
        #endif
    }

    /// Returns free heap pages to the system: glibc `malloc_trim(0)`, Darwin
    /// `malloc_zone_pressure_relief` on every zone; a no-op elsewhere.
    ///
    /// Skipped under a sanitizer (ThreadSanitizer's or AddressSanitizer's runtime in the
    /// process): their allocators replace glibc's, and glibc's `malloc_trim` walking its own
    /// arenas meanwhile crashed a ThreadSanitizer run (SEGV in `mtrim`).
    ///
    /// - Complexity: proportional to the heap; call it rarely (once per prepared block).
    static func returnFreePages() {
        #if canImport(Glibc)
        if underSanitizer { return }
        // malloc_trim is declared in <malloc.h>, which the Glibc module does not import.
        typealias MallocTrim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        }
        #elseif canImport(Darwin)
        _ = malloc_zone_pressure_relief(nil, 0)
        #endif
    }

    /// Whether a sanitizer runtime (ThreadSanitizer, AddressSanitizer) is linked into the process.
    static let underSanitizer: Bool = {
        #if canImport(Glibc)
        let process = UnsafeMutableRawPointer(bitPattern: 0)
        return dlsym(process, "__tsan_init") != nil || dlsym(process, "__asan_init") != nil
        #else
        return false
        #endif
    }()
}
