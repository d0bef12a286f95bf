// swift-tools-version: 6.0
import PackageDescription

// Dependency direction (never reversed):
//   MIBatchCLI (the `mibatch` executable) ──> MIBatch (engine) ──> HDF5 ──> CHDF5 (libhdf5)
//                                                              │        └─> CDeflate (libdeflate: output chunks)
//                                                              ├─> CZlib (zlib, for PNG figures)
//                                                              ├─> MISignificance (permutations, nulls, FDR) ──> MIEstimators
//                                                              ├─> MINetwork (ARACNE, CLR, MRNET on an MI matrix; pure math, depends on nothing)
//                                                              └─> MIEstimators (pure math, no I/O) ──> CMIKernels (C vector kernels)
//                                                                                                   └─> CBLAS (OpenBLAS: GCMI's products)
let package = Package(
    name: "mibatch",
    products: [
        // The binary is named after the product: `.build/<configuration>/mibatch`. The target
        // (Sources/MIBatchCLI) is not called `mibatch`: a folder differing from Sources/MIBatch
        // only in case breaks checkouts on case-insensitive file systems (macOS, Windows).
        .executable(name: "mibatch", targets: ["MIBatchCLI"]),
        .library(name: "MIEstimators", targets: ["MIEstimators"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        // SHA-256 of the input digest (BoringSSL's assembly on Linux, CryptoKit on Darwin).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // libhdf5 and zlib, found through pkg-config's `hdf5`: Debian's libhdf5-dev and
        // Homebrew's hdf5 both install an hdf5.pc (on a Mac, `brew install hdf5 pkg-config`;
        // zlib is the system's).
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev", "zlib1g-dev", "pkg-config"]), .brew(["hdf5", "pkg-config"])]
        ),
        // libdeflate: output chunks compressed on the worker threads (zlib streams, decoded by
        // libhdf5's deflate filter like its own); Debian's libdeflate-dev, Homebrew's libdeflate.
        .systemLibrary(
            name: "CDeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"]), .brew(["libdeflate"])]
        ),
        .target(name: "HDF5", dependencies: ["CHDF5", "CDeflate"]),
        // zlib for the PNG figures (deflate, CRC-32); on Debian zlib1g-dev, on a Mac the SDK's.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // OpenBLAS (cblas_dgemm for all-pairs Gaussian-copula MI), loaded with dlopen on
        // first use (Debian's libopenblas-dev, Homebrew's openblas): runs of other estimators
        // never map it.
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .target(
            name: "CMIKernels",
            // Optimized in debug builds too (the MINE tests train networks).
            cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]
        ),
        .target(
            name: "MIEstimators",
            dependencies: ["CMIKernels", "CBLAS"],
            // The estimators' generic numeric kernels are ~100x slower unoptimized; keep
            // debug builds (and so `swift test`) usable by optimizing this module always.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // Significance: permutations, shared null distributions, multiple testing (pure
        // math beside the estimators; no I/O).
        .target(
            name: "MISignificance",
            dependencies: ["MIEstimators"],
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // Network inference from an MI matrix (ARACNE, CLR, MRNET): pure math, no I/O, no
        // dependencies.
        .target(
            name: "MINetwork",
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        .target(
            name: "MIBatch",
            dependencies: [
                "HDF5", "MIEstimators", "MISignificance", "MINetwork", "CZlib",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["SourceRevisionPlugin"]
        ),
        // Generates BuildRevision (`git describe --always --dirty` at build time) for the
        // `source_revision` attribute and `mibatch --version`; rewrites it only when it changes.
        .plugin(name: "SourceRevisionPlugin", capability: .buildTool(), path: "Sources/SourceRevisionPlugin"),
        .executableTarget(
            name: "MIBatchCLI",
            dependencies: [
                "MIBatch",
                "MIEstimators",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Release builds link the Swift runtime and Foundation in statically: only the
            // code used is mapped, ~5 MiB less resident memory than the shared libraries
            // (issue 9). The flag is needed when compiling too (the static Foundation modules
            // autolink its ICU). Debug builds stay dynamic: under AddressSanitizer
            // (.ci/sanitizers) the static CoreFoundation aborts with a bad free.
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))],
            linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))]
        ),
        .testTarget(
            name: "MIEstimatorsTests",
            dependencies: [
                "MIEstimators",
                "CMIKernels",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "MISignificanceTests", dependencies: ["MISignificance", "MIEstimators"]),
        .testTarget(name: "MINetworkTests", dependencies: ["MINetwork"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5"]),
        .testTarget(name: "MIBatchTests", dependencies: ["MIBatch", "HDF5", "MIEstimators", "CZlib"]),
        .testTarget(
            name: "SchedulerTests",
            dependencies: ["MIBatch", .product(name: "Atomics", package: "swift-atomics")]
        ),
        // Runs the mibatch binary, which `swift test` builds with every other target. Not a
        // dependency: a test bundle depending on an executable links the executable's code
        // and linker settings in, and the statically linked runtime (-static-stdlib) cannot
        // be mixed with the shared one swift-testing uses.
        .testTarget(name: "EndToEndTests", dependencies: ["HDF5", "MIBatch", "MIEstimators", "MISignificance", "MINetwork"]),
    ]
)
