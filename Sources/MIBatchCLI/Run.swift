import ArgumentParser
import Foundation
import MIBatch
import MIEstimators

extension InformationUnit: ExpressibleByArgument {}
extension OutputCompression: ExpressibleByArgument {
    /// `none` or `0`…`9`.
    public var defaultValueDescription: String { self == .none ? "none" : description.filter(\.isNumber) }
}
extension NonFinitePolicy: ExpressibleByArgument {}

/// `mibatch run`: compute one MI matrix.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute the MI matrix of all pairs of variables of a dataset.",
        discussion: "Exit status: 0 success, 3 written with failed pairs, 64 usage, 65 bad data, 66 missing input, 73 cannot create output, 74 I/O error, 75 interrupted (checkpoint saved; rerun to resume). See mibatch(1)."
    )

    @OptionGroup var options: RunOptions

    @Option(name: [.short, .customLong("output")], help: "Output HDF5 file (written atomically).")
    var output: String

    func run() throws {
        // A file-size limit (ulimit -f) must fail the write with EFBIG, reported like a full
        // disk, instead of killing the process before it can remove its temporary file.
        signal(SIGXFSZ, SIG_IGN)
        Allocator.useOneArena()
        if let shards = options.shards {
            guard let id = ProcessInfo.processInfo.environment["SLURM_ARRAY_TASK_ID"].flatMap(Int.init) else {
                throw ValidationError("--shards N takes the shard from SLURM_ARRAY_TASK_ID, which is not set; use --shard I/N outside a SLURM array")
            }
            guard id >= 0, id < shards else {
                throw ValidationError("SLURM_ARRAY_TASK_ID=\(id) is outside 0..\(shards - 1) for --shards \(shards); submit --array=0-\(shards - 1)")
            }
        }
        do {
            let configuration = try options.configuration(output: output)
            for warning in options.ignoredOptionWarnings { FileHandle.standardError.write(Data("mibatch: \(warning)\n".utf8)) }
            let summary = try Job.run(configuration, commandLine: CommandLine.arguments) { line in
                if !configuration.quiet || line.hasPrefix("warning") {
                    FileHandle.standardError.write(Data("mibatch: \(line)\n".utf8))
                }
            }
            if !configuration.quiet { print(summary.text) }
            if summary.failedPairs > 0 { throw ExitCode(ExitStatus.completedWithFailures) }
        } catch let error as MIBatchError {
            FileHandle.standardError.write(Data("mibatch: error: \(error)\n".utf8))
            throw ExitCode(error.exitStatus)
        }
    }
}

/// Options shared by `run` and `plan` (each declares its own `-o`: required by `run`, optional for `plan`).
struct RunOptions: ParsableArguments {
    @Argument(help: "Input HDF5 file (opened read-only).")
    var input: String

    @Option(help: "Path of the 2-D dataset inside INPUT (samples × variables); each column is a variable unless --variables groups them.")
    var dataset: String?

    @Option(help: ArgumentHelp("Group columns of --dataset into named variables: NAME=FIRST:END,... (half-open), or a file of such lines.",
                               valueName: "SPEC"))
    var variables: String?

    @Option(name: .customLong("var"), help: ArgumentHelp("A whole 1-D or 2-D dataset (samples × dimensions) as one variable, named by its path. Repeatable; replaces --dataset.", valueName: "PATH"))
    var wholeDatasets: [String] = []

    @Option(name: .customLong("x-vars"), help: ArgumentHelp("Rectangular run: the row variables (names or shell globs, comma-separated or repeated). Needs --y-vars.", valueName: "NAMES"))
    var xVariables: [String] = []

    @Option(name: .customLong("y-vars"), help: ArgumentHelp("Rectangular run: the column variables. Needs --x-vars.", valueName: "NAMES"))
    var yVariables: [String] = []

    @OptionGroup var estimation: EstimatorOptions

    @OptionGroup(title: "Input formats and variable selection") var inputOptions: InputOptions

    @OptionGroup(title: "Significance (permutation p-values, FDR)") var significance: SignificanceOptions

    @OptionGroup(title: "Screen, then refine (genome scale)") var screening: ScreenOptions

    @Option(help: ArgumentHelp("Variables that are categorical (labels, genotypes): comma-separated names, or all. Pairs of two are the plug-in estimate (see --discrete-correction); with a continuous variable, the mixed estimator within each category (KSG); binned uses one bin per category.", valueName: "NAMES|all"))
    var discrete: String?

    @Option(help: ArgumentHelp("Add seeded noise of SCALE × each variable's spread (its global-linf statistic) before normalization. Off by default; --ties needs no jitter.", valueName: "SCALE"))
    var jitter: Double?

    @Option(help: "Units of the results: nats or bits.")
    var units: InformationUnit = .nats

    @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "The dataset is stored variables × samples.")
    var transpose = false

    @Option(help: "1-D string dataset of variable names (default: the dataset's 'names' attribute, else v0, v1, ...).")
    var names: String?

    @Flag(help: "Replace OUTPUT if it exists.")
    var force = false

    @Option(help: "Seed of every random stream.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Memory budget, e.g. 512M or 8G (default: half of physical memory). Inputs larger than it are streamed in blocks; results never depend on it.", valueName: "LIMIT"))
    var memory: String?

    @Option(name: .customLong("progress-interval"), help: ArgumentHelp("Seconds between progress lines when stderr is not a terminal.", valueName: "SECONDS"))
    var progressInterval: Double = 30

    @Flag(help: "Print nothing but warnings and errors.")
    var quiet = false

    @Option(help: ArgumentHelp("Compute only shard I of N (1-based), a deterministic cost-balanced part of the plan. Default: from the SLURM array (see --shards), else the whole plan.", valueName: "I/N"))
    var shard: String?

    @Option(help: ArgumentHelp("In a SLURM array task: the total number of shards N; the task with SLURM_ARRAY_TASK_ID i computes shard i+1 of N (with plan: show what each of N shards gets). Submit --array=0-(N-1); resubmit any subset of indices with the same --shards. Without it, N is the array's SLURM_ARRAY_TASK_COUNT, which is wrong for resubmissions.", valueName: "N"))
    var shards: Int?

    @Option(help: ArgumentHelp("Deflate level 0-9 of /mi and /status (after byte shuffle), or none; both are always chunked in square tiles of at most 1 MiB.", valueName: "LEVEL|none"))
    var compression: OutputCompression = .default

    @Option(help: ArgumentHelp("NaN/Inf values: error (refuse, naming the first column, variable and row), drop-rows (drop every sample with a non-finite value in any variable) or pairwise (each pair uses the samples finite in both; counts in /samples).", valueName: "POLICY"))
    var nan: NonFinitePolicy = .error

    @Flag(name: .customLong("allow-external"), help: "Read datasets reached through external links, virtual datasets and external storage (refused by default: a missing source file reads as fill values).")
    var allowExternal = false

    @Option(name: .customLong("checkpoint-interval"), help: ArgumentHelp("Seconds between checkpoints of finished pairs (OUTPUT.ckpt); SIGTERM/SIGINT also checkpoint.", valueName: "SECONDS"))
    var checkpointInterval: Double = 60

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads)); omit it to use every core") }
        if let memory {
            guard let bytes = MemorySize.parse(memory) else { throw ValidationError("--memory: '\(memory)' is not a size (examples: 512M, 8G)") }
            guard bytes >= 1 << 20 else { throw ValidationError("--memory \(memory) is too small: the minimum is 1M (examples: 512M, 8G)") }
        }
        if let shards {
            guard shards >= 1 else { throw ValidationError("--shards must be at least 1") }
            guard shard == nil else { throw ValidationError("give --shard I/N or --shards N, not both") }
        }
        if let shard { guard ShardSpec.parse(shard) != nil else { throw ValidationError("--shard: '\(shard)' is not I/N with 1 ≤ I ≤ N (shards are numbered from 1; for example 3/16)") } }
        guard checkpointInterval > 0 else { throw ValidationError("--checkpoint-interval must be positive") }
        guard progressInterval > 0 else { throw ValidationError("--progress-interval must be positive") }
        if let jitter { guard jitter >= 0, jitter.isFinite else { throw ValidationError("--jitter must be a finite number ≥ 0") } }
        // Without --dataset or --var the input's format decides (AnnData, 10x, loom name their
        // matrix); a plain HDF5 file then asks for --dataset.
        if !wholeDatasets.isEmpty {
            guard dataset == nil, variables == nil else { throw ValidationError("--var cannot be combined with --dataset or --variables.") }
        }
        guard xVariables.isEmpty == yVariables.isEmpty else { throw ValidationError("--x-vars and --y-vars go together.") }
    }

    /// One warning per option that the chosen estimator does not use.
    var ignoredOptionWarnings: [String] {
        var effective = estimation
        if screening.screen != nil, let refine = screening.refine { effective.estimator = refine }
        return effective.ignored.map { "warning: \($0) does not apply to --estimator \(effective.estimator.rawValue); ignored" }
    }

    /// The resolved configuration, writing `output` (`""`: none, for `plan` without `-o`).
    func configuration(output: String) throws(MIBatchError) -> RunConfiguration {
        var configuration = RunConfiguration(input: input, dataset: dataset, output: output)
        configuration.jitter = jitter
        configuration.discrete = discrete.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        configuration.estimator = estimation.choice
        if !xVariables.isEmpty {
            configuration.xVariables = xVariables
            configuration.yVariables = yVariables
        }
        configuration.units = units
        configuration.threads = threads
        configuration.transpose = transpose
        configuration.format = inputOptions.resolvedFormat
        configuration.layer = inputOptions.layer
        configuration.raw = inputOptions.raw
        configuration.featureType = inputOptions.featureType
        configuration.topVariable = inputOptions.topVariable
        configuration.minCells = inputOptions.minCells
        if let genes = inputOptions.genes { configuration.genes = try GeneList.resolve(genes) }
        configuration.names = names
        configuration.force = force
        configuration.seed = seed
        configuration.memory = memory.flatMap(MemorySize.parse)
        configuration.progressInterval = progressInterval
        configuration.quiet = quiet
        configuration.checkpointInterval = checkpointInterval
        configuration.compression = compression
        configuration.nan = nan
        configuration.allowExternal = allowExternal
        configuration.significance = try significance.resolved()
        configuration.nullCache = significance.nullCache
        configuration.outputMatrices = significance.writesMatrices
        let screen = try screening.resolved(estimator: estimation.estimator, estimatorGiven: estimation.estimator != .ksg)
        if let refine = screen.refine {
            var refined = estimation
            refined.estimator = refine
            configuration.estimator = refined.choice
        }
        configuration.screen = screen.settings
        if screen.settings != nil, configuration.significance != nil {
            throw .invalidOption("--permutations with --screen is not supported: p-values of refined pairs only would be corrected over the wrong family")
        }
        let environment = ProcessInfo.processInfo.environment
        configuration.shard = shard.flatMap(ShardSpec.parse)
            ?? shards.flatMap { ShardSpec.fromSLURM(environment, count: $0) }
            ?? ShardSpec.fromSLURM(environment) ?? .whole
        if !wholeDatasets.isEmpty {
            configuration.variables = .datasets(wholeDatasets)
        } else if let variables {
            configuration.variables = .groups(try VariableSource.parseGroups(variables))
        }
        return configuration
    }
}
