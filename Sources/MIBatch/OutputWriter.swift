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
              case .string(shard)? = try? file.attribute("shard"),
              let status = try? file.dataset("/status").readBytes() else {
            throw .outputExists(path: path)
        }
        return (status.filter { $0 == PairStatus.computed.rawValue }.count, status.filter { $0 == PairStatus.failed.rawValue }.count)
    }

    /// Writes `matrix` with `provenance` to `path` atomically.
    ///
    /// Layout (design.md §5): `/mi` float64 (square chunks ≤ 1 MiB, shuffle + deflate, NaN fill), `/var_i`
    /// and `/var_j` variable-length string dimension scales attached to both axes of `/mi`
    /// and `/status`, `/status` uint8, provenance as root attributes.
    public static func write(_ matrix: MIMatrix, provenance: Provenance, to path: String,
                             overwrite: Bool) throws(MIBatchError) {
        try write(matrix, attributes: provenance.attributes, units: provenance.configuration.units.rawValue,
                  estimator: provenance.configuration.estimatorLabel, compression: provenance.configuration.compression,
                  to: path, overwrite: overwrite)
    }

    /// Writes `matrix` with the given root attributes to `path` atomically, `/mi` and
    /// `/status` chunked in square tiles and filtered as `compression` says.
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
        let layout = OutputStorage.layout(rows: rows, columns: columns, compression: compression, nanFill: true)
        let varI = try file.createStringDataset("/var_i", values: matrix.rowNames)
        let varJ = try file.createStringDataset("/var_j", values: matrix.columnNames)
        try varI.makeDimensionScale(name: "var_i")
        try varJ.makeDimensionScale(name: "var_j")
        try varI.setAttribute("long_name", "first variable of each pair")
        try varJ.setAttribute("long_name", "second variable of each pair")

        let mi = try file.createDataset("/mi", type: .float64, shape: [rows, columns], layout: layout)
        try writeMatrix(matrix.values, to: mi, compression: compression)
        try mi.setAttribute("long_name", "mutual information")
        try mi.setAttribute("units", units)
        try mi.setAttribute("estimator", estimator)
        try mi.setAttribute("_FillValue", Double.nan)

        let statusLayout = OutputStorage.layout(rows: rows, columns: columns, compression: compression, nanFill: false)
        let status = try file.createDataset("/status", type: .uint8, shape: [rows, columns], layout: statusLayout)
        try writeMatrix(matrix.status, to: status, compression: compression)
        try status.setAttribute("long_name", "pair status")
        try status.setAttribute("flag_values", [0, 1, 2])
        try status.setAttribute("flag_meanings", "not_computed computed failed")
        if let reasons = FailureReason.summary(matrix.failureReasons) {
            try status.setAttribute("failure_reasons", reasons)
        }
        var scaled = [mi, status]
        if let samples = matrix.samples {
            let used = try file.createDataset("/samples", type: .int32, shape: [rows, columns], layout: statusLayout)
            try used.write(samples.map(Double.init))
            try used.setAttribute("long_name", "samples used (rows finite in both variables, --nan pairwise)")
            scaled.append(used)
        }

        for dataset in scaled {
            try dataset.attach(scale: varI, toDimension: 0)
            try dataset.attach(scale: varJ, toDimension: 1)
        }
        for (name, value) in attributes { try file.setAttribute(name, value) }
        try file.flush()
    }

    /// Writes `/mi` or `/status`: shuffled and deflated chunks compressed in parallel
    /// (``Dataset/writeShuffledDeflated(_:level:)``), or through libhdf5 when uncompressed.
    static func writeMatrix<T: BitwiseCopyable>(_ values: [T], to dataset: Dataset, compression: OutputCompression) throws(HDF5Error) {
        switch compression {
        case let .deflate(level): try dataset.writeShuffledDeflated(values, level: level)
        case .none:
            if let doubles = values as? [Double] { try dataset.write(doubles) }
            else if let bytes = values as? [UInt8] { try dataset.write(bytes) }
            else { preconditionFailure("only float64 and uint8 matrices are written") }
        }
    }

    /// Re-opens the written file and checks that it holds exactly `matrix`.
    ///
    /// `/mi` is read back one band of chunk rows at a time, so the check holds a band, not a
    /// second copy of the matrix.
    static func verify(_ matrix: MIMatrix, at path: String) throws {
        let file = try File.open(path)
        let mi = try file.dataset("/mi")
        let rows = matrix.rowNames.count, columns = matrix.columnNames.count
        var same = mi.shape == [rows, columns] && matrix.values.count == rows * columns
        let band = OutputStorage.chunkShape(rows: rows, columns: columns)[0]
        var start = 0
        while same && start < rows {
            let end = min(rows, start + band)
            let values = try mi.read(rows: start..<end, columns: 0..<columns)
            same = zip(values, matrix.values[(start * columns)..<(end * columns)])
                .allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
            start = end
        }
        let status = try file.dataset("/status").readBytes()
        let samples = file.contains("/samples") ? try file.dataset("/samples").readAll().map { Int32($0) } : nil
        same = same && status == matrix.status && samples == matrix.samples
        guard same else {
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
