import Foundation
import HDF5
import MINetwork

/// A complete all-pairs mibatch MI matrix opened for network inference: checked, then read
/// one band of rows at a time (never the whole matrix unless MRNET keeps it).
struct NetworkReader {
    let path: String
    let file: File
    /// The variable names (`/var_i`, equal to `/var_j`).
    let names: [String]
    /// Root string attributes of the input.
    let attributes: [String: String]
    /// `/mi`'s units (`nats` when absent).
    let units: String
    /// Whether `/qvalue` is present.
    let hasQValues: Bool

    /// Opens and checks `path`.
    ///
    /// - Throws: `.hdf5` (missing, not HDF5); `.notAnOutput` (no `tool = mibatch`, or a
    ///   network file); `.partialMatrix` (a shard, a partial merge); `.unsuitableMatrix`
    ///   (rectangular, matrices not written, fewer than 3 variables, bad shapes).
    static func open(_ path: String) throws(MIBatchError) -> NetworkReader {
        try ResultFile.reading(path) {
            let file = try File.open(path)
            let attributes = try file.stringAttributes().values
            guard attributes["tool"] == "mibatch" else { throw MIBatchError.notAnOutput(path: path, reason: "it has no attribute tool = mibatch") }
            if attributes["kind"] == "network" {
                throw MIBatchError.notAnOutput(path: path, reason: "it is a network file written by mibatch network, not an MI matrix")
            }
            let shard = attributes["shard"] ?? "1/1"
            if shard.contains("(partial)") { throw MIBatchError.partialMatrix(path: path, reason: "it is a partial merge (shard \(shard))") }
            if let spec = ShardSpec.parse(shard), spec.count > 1 {
                throw MIBatchError.partialMatrix(path: path, reason: "it is shard \(shard) of a sharded run")
            }
            guard file.contains("/mi") else {
                let reason = file.contains("/edges/mi") ? "it was written with --output-matrices none and holds only /edges" : "it has no dataset /mi"
                throw MIBatchError.unsuitableMatrix(path: path, reason: reason)
            }
            for name in ["/var_i", "/var_j", "/status"] where !file.contains(name) {
                throw MIBatchError.notAnOutput(path: path, reason: "it has no dataset \(name)")
            }
            let rows = try file.dataset("/var_i").readStrings(), columns = try file.dataset("/var_j").readStrings()
            guard rows == columns else {
                throw MIBatchError.unsuitableMatrix(path: path, reason: "it is a rectangular \(rows.count) × \(columns.count) X-set × Y-set matrix; networks need all pairs of one variable set")
            }
            guard rows.count >= 3 else { throw MIBatchError.unsuitableMatrix(path: path, reason: "it has \(rows.count) variables; network inference needs at least 3") }
            let mi = try file.dataset("/mi")
            for name in ["/mi", "/status"] + (file.contains("/qvalue") ? ["/qvalue"] : []) where try file.dataset(name).shape != [rows.count, rows.count] {
                throw MIBatchError.notAnOutput(path: path, reason: "\(name) has shape \(try file.dataset(name).shape) but /var_i holds \(rows.count) names")
            }
            var units = "nats"
            if case let .string(text)? = try mi.attribute("units") { units = text }
            return NetworkReader(path: path, file: file, names: rows, attributes: attributes, units: units, hasQValues: file.contains("/qvalue"))
        }
    }

    /// One band of rows: `/mi` with every pair not computed (failed, screened out, the
    /// diagonal) set to 0, which pairs are candidates' raw material (`computed`), and `/qvalue`.
    struct Band {
        var rows: Range<Int>
        /// Row-major `rows.count × p` MI, 0 where not computed.
        var mi: [Double]
        /// Row-major status codes.
        var status: [UInt8]
        /// Row-major q-values (empty without `/qvalue` or when not asked for).
        var q: [Double]
    }

    /// Calls `body` with each band of `height` rows, in row order.
    ///
    /// - Throws: `.partialMatrix` at the first off-diagonal pair not computed (status 0);
    ///   `.readFailed` when a band cannot be read.
    func forEachBand(height: Int, withQ: Bool, _ body: (Band) throws(MIBatchError) -> Void) throws(MIBatchError) {
        let p = names.count
        var start = 0
        while start < p {
            let rows = start..<min(p, start + height)
            var band: Band
            do {
                var mi = try file.dataset("/mi").read(rows: rows, columns: 0..<p)
                let status = try file.dataset("/status").read(rows: rows, columns: 0..<p).map { UInt8(clamping: Int($0)) }
                let q = withQ ? try file.dataset("/qvalue").read(rows: rows, columns: 0..<p) : []
                for r in 0..<rows.count {
                    let i = rows.lowerBound + r
                    for j in 0..<p {
                        let index = r * p + j
                        if j == i { mi[index] = 0; continue }
                        switch status[index] {
                        case PairStatus.computed.rawValue: if !mi[index].isFinite { mi[index] = 0 }
                        case PairStatus.notComputed.rawValue:
                            throw MIBatchError.partialMatrix(path: path, reason: "pair (\(names[i]), \(names[j])) was not computed (status 0)")
                        default: mi[index] = 0
                        }
                    }
                }
                band = Band(rows: rows, mi: mi, status: status, q: q)
            } catch let error as MIBatchError {
                throw error
            } catch {
                throw .readFailed(file: path, dataset: "/mi", rows: rows, columns: 0..<p, message: "\(error)")
            }
            try body(band)
            start = rows.upperBound
        }
    }

    /// `sha256:<hex>` of the file's bytes (the whole MI file as stored).
    ///
    /// - Complexity: O(file size), 4 MiB at a time.
    static func fileDigest(_ path: String) throws(MIBatchError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .hdf5(.fileNotFound(path: path)) }
        defer { try? handle.close() }
        var hasher = SHA256Hasher()
        while let data = try? handle.read(upToCount: 4 << 20), !data.isEmpty { data.withUnsafeBytes { hasher.update($0) } }
        return "sha256:" + hasher.finalize()
    }
}
