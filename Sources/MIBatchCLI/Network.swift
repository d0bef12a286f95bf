import ArgumentParser
import Foundation
import MIBatch

extension NetworkExportFormat: ExpressibleByArgument {}

/// `mibatch network`: ARACNE, CLR and MRNET networks from a mibatch MI matrix.
struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Infer a network (ARACNE, CLR, MRNET) from the MI matrix of a mibatch output.",
        discussion: """
            Reads /mi (and /qvalue) of a complete all-pairs mibatch output one band of rows at a \
            time within --memory, keeps the candidate pairs (every computed pair, or those passing \
            --min-mi and --fdr, touching a regulator with --regulators), runs each --method, and \
            writes /nodes and /edges/METHOD (sorted by weight) with provenance to a new HDF5 file, \
            atomically. Definitions and tie rules: mibatch-network(7); layout: mibatch-format(5).
            """
    )

    @Argument(help: "A mibatch output holding /mi for all pairs (run, or merge of every shard).")
    var input: String

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Network file to write (HDF5).", valueName: "NET.h5"))
    var output: String

    @Option(help: ArgumentHelp("Methods, comma-separated: aracne, clr, mrnet (each once; one pass for all).", valueName: "LIST"))
    var method: String = "aracne"

    @Option(name: .customLong("min-mi"), help: ArgumentHelp("Candidates need MI >= T (in the input's units).", valueName: "T"))
    var minMI: Double?

    @Option(help: ArgumentHelp("Candidates need q <= Q (the input's /qvalue, from mibatch run --permutations).", valueName: "Q"))
    var fdr: Double?

    @Option(name: .customLong("dpi-tolerance"), help: ArgumentHelp("ARACNE: remove an edge only when weaker than both others of a triangle by more than EPS (minet's eps; 0 = strict).", valueName: "EPS"))
    var dpiTolerance: Double = 0

    @Option(help: ArgumentHelp("Regulator names, one per line: only edges touching a regulator, DPI witnesses regulators only (ARACNe-AP's TF mode).", valueName: "FILE"))
    var regulators: String?

    @Option(help: ArgumentHelp("Memory budget, e.g. 512M or 8G (default: half of physical memory); results never depend on it.", valueName: "LIMIT"))
    var memory: String?

    @Flag(help: "Also write /adjacency/METHOD, the dense p × p weighted adjacency (for small p; must fit --memory).")
    var adjacency = false

    @Option(help: ArgumentHelp("Also write OUT-stem.METHOD.tsv or .graphml (Cytoscape, igraph); repeatable.", valueName: "tsv|graphml"))
    var export: [NetworkExportFormat] = []

    @Option(help: ArgumentHelp("Compute only shard I of N (1-based): the edges of targets (rows) ⌊(I−1)p/N⌋ to ⌊Ip/N⌋−1, written to a shard file for mibatch merge. Default: from the SLURM array (see --shards), else everything.", valueName: "I/N"))
    var shard: String?

    @Option(help: ArgumentHelp("In a SLURM array task: the total number of shards N; SLURM_ARRAY_TASK_ID i computes shard i+1 of N. Submit --array=0-(N-1).", valueName: "N"))
    var shards: Int?

    @Flag(help: "Replace existing outputs.")
    var force = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    var methods: [NetworkMethod] {
        get throws {
            var list: [NetworkMethod] = []
            for name in method.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
                guard let value = NetworkMethod(rawValue: name) else {
                    throw ValidationError("--method: '\(name)' is not a method (aracne, clr, mrnet)")
                }
                if !list.contains(value) { list.append(value) }
            }
            guard !list.isEmpty else { throw ValidationError("--method: name at least one of aracne, clr, mrnet") }
            return list
        }
    }

    func validate() throws {
        _ = try methods
        if let shards {
            guard shards >= 1 else { throw ValidationError("--shards must be at least 1") }
            guard shard == nil else { throw ValidationError("give --shard I/N or --shards N, not both") }
        }
        if let shard { guard ShardSpec.parse(shard) != nil else { throw ValidationError("--shard: '\(shard)' is not I/N with 1 ≤ I ≤ N (shards are numbered from 1; for example 3/16)") } }
        if let fdr, !(fdr > 0 && fdr <= 1) { throw ValidationError("--fdr must be in (0, 1] (got \(fdr))") }
        if let minMI, !minMI.isFinite { throw ValidationError("--min-mi must be a finite number") }
        guard dpiTolerance >= 0 && dpiTolerance.isFinite else { throw ValidationError("--dpi-tolerance must be at least 0 (got \(dpiTolerance))") }
        if let memory {
            guard let bytes = MemorySize.parse(memory) else { throw ValidationError("--memory: '\(memory)' is not a size (examples: 512M, 8G)") }
            guard bytes >= 16 << 10 else { throw ValidationError("--memory \(memory) is too small: the minimum is 16K") }
        }
    }

    /// The shard this process computes (`.whole` unless sharded into more than one part).
    func shardSpec() throws -> ShardSpec {
        let environment = ProcessInfo.processInfo.environment
        if let shards {
            guard let id = environment["SLURM_ARRAY_TASK_ID"].flatMap(Int.init) else {
                throw ValidationError("--shards N takes the shard from SLURM_ARRAY_TASK_ID, which is not set; use --shard I/N outside a SLURM array")
            }
            guard let spec = ShardSpec.fromSLURM(environment, count: shards) else {
                throw ValidationError("SLURM_ARRAY_TASK_ID=\(id) is outside 0..\(shards - 1) for --shards \(shards); submit --array=0-\(shards - 1)")
            }
            return spec.count > 1 ? spec : .whole
        }
        let spec = shard.flatMap(ShardSpec.parse) ?? ShardSpec.fromSLURM(environment) ?? .whole
        return spec.count > 1 ? spec : .whole
    }

    func run() throws {
        let shard = try shardSpec()
        var configuration = NetworkConfiguration(input: input, output: shard.outputPath(for: output), methods: try methods)
        configuration.shard = shard
        configuration.minimumMI = minMI
        configuration.fdr = fdr
        configuration.tolerance = dpiTolerance
        configuration.regulatorsFile = regulators
        if let bytes = memory.flatMap(MemorySize.parse) { configuration.memory = bytes }
        configuration.adjacency = adjacency
        configuration.exports = export.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        configuration.force = force
        do {
            let outcome = try NetworkInference.run(configuration)
            if !quiet {
                let counts = outcome.edges.map { "\($0.method.rawValue) \($0.count) edges" }.joined(separator: ", ")
                let part = shard.count > 1 ? "shard \(shard) (targets \(NetworkInference.ownedTargets(shard, count: outcome.nodes))) of " : ""
                print("mibatch: wrote \(outcome.output): \(part)\(outcome.nodes) nodes, \(outcome.candidates) candidate pairs; \(counts)")
                for path in outcome.exports { print("mibatch: wrote \(path)") }
            }
        } catch {
            FileHandle.standardError.write(Data("mibatch: error: \(error)\n".utf8))
            throw ExitCode(error.exitStatus)
        }
    }
}
