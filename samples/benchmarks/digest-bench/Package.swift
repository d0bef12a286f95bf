// swift-tools-version:6.0
// Throughput of the input digest's hashing (Sources/MIBatch/SHA256.swift, symlinked: the
// same SHA256Hasher over swift-crypto that `mibatch run` uses). Not part of the test suite.
//   swift build -c release && .build/release/digest-bench [update-bytes]   # hashes 1 GiB
import PackageDescription
let package = Package(
    name: "digest-bench",
    dependencies: [.package(url: "https://github.com/apple/swift-crypto", from: "3.12.3")],
    targets: [
        .executableTarget(name: "digest-bench", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
    ]
)
