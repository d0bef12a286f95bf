import Foundation
import MINetwork

/// A network inference method of `mibatch network` (definitions in mibatch-network(7)).
public enum NetworkMethod: String, CaseIterable, Sendable {
    /// ARACNE: data-processing-inequality pruning (minet's `aracne`, ARACNe-AP's TF mode).
    case aracne
    /// CLR: context likelihood of relatedness (minet's `clr`).
    case clr
    /// MRNET: mRMR forward selection per target (minet's `mrnet`).
    case mrnet
}

/// Everything `mibatch network` was asked to do.
public struct NetworkConfiguration: Sendable {
    /// The mibatch MI file read.
    public var input: String
    /// The network file written.
    public var output: String
    /// Methods, in the order given (each computed once).
    public var methods: [NetworkMethod]
    /// Candidates need MI ≥ this (`--min-mi`), when given.
    public var minimumMI: Double? = nil
    /// Candidates need q ≤ this (`--fdr`, from `/qvalue`), when given.
    public var fdr: Double? = nil
    /// minet's `eps` for ARACNE (`--dpi-tolerance`, ≥ 0), in the MI's units.
    public var tolerance: Double = 0
    /// A file of regulator names, one per line (`--regulators`).
    public var regulatorsFile: String? = nil
    /// The memory budget in bytes (`--memory`).
    public var memory: Int = MemorySize.defaultBudget
    /// Also write the dense weighted adjacency of each method (`--adjacency`).
    public var adjacency = false
    /// Export formats (`--export tsv|graphml`).
    public var exports: [NetworkExportFormat] = []
    /// Replace existing outputs.
    public var force = false
    /// argv, for the provenance.
    public var commandLine: [String] = CommandLine.arguments
    /// The part computed: shard I of N owns the targets (rows) ``NetworkInference/ownedTargets(_:count:)``
    /// and writes their edges to `output` as a shard file for `mibatch merge`; `.whole` by default.
    public var shard: ShardSpec = .whole

    /// Creates a configuration.
    public init(input: String, output: String, methods: [NetworkMethod]) {
        self.input = input; self.output = output; self.methods = methods
    }
}

/// What `mibatch network` produced.
public struct NetworkOutcome: Sendable {
    /// The file written.
    public var output: String
    /// Number of variables.
    public var nodes: Int
    /// Candidate pairs after the threshold and regulator restriction.
    public var candidates: Int
    /// Edges per method, in the configuration's order.
    public var edges: [(method: NetworkMethod, count: Int)]
    /// Export files written (none by a shard: `mibatch merge` writes them).
    public var exports: [String]
    /// Rows per band read.
    public var bandRows: Int
}

/// `mibatch network`: one pass over the MI matrix in bands of rows within `--memory`, then
/// each method on what the pass kept (row statistics, candidates, and for MRNET the matrix).
public enum NetworkInference {
    /// Bytes kept per candidate pair (the list, its q-value, and ARACNE's sorted copy and two adjacency entries).
    static let bytesPerCandidate = 96

    /// Runs the whole command; writes nothing unless every check passed.
    ///
    /// - Throws: as ``NetworkReader/open(_:)``; `.unknownRegulators`; `.unsuitableMatrix`
    ///   (`--fdr` without `/qvalue`); `.invalidOption` (memory too small for the candidates or
    ///   for `--adjacency`); `.writeFailed` (MRNET's scratch file); output errors as `mibatch run`'s.
    /// - Complexity: one read of `/mi` and `/status` (and `/qvalue` with `--fdr`); memory
    ///   O(band + candidates) plus, with MRNET, 8p² bytes when they fit 90% of
    ///   `--memory`, else a scratch file of 8p² bytes beside the output.
    public static func run(_ configuration: NetworkConfiguration) throws(MIBatchError) -> NetworkOutcome {
        let start = Date()
        try NetworkWriter.preflight(configuration)
        if configuration.shard.count <= 1 { try NetworkExport.preflight(configuration) }
        let reader = try NetworkReader.open(configuration.input)
        let p = reader.names.count
        if configuration.fdr != nil && !reader.hasQValues {
            throw .unsuitableMatrix(path: configuration.input, reason: "--fdr needs /qvalue, which this output lacks (compute it with mibatch run --permutations N)")
        }
        let regulators = try configuration.regulatorsFile.map { file throws(MIBatchError) in try readRegulators(file, names: reader.names) }
        // MRNET reads the row of every variable it chooses: the matrix stays in memory when it
        // fits, else it is spilled to a scratch file beside the output and read row by row.
        let mrnet = configuration.methods.contains(.mrnet)
        let inMemory = mrnet && 8 * p * p <= configuration.memory * 9 / 10
        let dense = inMemory ? 8 * p * p : 0
        let spill = mrnet && !inMemory ? try MatrixRowFile(path: scratchPath(for: configuration.output), count: p) : nil
        defer { spill?.remove() }
        let available = max(0, configuration.memory - dense)
        let bandRows = bandHeight(available: available, p: p)

        var statistics: [CLR.RowStatistics] = []
        statistics.reserveCapacity(p)
        var candidates: [NetworkEdge] = [], candidateQ: [Double] = []
        var matrix = dense > 0 ? [Double](repeating: 0, count: p * p) : []
        let minimum = configuration.minimumMI, rate = configuration.fdr
        try reader.forEachBand(height: bandRows, withQ: reader.hasQValues) { (band: NetworkReader.Band) throws(MIBatchError) in
            if let spill { try band.mi.withUnsafeBufferPointer { (rows) throws(MIBatchError) in try spill.append(rows) } }
            band.mi.withUnsafeBufferPointer { mi in
                for r in 0..<band.rows.count {
                    let i = band.rows.lowerBound + r
                    let row = UnsafeBufferPointer(rebasing: mi[(r * p)..<((r + 1) * p)])
                    statistics.append(CLR.statistics(row: row, diagonal: i))
                    if dense > 0 { for j in 0..<p { matrix[i * p + j] = row[j] } }
                    for j in (i + 1)..<max(i + 1, p) where band.status[r * p + j] == PairStatus.computed.rawValue {
                        let value = row[j]
                        if let minimum, !(value >= minimum) { continue }
                        let q = band.q.isEmpty ? Double.nan : band.q[r * p + j]
                        if let rate, !(q <= rate) { continue }
                        if let regulators, !regulators[i] && !regulators[j] { continue }
                        candidates.append(NetworkEdge(u: Int32(i), v: Int32(j), weight: value, mi: value))
                        candidateQ.append(q)
                    }
                }
            }
            if dense + 24 * p * bandRows + candidates.count * bytesPerCandidate > configuration.memory {
                throw .invalidOption("--memory \(MemorySize.format(configuration.memory)) cannot hold the \(candidates.count)+ candidate pairs (\(bytesPerCandidate) bytes each) of \(p) variables; raise --memory or choose fewer candidates with --min-mi or --fdr")
            }
        }

        let owned = ownedTargets(configuration.shard, count: p), sharded = configuration.shard.count > 1
        var networks: [(NetworkMethod, [NetworkEdge])] = []
        for method in configuration.methods where !networks.contains(where: { $0.0 == method }) {
            switch method {
            case .aracne:
                let graph = CandidateGraph(nodeCount: p, candidates: candidates)
                let edges = ARACNE.network(graph, tolerance: configuration.tolerance, regulators: regulators)
                networks.append((method, sharded ? edges.filter { owned.contains(Int($0.u)) } : edges))
            case .clr:
                networks.append((method, CLR.network(sharded ? candidates.filter { owned.contains(Int($0.u)) } : candidates, statistics: statistics)))
            case .mrnet:
                let wanted = WantedNeighbours(candidates: candidates, count: p)
                let choices: [[(Int, Double)]]
                if let spill {
                    choices = MRNET.choices(targets: owned, rows: spill, wanted: wanted.of)
                    try spill.checkFailure()
                } else {
                    choices = matrix.withUnsafeBufferPointer { MRNET.choices(targets: owned, rows: DenseMIRows($0, count: p), wanted: wanted.of) }
                }
                let edges = MRNET.edges(targets: Array(owned), choices: choices) { u, v in
                    candidateIndex(of: NetworkEdge(u: Int32(u), v: Int32(v), weight: 0, mi: 0), in: candidates).map { candidates[$0].mi } ?? .nan
                }
                networks.append((method, edges.filter { !$0.mi.isNaN }))
                matrix = []
            }
        }
        let qualified = networks.map { method, edges in
            NetworkResult(method: method, edges: edges, q: reader.hasQValues ? edges.map { candidateQ[candidateIndex(of: $0, in: candidates)!] } : nil)
        }
        let record = NetworkRecord(configuration: configuration, reader: reader, inputDigest: try NetworkReader.fileDigest(configuration.input),
                                   candidates: candidates.count, start: start, end: Date())
        try NetworkWriter.write(qualified, names: reader.names, attributes: record.attributes, units: reader.units,
                                adjacency: configuration.adjacency && !sharded, to: configuration.output, overwrite: configuration.force)
        let exports = sharded ? [] : try NetworkExport.write(qualified, names: reader.names, units: reader.units, formats: configuration.exports,
                                                             output: configuration.output, overwrite: configuration.force)
        return NetworkOutcome(output: configuration.output, nodes: p, candidates: candidates.count,
                              edges: qualified.map { ($0.method, $0.edges.count) }, exports: exports, bandRows: bandRows)
    }

    /// Rows per band: a quarter of the memory left (at most 256 MiB) over the 24 bytes per
    /// cell a band holds, whole chunk rows (``OutputStorage/tileSide``) when it reaches one.
    static func bandHeight(available: Int, p: Int) -> Int {
        let rows = min(available / 4, 256 << 20) / (24 * p)
        let side = OutputStorage.tileSide
        return max(1, min(p, rows >= side ? rows / side * side : rows))
    }

    /// The targets shard `shard` owns: rows ⌊(I−1)·p/N⌋ ..< ⌊I·p/N⌋. An edge (u, v), u < v,
    /// belongs to the owner of u; MRNET's direction i → j to the owner of i.
    public static func ownedTargets(_ shard: ShardSpec, count p: Int) -> Range<Int> {
        ((shard.index - 1) * p / shard.count)..<(shard.index * p / shard.count)
    }

    /// MRNET's scratch copy of the matrix for `output`: a hidden file beside it.
    static func scratchPath(for output: String) -> String {
        let url = URL(fileURLWithPath: output)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).mrnet-rows").path
    }

    /// Position of `edge`'s pair in `candidates` (sorted by (u, v)), by binary search.
    static func candidateIndex(of edge: NetworkEdge, in candidates: [NetworkEdge]) -> Int? {
        var low = 0, high = candidates.count
        while low < high {
            let mid = (low + high) / 2
            if (candidates[mid].u, candidates[mid].v) < (edge.u, edge.v) { low = mid + 1 } else { high = mid }
        }
        return low < candidates.count && candidates[low].u == edge.u && candidates[low].v == edge.v ? low : nil
    }

    /// The regulator flags of `names` read from `path`: one name per line; blank lines and
    /// lines starting with `#` are skipped; surrounding white space is ignored.
    ///
    /// - Throws: `.unknownRegulators` when a name is not a variable; `.invalidOption` when the
    ///   file cannot be read or names no regulator.
    static func readRegulators(_ path: String, names: [String]) throws(MIBatchError) -> [Bool] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .invalidOption("--regulators \(path): cannot read the file")
        }
        var position: [String: Int] = [:]
        for (index, name) in names.enumerated() { position[name] = index }
        var flags = [Bool](repeating: false, count: names.count), unknown: [String] = []
        var any = false
        for line in text.split(whereSeparator: \.isNewline) {
            let name = line.trimmingCharacters(in: .whitespaces)
            if name.isEmpty || name.hasPrefix("#") { continue }
            if let index = position[name] { flags[index] = true; any = true } else { unknown.append(name) }
        }
        if !unknown.isEmpty { throw .unknownRegulators(file: path, names: Array(unknown.prefix(5)), count: unknown.count) }
        guard any else { throw .invalidOption("--regulators \(path): the file names no regulator") }
        return flags
    }
}

/// Each node's candidate neighbours, ascending: the pairs whose MRNET weight is wanted.
struct WantedNeighbours: Sendable {
    let offsets: [Int]
    let neighbours: [Int32]

    /// From candidates sorted by (u, v).
    init(candidates: [NetworkEdge], count p: Int) {
        var degree = [Int](repeating: 0, count: p + 1)
        for edge in candidates { degree[Int(edge.u) + 1] += 1; degree[Int(edge.v) + 1] += 1 }
        for node in 0..<p { degree[node + 1] += degree[node] }
        var fill = Array(degree.dropLast()), list = [Int32](repeating: 0, count: 2 * candidates.count)
        // (u, v) ascending: each list receives its smaller neighbours (as v) in u order, then
        // its larger ones (as u) in v order, so every list comes out ascending.
        for edge in candidates { list[fill[Int(edge.v)]] = edge.u; fill[Int(edge.v)] += 1 }
        for edge in candidates { list[fill[Int(edge.u)]] = edge.v; fill[Int(edge.u)] += 1 }
        offsets = degree; neighbours = list
    }

    /// The candidate neighbours of `node`, ascending.
    @Sendable func of(_ node: Int) -> [Int32] { Array(neighbours[offsets[node]..<offsets[node + 1]]) }
}

/// One method's network: edges in output order and, when the input has `/qvalue`, their q.
public struct NetworkResult: Sendable {
    /// The method.
    public var method: NetworkMethod
    /// The edges (``NetworkEdge/outputOrder(_:_:)``).
    public var edges: [NetworkEdge]
    /// q-value of each edge (`nil` without `/qvalue`).
    public var q: [Double]?
}
