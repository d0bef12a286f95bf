import Foundation
import HDF5

/// `mibatch merge`: combines shard files of one configuration into one matrix.
public enum Merge {
    /// One shard file as read.
    struct ShardFile {
        var path: String
        var shard: ShardSpec
        var attributes: [String: String]
        var rowNames: [String]
        var columnNames: [String]
        /// Every registered layer the file holds (`/mi` and `/status` always).
        var layers: MatrixLayers
        /// The `failure_reasons` attribute of `/status`, parsed.
        var failureReasons: [String: Int]
        /// Root attribute names in file order (kept for the merged file).
        var attributeOrder: [String]
        /// `/pvalue`'s `method` attribute, when present.
        var pValueMethod: String? = nil

        /// The configuration of the run that wrote the shard (`nil` when unreadable).
        var configuration: RunConfiguration? {
            guard let text = attributes["configuration"], let data = text.data(using: .utf8) else { return nil }
            return try? JSONDecoder().decode(RunConfiguration.self, from: data)
        }

        /// The significance settings of the run that wrote the shard (`nil`: none).
        var significance: SignificanceSettings? { configuration?.significance }
    }

    /// What a merge produced.
    public struct Outcome: Sendable {
        /// The file written (also for a partial merge).
        public var output: String
        /// Shards merged and expected.
        public var merged: Int
        public var expected: Int
        /// Cells filled / not filled (off the diagonal).
        public var filledCells: Int
        public var missingCells: Int
        /// Set when shards are missing (the file was written only with `partial`).
        public var missing: MIBatchError?
        /// What ``filledCells`` counts: `pairs` (a matrix) or `edges` (a network's, all methods).
        public var counted = "pairs"
    }

    /// Merges `paths` into `output`.
    ///
    /// Refuses shards whose input digest, result configuration, names, shard count or layers
    /// differ (naming the first difference). Each layer is merged by its ``LayerSpec/mergeRule``;
    /// two shards holding one cell are refused. Missing shards: `.missingShards` with the
    /// `--array=` list to resubmit; with `partial`, the file is still written (missing pairs
    /// status 0).
    /// `compression` applies to the merged file and is recorded in its `compression` attribute.
    public static func run(_ paths: [String], output: String, partial: Bool, force: Bool,
                           compression: OutputCompression = .default, commandLine: [String]) throws(MIBatchError) -> Outcome {
        guard !paths.isEmpty else { throw .invalidOption("merge: give the shard files to merge") }
        var preflight = RunConfiguration(input: paths[0], dataset: nil, output: output)
        preflight.force = force
        for path in paths {
            preflight.input = path
            try OutputWriter.preflight(preflight)
        }
        // Shards of `mibatch network` (checked like matrix shards above: output not an input,
        // its directory writable).
        if NetworkMerge.isNetworkShard(paths[0]) {
            guard !partial else { throw .invalidOption("merge: --partial is for matrix shards; a network needs every shard of its run") }
            return try NetworkMerge.run(paths, output: output, force: force, commandLine: commandLine)
        }
        let shards = try paths.map { path throws(MIBatchError) in try read(path) }.sorted { $0.shard.index < $1.shard.index }
        let reference = shards[0]
        for shard in shards.dropFirst() {
            for key in ["input_digest", "result_configuration", "blas"] where shard.attributes[key] != reference.attributes[key] {
                let reason = switch key {
                case "result_configuration":
                    "different options: " + RunConfiguration.firstDifference(reference.attributes[key] ?? "", shard.attributes[key] ?? "")
                case "blas":
                    "computed with another BLAS kernel (\(shard.attributes[key] ?? "absent") vs \(reference.attributes[key] ?? "absent")), "
                        + "so the last bits of its gcmi values differ; rerun the shard on the same kind of node"
                default:
                    "different input data (input_digest \(shard.attributes[key] ?? "absent") vs \(reference.attributes[key] ?? "absent"))"
                }
                throw .shardMismatch(file: shard.path, reference: reference.path, reason: reason)
            }
            if shard.shard.count != reference.shard.count {
                throw .shardMismatch(file: shard.path, reference: reference.path,
                                     reason: "it is shard \(shard.shard) but the other is \(reference.shard)")
            }
            if shard.rowNames != reference.rowNames || shard.columnNames != reference.columnNames {
                throw .shardMismatch(file: shard.path, reference: reference.path, reason: "different variables")
            }
            if shard.shard.index == reference.shard.index || shards.filter({ $0.shard.index == shard.shard.index }).count > 1 {
                throw .shardMismatch(file: shard.path, reference: reference.path, reason: "shard \(shard.shard) is given twice")
            }
        }
        let count = reference.shard.count
        let cellCount = reference.rowNames.count * reference.columnNames.count
        var merged = MatrixLayers(filling: reference.layers.present, count: cellCount)
        var failureReasons: [String: Int] = [:]
        for shard in shards {
            if let layer = MatrixLayer.all.first(where: { shard.layers.contains($0) != reference.layers.contains($0) }) {
                let which = shard.layers.contains(layer) ? "it has \(layer) but the other has not" : "the other has \(layer) but it has not"
                throw .shardMismatch(file: shard.path, reference: reference.path,
                                     reason: "\(which) (\(layer) is written \(layer.spec.presence.condition))")
            }
            failureReasons.merge(shard.failureReasons, uniquingKeysWith: +)
            let status = shard.layers.values(.status, as: UInt8.self)!
            do {
                let done = merged.values(.status, as: UInt8.self)!
                if let index = status.indices.first(where: { status[$0] != PairStatus.notComputed.rawValue && done[$0] != PairStatus.notComputed.rawValue }) {
                    throw MIBatchError.shardMismatch(file: shard.path, reference: reference.path, reason: "both computed the same pair (cell \(index))")
                }
            }
            for layer in reference.layers.present {
                switch layer.spec.mergeRule {
                case .fromComputingShard:
                    merged.copy(layer, from: shard.layers[layer]!) { status[$0] != PairStatus.notComputed.rawValue }
                }
            }
        }
        let status = merged.values(.status, as: UInt8.self)!
        let present = Set(shards.map(\.shard.index))
        let absent = (1...count).filter { !present.contains($0) }
        let width = reference.columnNames.count
        let symmetric = reference.rowNames == reference.columnNames
        // Counted in one pass (a 10,000 x 10,000 matrix would otherwise build 10^8-element index arrays).
        var offDiagonalCells = 0, missingCells = 0
        for index in status.indices where !(symmetric && index / width == index % width) {
            offDiagonalCells += 1
            if status[index] == PairStatus.notComputed.rawValue { missingCells += 1 }
        }
        if absent.isEmpty && missingCells > 0 {
            throw .shardMismatch(file: reference.path, reference: "the other shards",
                                 reason: "all \(count) shards are present but \(missingCells) pairs are in none of them")
        }
        var missing: MIBatchError? = nil
        if !absent.isEmpty {
            missing = .missingShards(missing: absent.map { "\($0)/\(count)" }, resubmit: arrayList(absent), count: count)
            if !partial { throw missing! }
        }

        let now = Date()
        var attributes = reference.attributes
        let shardRecords: [[String: String]] = shards.map { shard in
            var record = ["file": Provenance.absolute(shard.path), "shard": shard.shard.description]
            for key in ["host", "start_time", "end_time", "threads", "slurm_job_id", "slurm_array_job_id", "slurm_array_task_id"] {
                if let value = shard.attributes[key] { record[key] = value }
            }
            return record
        }
        attributes["shards"] = String(decoding: JSONValue.sortedKeysJSON(shardRecords), as: UTF8.self)
        attributes["shard"] = absent.isEmpty ? "merged \(count)/\(count)" : "merged \(count - absent.count)/\(count) (partial)"
        attributes["shard_source"] = "merge"
        attributes["run_command_line"] = reference.attributes["command_line"]
        let command = commandLine.map(Provenance.shellQuoted).joined(separator: " ")
        attributes["command_line"] = command
        attributes["start_time"] = shards.compactMap { $0.attributes["start_time"] }.min()
        attributes["end_time"] = shards.compactMap { $0.attributes["end_time"] }.max()
        attributes["merge_time"] = Provenance.iso8601(now)
        attributes["host"] = ProcessInfo.processInfo.hostName
        attributes["compression"] = compression.description
        attributes["history"] = (reference.attributes["history"].map { $0 + "\n" } ?? "") + "\(Provenance.iso8601(now)): \(command)"
        for key in ["slurm_job_id", "slurm_array_task_id", "threads"] { attributes[key] = nil }
        var matrix = MIMatrix(rowNames: reference.rowNames, columnNames: reference.columnNames, layers: merged,
                              failureReasons: failureReasons)
        matrix.screenEstimator = reference.configuration?.screen.map { $0.choice.makeEstimator().label }
        if let settings = reference.significance {
            // q-values need every pair: only a complete merge adds them (and the edge list).
            matrix.significanceMethod = reference.pValueMethod
            if absent.isEmpty {
                matrix.addQValues(settings.correction)
                var text = "p-values: " + (reference.pValueMethod ?? "") + "; q-values: " + (matrix.correctionMethod ?? "")
                if let fdr = settings.fdr {
                    matrix.selectEdges(rate: fdr)
                    text += "; /edges: the \(matrix.edges!.count) pairs of q <= \(fdr)"
                }
                attributes["significance"] = text + " (computed by mibatch merge over all \(count) shards)"
                if reference.configuration?.outputMatrices == false {
                    for (key, value) in matrix.dropMatrices() { attributes[key] = value }
                }
            } else {
                attributes["significance"] = "p-values: " + (reference.pValueMethod ?? "") + "; no q-values: the merge is partial"
            }
        }
        let order = reference.attributeOrder.filter { attributes[$0] != nil }
            + ["compression", "shards", "run_command_line", "merge_time", "significance", "matrices", "computed_pairs", "failed_pairs"].filter { !reference.attributeOrder.contains($0) }
        try OutputWriter.write(matrix, attributes: order.compactMap { key in attributes[key].map { (key, $0) } }, units: attributes["units"] ?? "nats",
                               estimator: attributes["estimator"] ?? "", compression: compression, to: output, overwrite: force)
        return Outcome(output: output, merged: shards.count, expected: count, filledCells: offDiagonalCells - missingCells,
                       missingCells: missingCells, missing: missing)
    }

    /// The `--array=` list for shard numbers: array index = shard − 1 (the documented
    /// `--array=0-(N-1)` with `--shards N`), consecutive indices compacted into ranges.
    static func arrayList(_ shards: [Int]) -> String {
        var parts: [String] = []
        var start = shards[0] - 1, previous = shards[0] - 1
        for index in shards.dropFirst().map({ $0 - 1 }) + [Int.min] {
            if index == previous + 1 { previous = index; continue }
            parts.append(start == previous ? "\(start)" : "\(start)-\(previous)")
            start = index
            previous = index
        }
        return parts.joined(separator: ",")
    }

    static func read(_ path: String) throws(MIBatchError) -> ShardFile {
        do {
            let file = try File.open(path)
            let (order, attributes) = try file.stringAttributes()
            guard attributes["tool"] == "mibatch" else {
                throw MIBatchError.shardMismatch(file: path, reference: "mibatch outputs", reason: "it is not a mibatch output")
            }
            let shardText = attributes["shard"] ?? "1/1"
            guard let shard = ShardSpec.parse(shardText) else {
                throw MIBatchError.shardMismatch(file: path, reference: "shard files", reason: "its shard attribute is '\(shardText)'")
            }
            let rowNames = try file.dataset("/var_i").readStrings(), columnNames = try file.dataset("/var_j").readStrings()
            let layers = try MatrixLayers.read(from: file, rows: rowNames.count, columns: columnNames.count)
            var reasons: [String: Int] = [:]
            if case let .string(text)? = try file.dataset(MatrixLayer.status.path).attribute("failure_reasons") {
                reasons = FailureReason.parseSummary(text)
            }
            var method: String? = nil
            if file.contains(MatrixLayer.pvalue.path), case let .string(text)? = try file.dataset(MatrixLayer.pvalue.path).attribute("method") {
                method = text
            }
            return ShardFile(path: path, shard: shard, attributes: attributes, rowNames: rowNames, columnNames: columnNames,
                             layers: layers, failureReasons: reasons, attributeOrder: order, pValueMethod: method)
        } catch let error as MIBatchError {
            throw error
        } catch let error as HDF5Error {
            throw .hdf5(error)
        } catch {
            throw .invalidOption("\(path): \(error)")
        }
    }
}

