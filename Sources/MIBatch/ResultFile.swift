import Foundation
import HDF5

/// A mibatch output read back whole (design.md §5): names, every matrix layer it holds,
/// root attributes and storage. What `inspect` and `plot` work from.
public struct ResultFile: Sendable {
    /// The path as given.
    public var path: String
    /// `/var_i`: the row names.
    public var rowNames: [String]
    /// `/var_j`: the column names.
    public var columnNames: [String]
    /// Every registered layer the file holds, row-major (`/mi` and `/status` always).
    public var layers: MatrixLayers
    /// Root string attributes by name.
    public var attributes: [String: String]
    /// Root attribute names in creation order.
    public var attributeOrder: [String]
    /// `/mi`'s chunk shape (`nil` when contiguous).
    public var chunks: [Int]?
    /// `/mi`'s filter names in pipeline order (for example `shuffle`, `deflate(1)`).
    public var filters: [String]
    /// `/mi`'s `units` attribute (`nats` when absent).
    public var units: String
    /// The file holds only `/edges` (`--output-matrices none`): ``layers`` then hold the
    /// edges' MI (status computed) and nothing elsewhere (status 0).
    public var matricesOmitted = false

    /// Row-major `/mi` values (NaN where not computed or failed).
    public var values: [Double] { layers.values(.mi)! }
    /// Row-major `/status` codes (0 not computed, 1 computed, 2 failed).
    public var status: [UInt8] { layers.values(.status)! }

    /// Number of rows of `/mi`.
    public var rows: Int { rowNames.count }
    /// Number of columns of `/mi`.
    public var columns: Int { columnNames.count }

    /// Whether the matrix is all pairs of one variable set (square, same names both ways);
    /// otherwise it is a rectangular X-set × Y-set run.
    public var isAllPairs: Bool { rowNames == columnNames }

    /// Value at (row, column).
    public subscript(row: Int, column: Int) -> Double { values[row * columns + column] }

    /// Status code at (row, column).
    public func statusCode(_ row: Int, _ column: Int) -> UInt8 { status[row * columns + column] }

    /// Reads a mibatch output.
    ///
    /// - Throws: `.hdf5` when the file or a dataset cannot be read; `.notAnOutput` when it is
    ///   HDF5 but not a mibatch output (no `tool = mibatch`, `/var_i` or `/var_j` missing, a
    ///   layer present ``LayerPresence/always`` missing, or a layer of another shape or
    ///   element type).
    public static func read(_ path: String) throws(MIBatchError) -> ResultFile {
        try reading(path) {
            let file = try File.open(path)
            let (order, attributes) = try file.stringAttributes()
            guard attributes["tool"] == "mibatch" else { throw MIBatchError.notAnOutput(path: path, reason: "it has no attribute tool = mibatch") }
            for name in ["/var_i", "/var_j"] where !file.contains(name) {
                throw MIBatchError.notAnOutput(path: path, reason: "it has no dataset \(name)")
            }
            let rowNames = try file.dataset("/var_i").readStrings()
            let columnNames = try file.dataset("/var_j").readStrings()
            if !file.contains(MatrixLayer.mi.path) && file.contains("/edges/mi") {
                return try edgesOnly(file, path: path, rowNames: rowNames, columnNames: columnNames, attributes: attributes, order: order)
            }
            let layers = try MatrixLayers.read(from: file, rows: rowNames.count, columns: columnNames.count)
            let mi = try file.dataset(MatrixLayer.mi.path)
            var units = "nats"
            if case let .string(value)? = try mi.attribute("units") { units = value }
            return ResultFile(path: path, rowNames: rowNames, columnNames: columnNames, layers: layers,
                              attributes: attributes, attributeOrder: order, chunks: mi.chunkShape, filters: mi.filters, units: units)
        }
    }

    /// A file of `--output-matrices none`: the matrix rebuilt from `/edges` (each edge at
    /// (row, column) and, all pairs, its mirror).
    static func edgesOnly(_ file: File, path: String, rowNames: [String], columnNames: [String],
                          attributes: [String: String], order: [String]) throws -> ResultFile {
        let rows = try file.dataset("/edges/row").readAll().map { Int($0) }, columns = try file.dataset("/edges/column").readAll().map { Int($0) }
        let mi = try file.dataset("/edges/mi").readAll(), p = try file.dataset("/edges/pvalue").readAll(), q = try file.dataset("/edges/qvalue").readAll()
        guard [columns.count, mi.count, p.count, q.count].allSatisfy({ $0 == rows.count }),
              rows.allSatisfy({ $0 >= 0 && $0 < rowNames.count }), columns.allSatisfy({ $0 >= 0 && $0 < columnNames.count }) else {
            throw MIBatchError.notAnOutput(path: path, reason: "its /edges datasets differ in length or point outside /var_i and /var_j")
        }
        let width = columnNames.count, symmetric = rowNames == columnNames
        var layers = MatrixLayers(filling: [.mi, .status, .pvalue, .qvalue], count: rowNames.count * width)
        var values = [Double](repeating: .nan, count: rowNames.count * width), status = [UInt8](repeating: 0, count: values.count)
        var pValues = values, qValues = values
        for k in rows.indices {
            for (r, c) in symmetric ? [(rows[k], columns[k]), (columns[k], rows[k])] : [(rows[k], columns[k])] {
                values[r * width + c] = mi[k]; status[r * width + c] = PairStatus.computed.rawValue
                pValues[r * width + c] = p[k]; qValues[r * width + c] = q[k]
            }
        }
        layers[.mi] = .float64(values); layers[.status] = .uint8(status); layers[.pvalue] = .float64(pValues); layers[.qvalue] = .float64(qValues)
        var units = "nats"
        if case let .string(text)? = try file.dataset("/edges/mi").attribute("long_name"), text.contains("(bits)") { units = "bits" }
        var result = ResultFile(path: path, rowNames: rowNames, columnNames: columnNames, layers: layers, attributes: attributes,
                                attributeOrder: order, chunks: nil, filters: [], units: units)
        result.matricesOmitted = true
        return result
    }

    /// Runs `body`, reading `path`, with its errors as ``MIBatchError``: HDF5 errors as
    /// `.hdf5`, mibatch errors as they are, anything else as `.notAnOutput`.
    static func reading<T>(_ path: String, _ body: () throws -> T) throws(MIBatchError) -> T {
        do {
            return try body()
        } catch let error as MIBatchError {
            throw error
        } catch let error as HDF5Error {
            throw .hdf5(error)
        } catch {
            throw .notAnOutput(path: path, reason: "\(error)")
        }
    }

    /// Whether `path` is an HDF5 file with `tool = mibatch` (false for anything unreadable).
    public static func isOutput(_ path: String) -> Bool {
        guard let file = try? File.open(path), case .string("mibatch")? = try? file.attribute("tool") else { return false }
        return true
    }
}
