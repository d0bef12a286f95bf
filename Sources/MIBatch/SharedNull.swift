import Foundation
import MIEstimators
import MISignificance

/// The shared null of a run (`--normalization rank`): N estimates of pairs of independent
/// scalar variables of n samples, computed once, reused by every pair of n samples.
///
/// Draw m pairs the ranks (i + ½)/n, i = 0 ..< n, prepared as any variable of the run, with
/// their permutation by the stream (seed, null, m): under independence the ranks of two
/// scalar variables with random tie-breaking are exactly such a pair, so the null is a
/// deterministic function of (n, estimator settings, jitter, seed, N) and every shard
/// computes the same one, bit for bit, on any number of threads.
enum SharedNull {
    /// The input positions the null's variables stand in for (no real variable has them):
    /// the ranks are `base`, the permuted copy of draw m `base − 1 − m` (its random streams).
    static let base = Int.max / 2

    /// The null of `count` draws at `samples` samples, from `cache` when it holds it (and
    /// stored there when it did not; a cache that cannot be written is a warning).
    ///
    /// - Throws: ``MIBatchError/invalidOption(_:)`` when the estimator fails on the ranks
    ///   (too few samples for it).
    static func make(samples: Int, count: Int, kernel: CellKernel, configuration: RunConfiguration,
                     notice: (String) -> Void) throws(MIBatchError) -> NullDistribution {
        let key = NullCache.key(configuration, samples: samples, count: count)
        if let directory = configuration.nullCache, let cached = NullCache.load(directory: directory, key: key, samples: samples, count: count) {
            notice("notice: shared null of \(count) estimates at n = \(samples) read from \(NullCache.path(directory: directory, key: key))")
            return cached
        }
        let clock = ContinuousClock(), started = clock.now
        let null = try compute(samples: samples, count: count, kernel: kernel, threads: configuration.threads)
        let elapsed = clock.now - started
        let seconds = elapsed.seconds
        var where_ = ""
        if let directory = configuration.nullCache {
            do {
                try NullCache.store(null, directory: directory, key: key)
                where_ = "; cached in \(NullCache.path(directory: directory, key: key))"
            } catch {
                notice("warning: --null-cache \(directory): could not store the null (\(error)); other runs will compute it again")
            }
        }
        notice("notice: shared null of \(count) estimates at n = \(samples) computed in \(String(format: "%.2f", seconds)) s\(where_)")
        return null
    }

    /// Computes the draws on `threads` workers (each draw in its own slot: same bits for any count).
    static func compute(samples n: Int, count: Int, kernel: CellKernel, threads: Int) throws(MIBatchError) -> NullDistribution {
        let grid = VariableData(column: (0..<n).map { (Double($0) + 0.5) / Double(n) })
        guard case let .ready(x) = kernel.prepare(grid, variable: base) else {
            throw .invalidOption("--permutations: the estimator cannot prepare \(n) ranks for the shared null")
        }
        let values = SharedBuffer<Double>(repeating: .nan, count: count)
        let failures = SparseTexts()
        let estimator = kernel.estimator, seed = kernel.seed
        WorkerPool.run(threads: threads, count: count) { m in
            let permutation = SamplePermutation.make(count: n, seed: seed, stream: SamplePermutation.nullStream(index: m))
            do {
                values[m] = try estimator.estimate(x, estimator.permute(x, by: permutation), variables: (base, base - 1 - m))
            } catch {
                failures[0] = "\(error)"
            }
        }
        let drawn = values.array
        if let failure = failures[0] ?? (drawn.contains { !$0.isFinite } ? "an estimate is not finite" : nil) {
            throw .invalidOption("--permutations: the shared null at n = \(n) failed: \(failure)")
        }
        return NullDistribution(samples: n, values: drawn)
    }
}

/// Shared nulls kept on disk (`--null-cache DIR`): one file per (n, estimator settings,
/// jitter, seed, N), named by the SHA-256 of that key and holding the key, so a file is
/// used only for exactly the null it holds.
///
/// Layout: the line `MIBATCH-NULL 1`, the key's JSON on one line, then the N sorted values as
/// little-endian float64. Written to a temporary file and renamed, so concurrent shards
/// writing the same null leave one complete file.
enum NullCache {
    static let magic = "MIBATCH-NULL 1\n"

    /// The key: the estimator's settings and every run option that changes a null estimate.
    static func key(_ configuration: RunConfiguration, samples: Int, count: Int) -> String {
        var object: [String: Any] = [:]
        if let data = configuration.resultKey.data(using: .utf8),
           let parsed = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for (name, value) in parsed where !RunConfiguration.runKeys.contains(name) || ["estimator", "jitter", "seed"].contains(name) {
                object[name] = value
            }
        }
        object["samples"] = samples
        object["permutations"] = count
        object["null"] = "ranks (i + 1/2)/n against their permutations by (seed, null, m)"
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The file of `key` in `directory`.
    static func path(directory: String, key: String) -> String {
        var hasher = SHA256Hasher()
        hasher.update(key)
        return URL(fileURLWithPath: directory).appendingPathComponent("null-\(hasher.finalize().prefix(20)).f64").path
    }

    /// The cached null, or `nil` when absent, of another key, or damaged.
    static func load(directory: String, key: String, samples: Int, count: Int) -> NullDistribution? {
        guard let data = FileManager.default.contents(atPath: path(directory: directory, key: key)) else { return nil }
        let header = Array((magic + key + "\n").utf8)
        guard data.count == header.count + 8 * count, data.prefix(header.count).elementsEqual(header) else { return nil }
        var values = [Double](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            for m in 0..<count {
                values[m] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: header.count + 8 * m, as: UInt64.self)))
            }
        }
        guard values.allSatisfy(\.isFinite) else { return nil }
        return NullDistribution(samples: samples, values: values)
    }

    /// Stores `null` under `key` (creating `directory`).
    static func store(_ null: NullDistribution, directory: String, key: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var bytes = Array((magic + key + "\n").utf8)
        bytes.reserveCapacity(bytes.count + 8 * null.count)
        for value in null.values { Checkpoint.appendBits(&bytes, value.bitPattern, count: 8) }
        let final = path(directory: directory, key: key)
        let temporary = final + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw MIBatchError.cannotCreateOutput(path: temporary, reason: "cannot write the file")
        }
        if rename(temporary, final) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw MIBatchError.cannotCreateOutput(path: final, reason: reason)
        }
    }
}
