import Foundation
import HDF5

/// Plain-text descriptions of HDF5 files for `mibatch inspect`.
public enum Inspector {
    /// The readable summary of a mibatch output: estimator, parameters, input (with its
    /// format and cell count when not plain HDF5), the variable selection when one was made, digest,
    /// shard(s), status counts, value range, the `top` pairs by MI, then its datasets.
    public static func summary(_ summary: OutputSummary) -> String {
        let result = summary.result
        let attributes = result.attributes
        let source = attributes["source_revision"].map { " (source \($0))" } ?? ""
        var lines = ["\(result.path): mibatch \(attributes["tool_version"] ?? "")\(source) output, "
            + (result.isAllPairs ? "all pairs of \(result.rows) variables" : "\(result.rows) × \(result.columns) variables (rectangular)")]
        func row(_ label: String, _ value: String) { lines.append(label.padding(toLength: 12, withPad: " ", startingAt: 0) + value) }
        row("estimator", attributes["estimator"] ?? "unknown")
        if case let .object(members) = summary.parameters {
            row("parameters", members.keys.sorted().filter { $0 != "estimator" }.map { "\($0)=\(plain(members[$0]!))" }.joined(separator: ", "))
        }
        let datasets = summary.inputDatasets.map { "\($0.path) \($0.shape.map(String.init).joined(separator: "×")) \($0.dtype)" }
        let inputFormat = [attributes["input_format"], attributes["input_encoding"]].compactMap { $0 }.joined(separator: ", ")
        let cells = attributes["input_cells"].map { ", \($0) cells" } ?? ""
        row("input", (attributes["input_file"] ?? "?") + ": " + datasets.joined(separator: ", ")
            + (inputFormat.isEmpty ? "" : " (\(inputFormat)\(cells))"))
        if let selection = attributes["variable_selection"], !selection.hasPrefix("all ") { row("selection", selection) }
        row("digest", attributes["input_digest"] ?? "none")
        row("shard", attributes["shard"] ?? "1/1")
        if case let .array(shards)? = attributes["shards"].flatMap(JSONValue.parse) {
            for shard in shards {
                if case let .string(name)? = shard["shard"], case let .string(file)? = shard["file"] {
                    var host = ""
                    if case let .string(text)? = shard["host"] { host = " on \(text)" }
                    lines.append("              \(name): \(file)\(host)")
                }
            }
        }
        if result.matricesOmitted {
            row("status", "\(attributes["computed_pairs"] ?? "?") pairs computed, \(attributes["failed_pairs"] ?? "?") failed; "
                + "matrices not written (--output-matrices none): only the \(summary.computed) pairs of /edges below")
        } else {
            row("status", "\(summary.computed) pairs computed, \(summary.failed) failed, \(summary.notComputed) not computed"
                + (summary.screenedOut > 0 ? ", \(summary.screenedOut) screened out (values in /mi_screen)" : ""))
        }
        if let low = summary.minimum, let high = summary.maximum {
            row("range", "\(format(low.value)) (\(low.rowName), \(low.columnName)) to \(format(high.value)) (\(high.rowName), \(high.columnName)) \(result.units)")
        } else {
            row("range", "no computed values")
        }
        if let significance = attributes["significance"] { row("p-values", significance) }
        if let screen = attributes["screen"] { row("screen", screen) }
        row("created", "\(attributes["start_time"] ?? "?") to \(attributes["end_time"] ?? "?") on \(attributes["host"] ?? "?")")
        row("command", attributes["command_line"] ?? "")
        if !summary.top.isEmpty {
            lines.append("top \(summary.top.count) pairs by MI (\(result.units)):")
            let width = summary.top.map { max($0.rowName.count, $0.columnName.count) }.max() ?? 1
            for (rank, pair) in summary.top.enumerated() {
                lines.append(String(format: "%4d  ", rank + 1) + pair.rowName.padding(toLength: width, withPad: " ", startingAt: 0)
                    + "  " + pair.columnName.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + format(pair.value))
            }
        }
        if let edges = summary.edges {
            lines.append("edges: \(edges.count) pairs of q <= \(format(edges.rate)) in /edges" + (edges.first.isEmpty ? "" : ", first \(edges.first.count) by MI (\(result.units)), p, q:"))
            let width = edges.first.map { max($0.rowName.count, $0.columnName.count) }.max() ?? 1
            for (rank, edge) in edges.first.enumerated() {
                lines.append(String(format: "%4d  ", rank + 1) + edge.rowName.padding(toLength: width, withPad: " ", startingAt: 0)
                    + "  " + edge.columnName.padding(toLength: width, withPad: " ", startingAt: 0)
                    + "  \(format(edge.mi))  \(format(edge.p))  \(format(edge.q))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A value with 6 significant digits.
    static func format(_ value: Double) -> String { String(format: "%.6g", value) }

    /// A parameter's value as text (`none` for null, objects as compact JSON).
    static func plain(_ value: JSONValue) -> String {
        switch value {
        case .null: return "none"
        case let .string(text): return text
        default: return value.rendered(compact: true)
        }
    }

    /// Lists every dataset (path, shape, dtype, chunking, filters, dimension scales) of any
    /// HDF5 file; with `attributes`, every root attribute too.
    ///
    /// - Throws: `MIBatchError.hdf5` when the file cannot be opened.
    public static func describe(_ path: String, attributes includeAttributes: Bool = true) throws(MIBatchError) -> String {
        do {
            let file = try File.open(path)
            var lines = ["datasets:"]
            let objects = try file.objects()
            for (objectPath, kind) in objects where kind == .dataset {
                let dataset = try file.dataset(objectPath)
                let shape = "(" + dataset.shape.map(String.init).joined(separator: ", ") + ")"
                let chunks = dataset.chunkShape.map { "chunks (" + $0.map(String.init).joined(separator: ", ") + ")" } ?? "contiguous"
                let filters = dataset.filters.isEmpty ? "no filters" : dataset.filters.joined(separator: " + ")
                var line = "  \(objectPath)  \(shape)  \(dataset.elementType)  \(chunks), \(filters)"
                if let scale0 = dataset.attachedScaleName(dimension: 0) {
                    let scale1 = dataset.shape.count > 1 ? dataset.attachedScaleName(dimension: 1) : nil
                    line += "  dims [\(scale0)\(scale1.map { ", " + $0 } ?? "")]"
                }
                lines.append(line)
            }
            let groups = objects.filter { $0.kind == .group }.map(\.path)
            if !groups.isEmpty { lines.append("groups: " + groups.joined(separator: ", ")) }
            let attributeNames = try file.attributeNames()
            if includeAttributes && !attributeNames.isEmpty {
                lines.append("root attributes:")
                for name in attributeNames {
                    if let value = try file.attribute(name) { lines.append("  \(name): \(value)") }
                }
            }
            return lines.joined(separator: "\n")
        } catch {
            throw .hdf5(error)
        }
    }
}
