// swift-tools-version:6.0
// Kernel benchmarks without I/O: the estimators (symlinked from the main package) and two
// small drivers. Not part of the test suite; see ../RESULTS.md.
//   swift build -c release && .build/release/ksg-bench 5000 40 [2|1|joint]   # CPU ms per pair
//   valgrind --tool=callgrind --branch-sim=yes .build/release/ksg-bench 5000 20 2
//   .build/release/mine-bench [steps]
//   .build/release/pair-bench [n] [d p]                             # every kernel, d >= 1
//   .build/release/knn-bench n dx dy [tree|brute|auto] [1|2]         # one KSG pair, s and peak RSS
import PackageDescription
let package = Package(
    name: "kernel-bench",
    targets: [
        .target(name: "CMIKernels"),
        .systemLibrary(name: "CBLAS"),
        .target(name: "MIEstimators", dependencies: ["CMIKernels", "CBLAS"]),
        .executableTarget(name: "ksg-bench", dependencies: ["MIEstimators"]),
        .executableTarget(name: "mine-bench", dependencies: ["MIEstimators"]),
        .executableTarget(name: "pair-bench", dependencies: ["MIEstimators"]),
        .executableTarget(name: "knn-bench", dependencies: ["MIEstimators"]),
    ]
)
