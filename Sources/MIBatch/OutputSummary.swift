import Foundation
import HDF5

/// What `mibatch inspect` reports about a mibatch output: how it was made (estimator,
/// parameters, input, digest, shards), what it holds (status counts, value range) and its
/// strongest pairs.
public struct OutputSummary: Sendable {
    /// One pair and its value.
    public struct Pair: Sendable, Equatable {
        /// Row index in `/mi`.
        public var row: Int
        /// Column index in `/mi`.
        public var column: Int
        /// `/var_i[row]`.
        public var rowName: String
        /// `/var_j[column]`.
        public var columnName: String
        /// The MI value.
        public var value: Double
    }

    /// The file summarised.
    public let result: ResultFile
    /// Pairs (the upper triangle of an all-pairs matrix, every cell of a rectangular one)
    /// with status 1 (computed).
    public let computed: Int
    /// Pairs with status 2 (failed).
    public let failed: Int
    /// Pairs with status 0 (not computed).
    public let notComputed: Int
    /// Pairs with status 3 (screened out by `--screen`, not refined).
    public let screenedOut: Int
    /// The computed pair with the smallest value (`nil` when no computed value is finite).
    public let minimum: Pair?
    /// The computed pair with the largest value (the first in row-major order among equals).
    public let maximum: Pair?
    /// The `top` computed pairs with the largest MI, descending; ties by row then column.
    public let top: [Pair]
    /// The parsed `configuration` attribute (`.null` when absent or malformed).
    public let configuration: JSONValue
    /// The `/edges` group (`--fdr`), `nil` when the file has none.
    public let edges: Edges?

    /// What `inspect` shows of `/edges`: its size, rate and first entries.
    public struct Edges: Sendable {
        /// Number of edges.
        public var count: Int
        /// The rate Q of q ≤ Q (NaN when the attribute is missing).
        public var rate: Double
        /// The first edges (largest MI): names, MI, p and q.
        public var first: [(rowName: String, columnName: String, mi: Double, p: Double, q: Double)]

        /// Reads at most `limit` edges of `path`'s `/edges`, `nil` when absent or unreadable.
        static func read(_ path: String, limit: Int) -> Edges? {
            guard let file = try? File.open(path), file.contains("/edges/mi"),
                  let mi = try? file.dataset("/edges/mi").readAll(), let p = try? file.dataset("/edges/pvalue").readAll(),
                  let q = try? file.dataset("/edges/qvalue").readAll(),
                  let rows = try? file.dataset("/edges/row_name").readStrings(),
                  let columns = try? file.dataset("/edges/column_name").readStrings(),
                  [p.count, q.count, rows.count, columns.count].allSatisfy({ $0 == mi.count }) else { return nil }
            var rate = Double.nan
            if case let .double(value)? = try? file.dataset("/edges/qvalue").attribute("fdr") { rate = value }
            let shown = min(limit, mi.count)
            return Edges(count: mi.count, rate: rate, first: (0..<shown).map { (rows[$0], columns[$0], mi[$0], p[$0], q[$0]) })
        }
    }

    /// Summarises `result`, listing at most `top` pairs.
    ///
    /// - Complexity: one pass over the matrix, O(p² + p²·top) in the worst case (values
    ///   ascending), O(p²) in practice; memory O(top) beyond the file's arrays.
    public init(_ result: ResultFile, top: Int) {
        typealias Cell = (value: Double, row: Int, column: Int)
        var counts = [0, 0, 0, 0]
        var best: [Cell] = []
        var lowest: Cell? = nil, highest: Cell? = nil
        let rows = result.rows, columns = result.columns, allPairs = result.isAllPairs, limit = max(0, top)
        result.values.withUnsafeBufferPointer { values in
            result.status.withUnsafeBufferPointer { status in
                for row in 0..<rows {
                    for column in (allPairs ? row + 1 : 0)..<max(columns, allPairs ? row + 1 : 0) {
                        let index = row * columns + column
                        let code = Int(status[index])
                        counts[min(code, 3)] += 1
                        let value = values[index]
                        guard code == 1, value.isFinite else { continue }
                        // Row-major order: among equal values the first seen has the smaller (row, column).
                        if highest == nil || value > highest!.value { highest = (value, row, column) }
                        if lowest == nil || value < lowest!.value { lowest = (value, row, column) }
                        if limit > 0 && (best.count < limit || value > best[best.count - 1].value) {
                            let position = best.firstIndex { $0.value < value } ?? best.count
                            best.insert((value, row, column), at: position)
                            if best.count > limit { best.removeLast() }
                        }
                    }
                }
            }
        }
        func pair(_ cell: Cell) -> Pair {
            Pair(row: cell.row, column: cell.column, rowName: result.rowNames[cell.row],
                 columnName: result.columnNames[cell.column], value: cell.value)
        }
        self.result = result
        (notComputed, computed, failed, screenedOut) = (counts[0], counts[1], counts[2], counts[3])
        self.top = best.map(pair)
        maximum = highest.map(pair)
        minimum = lowest.map(pair)
        configuration = result.attributes["configuration"].flatMap(JSONValue.parse) ?? .null
        edges = Edges.read(result.path, limit: max(limit, 5))
    }

    /// The run keys that are also parameters of the estimate (every other run key is about
    /// where and how the run went, not what it computed).
    static let parameterRunKeys = ["discrete", "jitter", "seed", "units"]

    /// The estimator's parameters taken from the configuration: its settings (every key
    /// that is not one of the run's own, see ``EstimatorChoice``) plus `discrete`, `jitter`,
    /// `seed` and `units` (`jitter` null means none).
    public var parameters: JSONValue {
        guard case let .object(members) = configuration else { return .object([:]) }
        var chosen: [String: JSONValue] = [:]
        for (key, value) in members where !RunConfiguration.runKeys.contains(key) { chosen[key] = value }
        for key in Self.parameterRunKeys { chosen[key] = members[key] ?? .null }
        if case let .string(name)? = members["estimator"] { chosen["estimator"] = .string(name) } else { chosen["estimator"] = .string("ksg") }
        return .object(chosen)
    }

    /// The input datasets: path, shape and dtype, split from the comma-separated attributes.
    public var inputDatasets: [(path: String, shape: [Int], dtype: String)] {
        func split(_ key: String) -> [String] {
            (result.attributes[key] ?? "").components(separatedBy: ", ").filter { !$0.isEmpty }
        }
        let paths = split("input_dataset"), shapes = split("input_shape"), types = split("input_dtype")
        return paths.enumerated().map { index, path in
            let shape = index < shapes.count ? shapes[index].split(separator: "x").compactMap { Int($0) } : []
            return (path, shape, index < types.count ? types[index] : "")
        }
    }

    /// The machine-readable summary (keys documented in mibatch(1), INSPECT OUTPUT).
    public var json: JSONValue {
        let attributes = result.attributes
        func text(_ key: String) -> JSONValue { attributes[key].map(JSONValue.string) ?? .null }
        func pair(_ pair: Pair?) -> JSONValue {
            guard let pair else { return .null }
            return .object(["var_i": .string(pair.rowName), "var_j": .string(pair.columnName), "i": .int(pair.row),
                            "j": .int(pair.column), "mi": .double(pair.value)])
        }
        let shards = attributes["shards"].flatMap(JSONValue.parse) ?? .array([])
        return .object([
            "file": .string(result.path),
            "tool_version": text("tool_version"),
            "source_revision": text("source_revision"),
            "kind": .string(result.isAllPairs ? "all-pairs" : "rectangular"),
            "shape": .array([.int(result.rows), .int(result.columns)]),
            "units": .string(result.units),
            "estimator": text("estimator"),
            "parameters": parameters,
            "configuration": configuration,
            "input": .object([
                "file": text("input_file"),
                "datasets": .array(inputDatasets.map { dataset in
                    .object(["path": .string(dataset.path), "shape": .array(dataset.shape.map(JSONValue.int)), "dtype": .string(dataset.dtype)])
                }),
                "digest": text("input_digest"),
                "format": text("input_format"),
                "encoding": text("input_encoding"),
                "cells": text("input_cells"),
                "variable_selection": text("variable_selection"),
            ]),
            "shard": text("shard"),
            "shards": shards,
            "status": .object(["pairs": .int(computed + failed + notComputed + screenedOut), "computed": .int(computed),
                               "failed": .int(failed), "not_computed": .int(notComputed)]
                .merging(screenedOut > 0 ? ["screened_out": .int(screenedOut)] : [:]) { a, _ in a }),
            "range": .object(["min": pair(minimum), "max": pair(maximum)]),
            "top": .array(top.map(pair)),
            "storage": .object(["chunks": result.chunks.map { .array($0.map(JSONValue.int)) } ?? .null,
                                "filters": .array(result.filters.map(JSONValue.string)), "compression": text("compression")]),
            "times": .object(["start": text("start_time"), "end": text("end_time"), "merge": text("merge_time")]),
            "host": text("host"),
            "command_line": text("command_line"),
            "significance": text("significance"),
            "edges": edges.map { edges in
                .object(["count": .int(edges.count), "fdr": edges.rate.isNaN ? .null : .double(edges.rate),
                         "first": .array(edges.first.map { edge in
                             .object(["var_i": .string(edge.rowName), "var_j": .string(edge.columnName), "mi": .double(edge.mi),
                                      "pvalue": .double(edge.p), "qvalue": .double(edge.q)])
                         })])
            } ?? .null,
        ])
    }
}
