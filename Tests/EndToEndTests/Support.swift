import Foundation
import HDF5
import MIEstimators
import Testing

/// Result of running the built `mibatch` binary.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The repository root (for `samples/`).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The file holding this test code: on Linux the test executable (/proc/self/exe); on
/// Darwin the bundle's binary inside `mibatchPackageTests.xctest/Contents/MacOS/`, which a
/// host process (xctest, swiftpm-testing-helper) loaded, so it is found with `dladdr`.
private func testBinaryPath() -> String {
    #if os(Linux)
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
    #elseif canImport(Darwin)
    let marker: @convention(c) () -> Void = {}
    var info = Dl_info()
    if dladdr(unsafeBitCast(marker, to: UnsafeRawPointer.self), &info) != 0, let name = info.dli_fname {
        return String(cString: name)
    }
    #endif
    return CommandLine.arguments[0]
}

/// The `mibatch` executable built alongside this test bundle (`.build/<configuration>/mibatch`,
/// the product's name; its target is MIBatchCLI).
let mibatchExecutable: URL = {
    let me = testBinaryPath()
    var directory = URL(fileURLWithPath: me).deletingLastPathComponent()
    // The test bundle may be a directory (…/mibatchPackageTests.xctest/...) on some layouts.
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("mibatch")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("mibatch")
}()

/// Runs `mibatch` with `arguments` and waits for it.
func runMibatch(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
    try runProcess(mibatchExecutable.path, arguments, environment: environment)
}

/// Starts `process`. Every child of this test process starts here (or, outside this
/// target, inside `ChildProcesses.spawning` too): while it forks and execs, no test
/// thread opens or closes an HDF5 file, so no child ever holds the lock of a file a test
/// has just closed and reopens (the "unable to lock file, errno = 11" failure).
func launch(_ process: Process) throws {
    try ChildProcesses.spawning { try process.run() }
}

/// Runs an executable and captures its output.
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try launch(process)
    // Read both pipes concurrently so a chatty process cannot block on a full pipe.
    nonisolated(unsafe) var errData = Data()
    let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !reader.isFinished { usleep(1000) }
    return ProcessResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-e2e-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Deterministic standard normal generator for test data (SplitMix64 + Box–Muller).
struct TestRandom {
    var generator: SeededGenerator
    init(seed: UInt64) { generator = SeededGenerator(splitMix64State: seed) }
    mutating func nextUInt64() -> UInt64 { generator.next() }
    mutating func uniform() -> Double { Double(nextUInt64() >> 11) * 0x1p-53 }
    mutating func normal() -> Double {
        let u = max(uniform(), 0x1p-60), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

/// Writes a samples × variables float64 dataset `/data` of `columns` correlated pairs.
/// Column 2m and 2m+1 have correlation `rhos[m]`; returns the row-major values.
@discardableResult
func writeCorrelatedPairs(to path: String, samples: Int, rhos: [Double], seed: UInt64,
                          type: StorageType = .float64, scale: Double = 1) throws -> [Double] {
    var random = TestRandom(seed: seed)
    let columns = 2 * rhos.count
    var values = [Double](repeating: 0, count: samples * columns)
    let isInteger = type != .float64 && type != .float32
    for (m, rho) in rhos.enumerated() {
        for i in 0..<samples {
            let a = random.normal()
            let b = rho * a + (1 - rho * rho).squareRoot() * random.normal()
            values[i * columns + 2 * m] = isInteger ? (a * scale).rounded() : a * scale
            values[i * columns + 2 * m + 1] = isInteger ? (b * scale).rounded() : b * scale
        }
    }
    let file = try File.create(path, overwrite: true)
    try file.createDataset("/data", type: type, shape: [samples, columns]).write(values)
    return values
}

/// Runs `mibatch` on bad input and checks the contract of design.md §7: the documented exit
/// `status`, exactly one line on stderr containing every text in `mentions`, no file under
/// the output name, and no temporary file (`.NAME.PID.tmp`) or, unless `checkpointAllowed`,
/// checkpoint left in its directory.
@discardableResult
func expectRefused(_ arguments: [String], output: String, status: Int32, mentions: [String],
                   environment: [String: String] = [:], checkpointAllowed: Bool = false,
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
    let result = try runMibatch(arguments, environment: environment)
    #expect(result.status == status, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    let lines = result.stderr.split(separator: "\n")
    #expect(lines.count == 1, "expected one line, got: \(result.stderr)", sourceLocation: sourceLocation)
    for text in mentions {
        #expect(result.stderr.contains(text), "'\(text)' not in: \(result.stderr)", sourceLocation: sourceLocation)
    }
    #expect(!FileManager.default.fileExists(atPath: output), "no output may be written", sourceLocation: sourceLocation)
    let name = URL(fileURLWithPath: output).lastPathComponent
    let directory = URL(fileURLWithPath: output).deletingLastPathComponent().path
    let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter {
        $0.hasSuffix(".tmp") || (!checkpointAllowed && $0 == name + ".ckpt")
    } ?? []
    #expect(leftovers.isEmpty, "left behind: \(leftovers)", sourceLocation: sourceLocation)
    return result
}

/// Runs a Python script with h5py/numpy (installed by `.ci/setup-tests`); `arguments` are sys.argv[1...].
@discardableResult
func runPython(_ script: String, _ arguments: [String] = [],
               sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
    let result = try runProcess("/usr/bin/env", ["python3", "-c", script] + arguments)
    #expect(result.status == 0, "python3 with h5py failed (run .ci/setup-tests): \(result.stderr)", sourceLocation: sourceLocation)
    return result
}

/// The `/mi` values of an output as bit patterns (NaN payloads compared exactly).
func miBits(_ path: String) throws -> [UInt64] {
    try File.open(path).dataset("/mi").readAll().map(\.bitPattern)
}

/// Where `.ci/setup-tests` puts test data too large to commit (extracted from published packages):
/// `${XDG_CACHE_HOME:-$HOME/.cache}/mibatch-test-data/NAME`, the same rule as the script's
/// (an unset or empty XDG_CACHE_HOME falls back to `$HOME/.cache`).
func cachedTestDataPath(_ name: String) -> String {
    let environment = ProcessInfo.processInfo.environment
    let cache: String
    if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
        cache = xdg
    } else {
        cache = (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.cache"
    }
    return cache + "/mibatch-test-data/" + name
}
