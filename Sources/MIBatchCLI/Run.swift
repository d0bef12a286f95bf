import ArgumentParser
import Foundation
import MIBatch
import MIEstimators

extension KSGAlgorithm: ExpressibleByArgument {}
extension Normalization: ExpressibleByArgument {}
extension InformationUnit: ExpressibleByArgument {}
extension EstimatorKind: ExpressibleByArgument {}
extension Binned.BiasCorrection: ExpressibleByArgument {}
extension MINE.Optimizer: ExpressibleByArgument {}
extension OutputCompression: ExpressibleByArgument {
    /// `none` or `0`…`9`.
    public var defaultValueDescription: String { self == .none ? "none" : description.filter(\.isNumber) }
}
extension NonFinitePolicy: ExpressibleByArgument {}
extension TieHandling: ExpressibleByArgument {}

/// `mibatch run`: compute one MI matrix.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute the MI matrix of all pairs of variables of a dataset.",
        discussion: "Exit status: 0 success, 3 written with failed pairs, 64 usage, 65 bad data, 66 missing input, 73 cannot create output, 74 I/O error, 75 interrupted (checkpoint saved; rerun to resume). See mibatch(1)."
    )

    @OptionGroup var options: RunOptions

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
            let configuration = try options.configuration()
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

/// Options shared by `run` and `plan`.
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

    @Option(help: "Estimator: ksg (k-nearest neighbours), binned (equal-width bins, plug-in) or mine (neural; default MINE-Global-Corrected).")
    var estimator: EstimatorKind = .ksg

    @Option(help: "Bins per dimension for --estimator binned (at least 2).")
    var bins: Int = 10

    @Option(name: .customLong("bias-correction"), help: "Bias correction for --estimator binned: none or miller-madow.")
    var biasCorrection: Binned.BiasCorrection = .none

    @Option(name: .customLong("mine-hidden"), help: ArgumentHelp("MINE: hidden layer widths of the statistics network (ReLU).", valueName: "W1,W2,..."))
    var mineHidden: String = "64,64"

    @Option(name: .customLong("mine-steps"), help: "MINE: training steps per pair.")
    var mineSteps: Int = 2000

    @Option(name: .customLong("mine-batch"), help: "MINE: samples per training batch (product samples permute y within the batch).")
    var mineBatch: Int = 256

    @Option(name: .customLong("mine-lr"), help: "MINE: learning rate.")
    var mineLearningRate: Double = 1e-3

    @Option(name: .customLong("mine-optimizer"), help: "MINE: adam, or sgd (plain gradient descent, the paper's setting).")
    var mineOptimizer: MINE.Optimizer = .adam

    @Option(name: .customLong("mine-beta1"), help: "MINE: Adam's first-moment decay.")
    var mineBeta1: Double = 0.9

    @Option(name: .customLong("mine-beta2"), help: "MINE: Adam's second-moment decay.")
    var mineBeta2: Double = 0.999

    @Option(name: .customLong("mine-ema-rate"), help: ArgumentHelp("MINE: weight of the newest batch in the moving average that replaces E[e^f] in the gradient (the bias correction); 0 gives biased MINE.", valueName: "RATE"))
    var mineEmaRate: Double = 0.01

    @Option(name: .customLong("mine-holdout"), help: ArgumentHelp("MINE: fraction of samples held out (seeded) on which the bound is evaluated; 0 evaluates on all data.", valueName: "FRACTION"))
    var mineHoldout: Double = 0

    @Option(name: .customLong("mine-average-last"), help: "MINE: the reported value is the mean of this many evaluations of the bound ...")
    var mineAverageLast: Int = 10

    @Option(name: .customLong("mine-eval-interval"), help: "MINE: ... taken this many steps apart, ending at the last step.")
    var mineEvaluationInterval: Int = 20

    @Option(help: ArgumentHelp("KSG on repeated values (discrete, rounded, zero-inflated data): auto (default: atoms of mixtures separated, categorical variables kept, discrete ones dequantized, then the mixed estimator of Gao et al. 2017 on pairs with ties), mixed (Gao et al. on the values as they are), jitter (every tied variable dequantized by seeded noise over each value's cell) or none (the old rule; not an estimate of MI on tied data).", valueName: "MODE"))
    var ties: TieHandling = .auto

    @Option(help: ArgumentHelp("Variables that are categorical (labels, genotypes): comma-separated names, or all. Pairs of two are the plug-in estimate (see --discrete-correction); with a continuous variable, the mixed estimator within each category (KSG); binned uses one bin per category.", valueName: "NAMES|all"))
    var discrete: String?

    @Option(name: .customLong("discrete-correction"), help: ArgumentHelp("Bias correction of the plug-in estimate on pairs of two --discrete variables: miller-madow (default) or none.", valueName: "CORRECTION"))
    var discreteCorrection: Binned.BiasCorrection = .millerMadow

    @Option(help: ArgumentHelp("Add seeded noise of SCALE × each variable's spread (its global-linf statistic) before normalization. Off by default; --ties needs no jitter.", valueName: "SCALE"))
    var jitter: Double?

    @Option(name: [.short, .customLong("output")], help: "Output HDF5 file (written atomically).")
    var output: String

    @Option(help: "Number of nearest neighbours for KSG.")
    var k: Int = 3

    @Option(name: .customLong("ksg-algorithm"),
            help: "KSG variant: 1 or 2 (Kraskov 2004, eq. 8 and 9), or joint (the seed paper's estimator; reproduction only, strongly biased).")
    var ksgAlgorithm: KSGAlgorithm = .ksg2

    @Option(help: "Per-variable normalization: \(Normalization.allCases.map(\.rawValue).joined(separator: ", ")).")
    var normalization: Normalization = .globalLinf

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
        guard k >= 1 else { throw ValidationError("--k must be at least 1 (got \(k)); KSG counts k nearest neighbours, 3 is usual") }
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
        guard bins >= 2 else { throw ValidationError("--bins must be at least 2 (got \(bins)); one bin carries no information") }
        if let jitter { guard jitter >= 0, jitter.isFinite else { throw ValidationError("--jitter must be a finite number ≥ 0") } }
        if wholeDatasets.isEmpty {
            guard dataset != nil else { throw ValidationError("Give --dataset PATH (columns as variables) or --var PATH (whole datasets).") }
        } else {
            guard dataset == nil, variables == nil else { throw ValidationError("--var cannot be combined with --dataset or --variables.") }
        }
        if estimator == .mine, let problem = mineOptions.parameters.validationError {
            throw ValidationError("--mine-*: \(problem)")
        }
        guard xVariables.isEmpty == yVariables.isEmpty else { throw ValidationError("--x-vars and --y-vars go together.") }
    }

    /// The MINE options as given.
    var mineOptions: MINEOptions {
        var options = MINEOptions()
        options.hidden = mineHidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) ?? 0 }
        options.steps = mineSteps
        options.batchSize = mineBatch
        options.learningRate = mineLearningRate
        options.optimizer = mineOptimizer
        options.beta1 = mineBeta1
        options.beta2 = mineBeta2
        options.emaRate = mineEmaRate
        options.holdoutFraction = mineHoldout
        options.averageLast = mineAverageLast
        options.evaluationInterval = mineEvaluationInterval
        return options
    }

    /// The resolved configuration.
    func configuration() throws(MIBatchError) -> RunConfiguration {
        var configuration = RunConfiguration(input: input, dataset: dataset, output: output)
        configuration.k = k
        configuration.estimator = estimator
        configuration.bins = bins
        configuration.biasCorrection = biasCorrection
        configuration.jitter = jitter
        configuration.ties = ties
        configuration.discrete = discrete.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        configuration.discreteCorrection = discreteCorrection
        configuration.mine = mineOptions
        if !xVariables.isEmpty {
            configuration.xVariables = xVariables
            configuration.yVariables = yVariables
        }
        configuration.ksgAlgorithm = ksgAlgorithm
        configuration.normalization = normalization
        configuration.units = units
        configuration.threads = threads
        configuration.transpose = transpose
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
