import Foundation
import HDF5
import MINetwork

/// `mibatch merge` of the shard files of one `mibatch network --shard I/N` run: the network
/// the unsharded command writes, edge for edge and bit for bit.
///
/// Each shard read the whole MI matrix and wrote the edges it owns (``NetworkInference/ownedTargets(_:count:)``):
/// ARACNE's and CLR's edges (u, v) by the owner of u, so they are concatenated; MRNET's
/// directions i → j by the owner of i, so a pair's weight is the larger of the shards' values.
/// The exports and adjacency the shards were asked for (`merge_outputs`) are written here.
enum NetworkMerge {
    /// One shard file's contents.
    struct Part {
        var path: String
        var shard: ShardSpec
        var attributes: [String: String]
        var order: [String]
        var names: [String]
        var networks: [NetworkMethod: [(edge: NetworkEdge, q: Double)]]
        var hasQ: Bool
    }

    /// Attributes that must be equal in every shard of one run.
    static let sameInEveryShard = ["input_digest", "methods", "parameters", "candidates", "units", "merge_outputs"]

    /// Merges `paths` into `output` (atomically; exports beside it).
    ///
    /// - Throws: `.shardMismatch` (different runs, inputs, parameters or variables, a shard
    ///   twice, a file that is not a network shard); `.missingShards` (nothing written);
    ///   output errors as `mibatch network`'s.
    /// - Complexity: O(E log E) for E edges in all; memory O(E).
    static func run(_ paths: [String], output: String, force: Bool, commandLine: [String]) throws(MIBatchError) -> Merge.Outcome {
        var parts: [Part] = []
        for path in paths { parts.append(try read(path)) }
        parts.sort { $0.shard.index < $1.shard.index }
        let reference = parts[0]
        for part in parts.dropFirst() {
            for key in sameInEveryShard where part.attributes[key] != reference.attributes[key] {
                throw .shardMismatch(file: part.path, reference: reference.path,
                                     reason: "a different \(key) (\(part.attributes[key] ?? "absent") vs \(reference.attributes[key] ?? "absent"))")
            }
            if part.shard.count != reference.shard.count {
                throw .shardMismatch(file: part.path, reference: reference.path, reason: "it is shard \(part.shard) but the other is \(reference.shard)")
            }
            if part.names != reference.names { throw .shardMismatch(file: part.path, reference: reference.path, reason: "different variables") }
            if parts.filter({ $0.shard.index == part.shard.index }).count > 1 {
                throw .shardMismatch(file: part.path, reference: reference.path, reason: "shard \(part.shard) is given twice")
            }
        }
        let count = reference.shard.count
        let absent = (1...count).filter { index in !parts.contains { $0.shard.index == index } }
        if !absent.isEmpty {
            throw .missingShards(missing: absent.map { "\($0)/\(count)" }, resubmit: Merge.arrayList(absent), count: count, command: "network")
        }
        if !force && FileManager.default.fileExists(atPath: output) { throw .outputExists(path: output) }

        let methods = (reference.attributes["methods"] ?? "").split(separator: ",").compactMap { NetworkMethod(rawValue: String($0)) }
        var results: [NetworkResult] = []
        for method in methods {
            var all = parts.flatMap { $0.networks[method] ?? [] }
            if method == .mrnet {
                // Directions from different shards: keep the larger weight of each pair.
                all.sort { ($0.edge.u, $0.edge.v) != ($1.edge.u, $1.edge.v) ? ($0.edge.u, $0.edge.v) < ($1.edge.u, $1.edge.v) : $0.edge.weight > $1.edge.weight }
                all = all.enumerated().filter { $0.offset == 0 || (all[$0.offset - 1].edge.u, all[$0.offset - 1].edge.v) != ($0.element.edge.u, $0.element.edge.v) }.map(\.element)
            }
            all.sort { NetworkEdge.outputOrder($0.edge, $1.edge) }
            results.append(NetworkResult(method: method, edges: all.map(\.edge), q: reference.hasQ ? all.map(\.q) : nil))
        }

        let outputs = Set((reference.attributes["merge_outputs"] ?? "").split(separator: ",").map(String.init))
        let formats = NetworkExportFormat.allCases.filter { outputs.contains($0.rawValue) }
        for path in NetworkExport.paths(output: output, methods: methods, formats: formats) where !force && FileManager.default.fileExists(atPath: path) {
            throw .outputExists(path: path)
        }
        let command = commandLine.map(Provenance.shellQuoted).joined(separator: " "), now = Provenance.iso8601(Date())
        var attributes: [(String, String)] = []
        for name in reference.order where name != "shard" && name != "merge_outputs" {
            var value = reference.attributes[name] ?? ""
            switch name {
            case "end_time": value = parts.compactMap { $0.attributes[name] }.max() ?? value
            case "start_time": value = parts.compactMap { $0.attributes[name] }.min() ?? value
            case "history": value += "\n\(now): \(command)"
            default: break
            }
            attributes.append((name, value))
        }
        attributes.append(("merged_from", parts.map { Provenance.absolute($0.path) }.joined(separator: "\n")))
        let units = reference.attributes["units"] ?? "nats"
        try NetworkWriter.write(results, names: reference.names, attributes: attributes, units: units,
                                adjacency: outputs.contains("adjacency"), to: output, overwrite: force)
        _ = try NetworkExport.write(results, names: reference.names, units: units, formats: formats, output: output, overwrite: force)
        return Merge.Outcome(output: output, merged: parts.count, expected: count,
                             filledCells: results.map(\.edges.count).reduce(0, +), missingCells: 0, missing: nil, counted: "edges")
    }

    /// Whether `path` is a shard of `mibatch network` (`kind = network` and a `shard` attribute).
    static func isNetworkShard(_ path: String) -> Bool {
        guard let file = try? File.open(path), case .string("network")? = try? file.attribute("kind"),
              case .string(_)? = try? file.attribute("shard") else { return false }
        return true
    }

    /// Reads one shard file.
    static func read(_ path: String) throws(MIBatchError) -> Part {
        do {
            let file = try File.open(path)
            let (order, attributes) = try file.stringAttributes()
            guard attributes["tool"] == "mibatch", attributes["kind"] == "network", let text = attributes["shard"], let shard = ShardSpec.parse(text) else {
                throw MIBatchError.shardMismatch(file: path, reference: "network shards", reason: "it is not a shard file of mibatch network --shard I/N")
            }
            let names = try file.dataset("/nodes").readStrings()
            var networks: [NetworkMethod: [(edge: NetworkEdge, q: Double)]] = [:]
            var hasQ = false
            for method in (attributes["methods"] ?? "").split(separator: ",").compactMap({ NetworkMethod(rawValue: String($0)) }) {
                let group = "/edges/" + method.rawValue
                for name in ["row", "column", "weight", "mi"] where !file.contains(group + "/" + name) {
                    throw MIBatchError.notAnOutput(path: path, reason: "it has no dataset \(group)/\(name)")
                }
                let rows = try file.dataset(group + "/row").readAll(), columns = try file.dataset(group + "/column").readAll()
                let weights = try file.dataset(group + "/weight").readAll(), mi = try file.dataset(group + "/mi").readAll()
                hasQ = file.contains(group + "/qvalue")
                let q = hasQ ? try file.dataset(group + "/qvalue").readAll() : []
                guard Set([rows.count, columns.count, weights.count, mi.count] + (hasQ ? [q.count] : [])).count == 1,
                      rows.allSatisfy({ $0 >= 0 && Int($0) < names.count }), columns.allSatisfy({ $0 >= 0 && Int($0) < names.count }) else {
                    throw MIBatchError.notAnOutput(path: path, reason: "the datasets of \(group) disagree in length or index outside /nodes")
                }
                networks[method] = rows.indices.map { k in
                    (NetworkEdge(u: Int32(rows[k]), v: Int32(columns[k]), weight: weights[k], mi: mi[k]), hasQ ? q[k] : .nan)
                }
            }
            return Part(path: path, shard: shard, attributes: attributes, order: order, names: names, networks: networks, hasQ: hasQ)
        } catch let error as MIBatchError {
            throw error
        } catch {
            throw .hdf5(error as? HDF5Error ?? .library(operation: "read", file: path, object: "", message: "\(error)"))
        }
    }
}
