import Foundation
import HDF5

/// Writes a result file atomically: a temporary file in the output's directory is written,
/// closed, re-opened and verified, synced to disk and only then renamed over the final name.
/// A run killed at any moment leaves either no file or the complete previous one.
public enum OutputWriter {
    /// Checks, before any work is done, that `configuration.output` may be written.
    ///
    /// - Throws: `.outputIsInput`, `.outputExists` (without `--force`), `.cannotCreateOutput`.
    public static func preflight(_ configuration: RunConfiguration) throws(MIBatchError) {
        let output = URL(fileURLWithPath: configuration.output).standardizedFileURL
        let input = URL(fileURLWithPath: configuration.input).standardizedFileURL
        let manager = FileManager.default
        if output.path == input.path || isSameFile(output.path, input.path) {
            throw .outputIsInput(path: configuration.output)
        }
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: output.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw .cannotCreateOutput(path: configuration.output, reason: "it is a directory") }
            if !configuration.force && !isMibatchOutput(configuration.output) { throw .outputExists(path: configuration.output) }
        }
        let directory = output.deletingLastPathComponent().path
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .cannotCreateOutput(path: configuration.output, reason: "directory \(directory) does not exist")
        }
        guard manager.isWritableFile(atPath: directory) else {
            throw .cannotCreateOutput(path: configuration.output, reason: "directory \(directory) is not writable")
        }
    }

    /// Whether two paths name one existing file (same device and inode: hard links, symbolic
    /// links, different spellings). Reads metadata only.
    static func isSameFile(_ a: String, _ b: String) -> Bool {
        var left = stat(), right = stat()
        guard stat(a, &left) == 0, stat(b, &right) == 0 else { return false }
        return left.st_dev == right.st_dev && left.st_ino == right.st_ino
    }

    /// Whether `path` is a complete mibatch output (it may be the very result a rerun would
    /// write; ``existingResult(at:resultKey:digest:shard:)`` decides after the input is read).
    static func isMibatchOutput(_ path: String) -> Bool {
        guard let file = try? File.open(path), case .string("mibatch")? = try? file.attribute("tool") else { return false }
        return true
    }

    /// If `path` holds the result of exactly this computation (same options, input digest and
    /// shard), its pair counts; `nil` when absent. Any other existing file is `.outputExists`.
    static func existingResult(at path: String, resultKey: String, digest: String,
                               shard: String) throws(MIBatchError) -> (computed: Int, failed: Int)? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let file = try? File.open(path),
              case .string(resultKey)? = try? file.attribute("result_configuration"),
              case .string(digest)? = try? file.attribute("input_digest"),
              case .string(shard)? = try? file.attribute("shard") else {
            throw .outputExists(path: path)
        }
        // An output of --output-matrices none records its counts.
        if !file.contains(MatrixLayer.status.path), case let .string(computed)? = try? file.attribute("computed_pairs"),
           case let .string(failed)? = try? file.attribute("failed_pairs"), let c = Int(computed), let f = Int(failed) {
            return (c, f)
        }
        guard let status = try? file.dataset(MatrixLayer.status.path).readBytes(),
              let rows = try? file.dataset("/var_i").readStrings(),
              let columns = try? file.dataset("/var_j").readStrings() else {
            throw .outputExists(path: path)
        }
        // Pairs, as the run summary counts them: an all-pairs matrix holds each pair twice.
        let symmetric = rows == columns
        var computed = 0, failed = 0
        for (index, code) in status.enumerated() where !symmetric || index % columns.count > index / columns.count {
            if code == PairStatus.computed.rawValue { computed += 1 } else if code == PairStatus.failed.rawValue { failed += 1 }
        }
        return (computed, failed)
    }

    /// Writes `matrix` with `provenance` to `path` atomically.
    ///
    /// Layout (design.md §5): one dataset per present ``MatrixLayer`` in registry order
    /// (`/mi` float64 with NaN fill, `/status` uint8, `/samples` int32 with `--nan pairwise`;
    /// square chunks ≤ 1 MiB, shuffle + deflate; the attributes of its ``LayerSpec``), `/var_i`
    /// and `/var_j` variable-length string dimension scales attached to both axes of every
    /// layer, provenance as root attributes.
    public static func write(_ matrix: MIMatrix, provenance: Provenance, to path: String,
                             overwrite: Bool) throws(MIBatchError) {
        try write(matrix, attributes: provenance.attributes, units: provenance.configuration.units.rawValue,
                  estimator: provenance.configuration.estimatorLabel, compression: provenance.configuration.compression,
                  to: path, overwrite: overwrite)
    }

    /// Writes `matrix` with the given root attributes to `path` atomically, every layer
    /// chunked in square tiles and filtered as `compression` says.
    public static func write(_ matrix: MIMatrix, attributes: [(String, String)], units: String, estimator: String,
                             compression: OutputCompression, to path: String, overwrite: Bool) throws(MIBatchError) {
        let final = URL(fileURLWithPath: path).standardizedFileURL
        let temporary = final.deletingLastPathComponent()
            .appendingPathComponent(".\(final.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        removeStaleTemporaries(of: final)
        do {
            try writeFile(matrix, attributes: attributes, units: units, estimator: estimator, compression: compression, at: temporary.path)
            try verify(matrix, at: temporary.path)
        } catch let error as MIBatchError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch let error as HDF5Error {
            try? FileManager.default.removeItem(at: temporary)
            throw .writeFailed(path: path, reason: writeReason(error))
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .cannotCreateOutput(path: path, reason: "\(error)")
        }
        try publish(temporary, as: final, path: path, overwrite: overwrite)
    }

    /// Syncs the complete `temporary` file and renames it to `final` (then syncs the
    /// directory); without `overwrite` an existing `final` is kept and `.outputExists`
    /// thrown. On failure the temporary file is removed.
    static func publish(_ temporary: URL, as final: URL, path: String, overwrite: Bool) throws(MIBatchError) {
        syncFile(temporary.path)
        if !overwrite && FileManager.default.fileExists(atPath: final.path) {
            try? FileManager.default.removeItem(at: temporary)
            throw .outputExists(path: path)
        }
        if rename(temporary.path, final.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw .cannotCreateOutput(path: path, reason: reason)
        }
        syncFile(final.deletingLastPathComponent().path)
    }

    /// The part of a write error a user acts on: the system's errno text when HDF5 gives
    /// one (for example "No space left on device"), else HDF5's message.
    static func writeReason(_ error: HDF5Error) -> String {
        guard case let .library(operation, _, _, message) = error else { return error.description }
        let parts = message.split(separator: ";").map { String($0.trimmingPrefix(" ")) }
        if let system = parts.first(where: { $0.contains("error message = ") }),
           let start = system.range(of: "error message = ") {
            let text = system[start.upperBound...].drop { $0 == "'" }.prefix { $0 != "'" }
            return "HDF5 \(operation) failed: \(text)"
        }
        return "HDF5 \(operation) failed: \(message)"
    }

    static func writeFile(_ matrix: MIMatrix, attributes: [(String, String)], units: String, estimator: String,
                          compression: OutputCompression, at path: String) throws(HDF5Error) {
        // Root attributes in dense storage (version-2 object header, creation order tracked):
        // the configuration JSON of thousands of named variables exceeds the 64 KiB limit of
        // an attribute stored in the object header.
        let file = try File.create(path, overwrite: true, denseAttributes: true)
        let rows = matrix.rowNames.count, columns = matrix.columnNames.count
        let varI = try file.createStringDataset("/var_i", values: matrix.rowNames)
        let varJ = try file.createStringDataset("/var_j", values: matrix.columnNames)
        try varI.makeDimensionScale(name: "var_i")
        try varJ.makeDimensionScale(name: "var_j")
        try varI.setAttribute("long_name", "first variable of each pair")
        try varJ.setAttribute("long_name", "second variable of each pair")

        let context = LayerContext(units: units, estimator: estimator, failureReasons: matrix.failureReasons,
                                   significance: matrix.significanceMethod, correction: matrix.correctionMethod,
                                   screenEstimator: matrix.screenEstimator)
        var scaled: [Dataset] = []
        for layer in matrix.layers.present {
            scaled.append(try file.writeLayer(layer, matrix.layers[layer]!, rows: rows, columns: columns,
                                              compression: compression, context: context))
        }

        for dataset in scaled {
            try dataset.attach(scale: varI, toDimension: 0)
            try dataset.attach(scale: varJ, toDimension: 1)
        }
        if let edges = matrix.edges { try file.writeEdges(edges, rowNames: matrix.rowNames, columnNames: matrix.columnNames, units: units) }
        for (name, value) in attributes { try file.setAttribute(name, value) }
        try file.flush()
    }

    /// Re-opens the written file and checks that it holds exactly `matrix`: the datasets of
    /// its layers and no other layer, each with exactly its values
    /// (``HDF5/File/holds(_:rows:columns:)``: one band in memory at a time).
    static func verify(_ matrix: MIMatrix, at path: String) throws {
        let file = try File.open(path)
        guard try file.holds(matrix.layers, rows: matrix.rowNames.count, columns: matrix.columnNames.count) else {
            throw MIBatchError.cannotCreateOutput(path: path, reason: "verification after writing failed: the file does not hold what was written")
        }
    }

    /// Removes `.NAME.PID.tmp` files of `final` left by runs killed while writing (their
    /// process no longer exists); temporaries of live processes are left alone.
    static func removeStaleTemporaries(of final: URL) {
        let directory = final.deletingLastPathComponent()
        let prefix = ".\(final.lastPathComponent)."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let middle = name.dropFirst(prefix.count).dropLast(4)
            guard let pid = Int32(middle), pid != ProcessInfo.processInfo.processIdentifier else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(directory.appendingPathComponent(name).path) }
        }
    }

    static func syncFile(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
