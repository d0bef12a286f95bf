import Foundation
import HDF5

extension NetworkSummary {
    /// `mibatch inspect --json` of a network file: one object (keys sorted when rendered)
    /// with `kind` "network", the provenance, the nodes, and per method the edge count and
    /// the `top` strongest edges (row and column 0-based in /nodes, names, weight, mi and
    /// qvalue when the file has them), in the file's order (weight descending).
    ///
    /// - Throws: `.hdf5` when the file cannot be read; `.notAnOutput` when a method's
    ///   datasets are missing or disagree in length.
    /// - Complexity: O(p + E) for p nodes and E edges (every edge's weight is read).
    public static func json(_ path: String, top: Int) throws(MIBatchError) -> JSONValue {
        try ResultFile.reading(path) {
            let file = try File.open(path)
            let attributes = try file.stringAttributes().values
            func text(_ key: String) -> JSONValue { attributes[key].map(JSONValue.string) ?? .null }
            let names = try file.dataset("/nodes").readStrings()
            var edges: [String: JSONValue] = [:]
            let methods = (attributes["methods"] ?? "").split(separator: ",").map(String.init)
            for method in methods {
                let group = "/edges/" + method
                for name in ["row", "column", "weight", "mi"] where !file.contains(group + "/" + name) {
                    throw MIBatchError.notAnOutput(path: path, reason: "it has no dataset \(group)/\(name)")
                }
                let weight = try file.dataset(group + "/weight").readAll()
                let shown = min(top, weight.count)
                var list: [JSONValue] = []
                if shown > 0 {
                    let rows = try file.dataset(group + "/row").readAll(), columns = try file.dataset(group + "/column").readAll()
                    let mi = try file.dataset(group + "/mi").readAll()
                    let q = file.contains(group + "/qvalue") ? try file.dataset(group + "/qvalue").readAll() : nil
                    guard rows.count == weight.count, columns.count == weight.count, mi.count == weight.count,
                          rows.prefix(shown).allSatisfy({ $0 >= 0 && Int($0) < names.count }),
                          columns.prefix(shown).allSatisfy({ $0 >= 0 && Int($0) < names.count }) else {
                        throw MIBatchError.notAnOutput(path: path, reason: "its \(group) datasets differ in length or point outside /nodes")
                    }
                    for k in 0..<shown {
                        var edge: [String: JSONValue] = [
                            "row": .int(Int(rows[k])), "column": .int(Int(columns[k])),
                            "row_name": .string(names[Int(rows[k])]), "column_name": .string(names[Int(columns[k])]),
                            "weight": .double(weight[k]), "mi": .double(mi[k]),
                        ]
                        if let q { edge["qvalue"] = .double(q[k]) }
                        list.append(.object(edge))
                    }
                }
                edges[method] = .object(["count": .int(weight.count), "top": .array(list)])
            }
            let merged = attributes["merged_from"].map { JSONValue.array($0.split(separator: "\n").map { .string(String($0)) }) } ?? .null
            return .object([
                "file": .string(path),
                "kind": .string("network"),
                "tool_version": text("tool_version"),
                "source_revision": text("source_revision"),
                "nodes": .int(names.count),
                "methods": .array(methods.map(JSONValue.string)),
                "parameters": attributes["parameters"].flatMap(JSONValue.parse) ?? .null,
                "candidates": text("candidates"),
                "units": text("units"),
                "input": .object(["file": text("input_file"), "digest": text("input_digest")]),
                "mi": .object(["estimator": text("mi_estimator"), "input_file": text("mi_input_file"), "input_digest": text("mi_input_digest")]),
                "shard": text("shard"),
                "merged_from": merged,
                "start_time": text("start_time"),
                "end_time": text("end_time"),
                "host": text("host"),
                "command_line": text("command_line"),
                "edges": .object(edges),
            ])
        }
    }
}
