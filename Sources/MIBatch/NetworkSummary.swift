import Foundation
import HDF5

/// `mibatch inspect` of a network file: methods, parameters, input, edge counts, top edges.
public enum NetworkSummary {
    /// Whether `path` is a network file (`tool = mibatch`, `kind = network`).
    public static func isNetwork(_ path: String) -> Bool {
        guard let file = try? File.open(path), case .string("network")? = try? file.attribute("kind") else { return false }
        return true
    }

    /// The readable summary, with the `top` strongest edges of each method.
    ///
    /// - Throws: `.hdf5` when the file cannot be read; `.notAnOutput` when a method's
    ///   datasets are missing.
    public static func text(_ path: String, top: Int) throws(MIBatchError) -> String {
        try ResultFile.reading(path) {
            let file = try File.open(path)
            func attribute(_ name: String) throws -> String {
                if case let .string(value)? = try file.attribute(name) { return value }
                return "?"
            }
            let names = try file.dataset("/nodes").readStrings()
            var lines = ["\(path): mibatch \(try attribute("tool_version")) network of \(names.count) nodes"]
            func row(_ label: String, _ value: String) { lines.append(label.padding(toLength: 12, withPad: " ", startingAt: 0) + value) }
            row("methods", try attribute("methods"))
            row("parameters", try attribute("parameters"))
            row("candidates", try attribute("candidates"))
            row("input", "\(try attribute("input_file")) (\(try attribute("input_digest")))")
            row("mi", "\(try attribute("mi_estimator")) in \(try attribute("units")), from \(try attribute("mi_input_file"))")
            row("created", "\(try attribute("start_time")) to \(try attribute("end_time")) on \(try attribute("host"))")
            row("command", try attribute("command_line"))
            if case let .string(shard)? = try file.attribute("shard"), let spec = ShardSpec.parse(shard) {
                row("shard", "\(shard): edges of targets \(NetworkInference.ownedTargets(spec, count: names.count)) only; combine every shard with mibatch merge")
            }
            if case let .string(sources)? = try file.attribute("merged_from") {
                row("merged", "from \(sources.split(separator: "\n").count) shards")
            }
            for method in try attribute("methods").split(separator: ",").map(String.init) {
                let group = "/edges/" + method
                guard file.contains(group + "/weight") else { throw MIBatchError.notAnOutput(path: path, reason: "it has no dataset \(group)/weight") }
                let weight = try file.dataset(group + "/weight").readAll()
                let shown = min(top, weight.count)
                lines.append("\(method): \(weight.count) edges in \(group)" + (shown > 0 ? ", first \(shown) by weight (weight, mi):" : ""))
                guard shown > 0 else { continue }
                let rows = try file.dataset(group + "/row_name").readStrings(), columns = try file.dataset(group + "/column_name").readStrings()
                let mi = try file.dataset(group + "/mi").readAll()
                let width = (0..<shown).map { max(rows[$0].count, columns[$0].count) }.max() ?? 1
                for k in 0..<shown {
                    lines.append(String(format: "%4d  ", k + 1) + rows[k].padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                        + columns[k].padding(toLength: width, withPad: " ", startingAt: 0) + "  " + Inspector.format(weight[k]) + "  " + Inspector.format(mi[k]))
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}

extension NetworkSummary {
    /// A network file's first method as a matrix `mibatch plot` draws: each edge's weight at
    /// (row, column) and its mirror (status computed), every other pair not computed (grey).
    ///
    /// - Throws: `.hdf5` when reading fails; `.notAnOutput` when the edges are inconsistent.
    static func matrix(_ path: String) throws(MIBatchError) -> ResultFile {
        try ResultFile.reading(path) {
            let file = try File.open(path)
            let (order, read) = try file.stringAttributes()
            var attributes = read
            let names = try file.dataset("/nodes").readStrings(), p = names.count
            let method = (attributes["methods"] ?? "").split(separator: ",").first.map(String.init) ?? ""
            let group = "/edges/" + method
            guard file.contains(group + "/weight") else { throw MIBatchError.notAnOutput(path: path, reason: "it has no dataset \(group)/weight") }
            let rows = try file.dataset(group + "/row").readAll().map { Int($0) }, columns = try file.dataset(group + "/column").readAll().map { Int($0) }
            let weight = try file.dataset(group + "/weight").readAll()
            guard rows.count == weight.count, columns.count == weight.count, (rows + columns).allSatisfy({ $0 >= 0 && $0 < p }) else {
                throw MIBatchError.notAnOutput(path: path, reason: "its \(group) datasets differ in length or point outside /nodes")
            }
            var values = [Double](repeating: .nan, count: p * p), status = [UInt8](repeating: PairStatus.notComputed.rawValue, count: p * p)
            for k in weight.indices {
                for index in [rows[k] * p + columns[k], columns[k] * p + rows[k]] { values[index] = weight[k]; status[index] = PairStatus.computed.rawValue }
            }
            var layers = MatrixLayers(filling: [.mi, .status], count: p * p)
            layers[.mi] = .float64(values); layers[.status] = .uint8(status)
            attributes["estimator"] = "\(method) network (edge weights) from \(attributes["mi_estimator"] ?? "MI")"
            return ResultFile(path: path, rowNames: names, columnNames: names, layers: layers, attributes: attributes,
                              attributeOrder: order, chunks: nil, filters: [], units: method == "clr" ? "z" : attributes["units"] ?? "nats")
        }
    }
}
