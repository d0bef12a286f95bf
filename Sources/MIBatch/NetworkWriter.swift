import Foundation
import HDF5
import MINetwork

/// The provenance of a network file: method parameters, the input and its digest, times.
struct NetworkRecord {
    var configuration: NetworkConfiguration
    var reader: NetworkReader
    /// `sha256:<hex>` of the MI file's bytes.
    var inputDigest: String
    var candidates: Int
    var start: Date
    var end: Date

    /// The candidate rule in words.
    var candidateRule: String {
        var parts = ["every computed pair"]
        if let minimum = configuration.minimumMI { parts.append("mi >= \(minimum)") }
        if let fdr = configuration.fdr { parts.append("qvalue <= \(fdr)") }
        if configuration.regulatorsFile != nil { parts.append("touching a regulator") }
        return parts.joined(separator: ", ")
    }

    /// The parameters as compact JSON with sorted keys.
    var parameters: String {
        var members: [String: JSONValue] = [
            "methods": .array(configuration.methods.map { .string($0.rawValue) }),
            "min_mi": configuration.minimumMI.map(JSONValue.double) ?? .null,
            "fdr": configuration.fdr.map(JSONValue.double) ?? .null,
            "dpi_tolerance": .double(configuration.tolerance),
            "regulators": configuration.regulatorsFile.map { .string(Provenance.absolute($0)) } ?? .null,
        ]
        members["tie_rule"] = .string("aracne: removed only when weaker than both other edges by more than dpi_tolerance; mrnet: lowest index among equal scores")
        return JSONValue.object(members).rendered(compact: true)
    }

    /// Root attributes in a fixed order.
    var attributes: [(String, String)] {
        let command = configuration.commandLine.map(Provenance.shellQuoted).joined(separator: " ")
        let source = reader.attributes
        return [
            ("title", "Network inferred by mibatch network"),
            ("tool", "mibatch"),
            ("tool_version", Provenance.version),
            ("source_revision", SourceRevision.current),
            ("kind", "network"),
            ("command_line", command),
            ("methods", configuration.methods.map(\.rawValue).joined(separator: ",")),
            ("parameters", parameters),
            ("candidates", "\(candidates) pairs: \(candidateRule)"),
            ("units", reader.units),
            ("input_file", Provenance.absolute(configuration.input)),
            ("input_digest", inputDigest),
            ("mi_estimator", source["estimator"] ?? "unknown"),
            ("mi_input_file", source["input_file"] ?? "unknown"),
            ("mi_input_digest", source["input_digest"] ?? "unknown"),
            ("start_time", Provenance.iso8601(start)),
            ("end_time", Provenance.iso8601(end)),
            ("host", ProcessInfo.processInfo.hostName),
            ("history", (source["history"].map { $0 + "\n" } ?? "") + "\(Provenance.iso8601(end)): \(command)"),
        ] + shardAttributes
    }

    /// A shard file's `shard` (I/N) and `merge_outputs` (what `mibatch merge` writes besides
    /// the HDF5 file: `adjacency`, `tsv`, `graphml`, comma-separated, possibly empty).
    var shardAttributes: [(String, String)] {
        let shard = configuration.shard
        guard shard.count > 1 else { return [] }
        let outputs = (configuration.adjacency ? ["adjacency"] : []) + configuration.exports.map(\.rawValue)
        return [("shard", shard.description), ("merge_outputs", outputs.joined(separator: ","))]
    }
}

/// Writes network files atomically (a temporary file renamed over the final name).
enum NetworkWriter {
    /// What each method's weight is, for `/edges/<method>/weight`'s `long_name`.
    static func weightMeaning(_ method: NetworkMethod, units: String) -> String {
        switch method {
        case .aracne: return "mutual information (\(units)) of an edge surviving the data processing inequality"
        case .clr: return "CLR score sqrt(z_i^2 + z_j^2) (dimensionless)"
        case .mrnet: return "MRNET score: the larger mRMR score of the two directions (\(units))"
        }
    }

    /// Checks that the output may be written (not the input, absent or `--force`, directory writable).
    static func preflight(_ configuration: NetworkConfiguration) throws(MIBatchError) {
        let output = URL(fileURLWithPath: configuration.output).standardizedFileURL
        if output.path == URL(fileURLWithPath: configuration.input).standardizedFileURL.path
            || OutputWriter.isSameFile(output.path, configuration.input) { throw .outputIsInput(path: configuration.output) }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw .cannotCreateOutput(path: configuration.output, reason: "it is a directory") }
            if !configuration.force { throw .outputExists(path: configuration.output) }
        }
        let directory = output.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .cannotCreateOutput(path: configuration.output, reason: "directory \(directory) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw .cannotCreateOutput(path: configuration.output, reason: "directory \(directory) is not writable")
        }
    }

    /// Writes `/nodes`, `/edges/<method>/…` and, with `adjacency`, `/adjacency/<method>`,
    /// with the root `attributes` (in order), to `path` atomically; `units` are the MI's.
    static func write(_ networks: [NetworkResult], names: [String], attributes: [(String, String)], units: String, adjacency: Bool,
                      to path: String, overwrite: Bool) throws(MIBatchError) {
        try atomically(path, overwrite: overwrite) { temporary throws(HDF5Error) in
            let file = try File.create(temporary, overwrite: true, denseAttributes: true)
            let nodes = try file.createStringDataset("/nodes", values: names)
            try nodes.setAttribute("long_name", "variable names; /edges/*/row and column index them (0-based)")
            try file.createGroup("/edges")
            for network in networks {
                let group = "/edges/" + network.method.rawValue
                try file.createGroup(group)
                func numbers(_ name: String, _ values: [Double], _ type: StorageType, _ longName: String) throws(HDF5Error) -> Dataset {
                    let dataset = try file.createDataset(group + "/" + name, type: type, shape: [values.count])
                    if !values.isEmpty { try dataset.write(values) }
                    try dataset.setAttribute("long_name", longName)
                    return dataset
                }
                _ = try numbers("row", network.edges.map { Double($0.u) }, .int32, "position of the first variable in /nodes (0-based, row < column)")
                _ = try numbers("column", network.edges.map { Double($0.v) }, .int32, "position of the second variable in /nodes (0-based)")
                try file.createStringDataset(group + "/row_name", values: network.edges.map { names[Int($0.u)] }).setAttribute("long_name", "first variable")
                try file.createStringDataset(group + "/column_name", values: network.edges.map { names[Int($0.v)] }).setAttribute("long_name", "second variable")
                let weight = try numbers("weight", network.edges.map(\.weight), .float64, weightMeaning(network.method, units: units))
                try weight.setAttribute("sorted_by", "weight descending, then row and column ascending")
                _ = try numbers("mi", network.edges.map(\.mi), .float64, "mutual information (\(units))")
                if let q = network.q { _ = try numbers("qvalue", q, .float64, "q-value of the pair (from the input's /qvalue)") }
                if adjacency {
                    let p = names.count
                    var dense = [Double](repeating: 0, count: p * p)
                    for edge in network.edges {
                        dense[Int(edge.u) * p + Int(edge.v)] = edge.weight; dense[Int(edge.v) * p + Int(edge.u)] = edge.weight
                    }
                    let chunks = OutputStorage.chunkShape(rows: p, columns: p)
                    let dataset = try file.createDataset("/adjacency/" + network.method.rawValue, type: .float64, shape: [p, p],
                                                         layout: DatasetLayout(chunks: chunks, shuffle: true, deflateLevel: 1))
                    try dataset.write(dense)
                    try dataset.setAttribute("long_name", "weighted adjacency (symmetric; 0 = no edge): " + weightMeaning(network.method, units: units))
                }
            }
            for (name, value) in attributes { try file.setAttribute(name, value) }
            try file.flush()
        }
    }

    /// Runs `body` on a temporary path beside `path`, then renames it to `path`; on any
    /// failure the temporary file is removed and nothing is left under `path`.
    static func atomically(_ path: String, overwrite: Bool, _ body: (String) throws(HDF5Error) -> Void) throws(MIBatchError) {
        let final = URL(fileURLWithPath: path).standardizedFileURL
        let temporary = final.deletingLastPathComponent()
            .appendingPathComponent(".\(final.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try body(temporary.path)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .writeFailed(path: path, reason: OutputWriter.writeReason(error))
        }
        try OutputWriter.publish(temporary, as: final, path: path, overwrite: overwrite)
    }
}
