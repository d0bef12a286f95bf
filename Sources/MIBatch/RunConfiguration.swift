import Foundation
import MIEstimators

/// Which estimator a run uses.
public enum EstimatorKind: String, Codable, CaseIterable, Sendable {
    /// Kraskov–Stögbauer–Grassberger k-nearest-neighbour estimator.
    case ksg
    /// Equal-width binning with the plug-in formula.
    case binned
    /// MINE (Belghazi 2018): a statistics network trained on the Donsker–Varadhan bound.
    case mine
}

/// Units of the reported MI values.
public enum InformationUnit: String, Codable, CaseIterable, Sendable {
    /// Natural logarithm.
    case nats
    /// Base-2 logarithm (nats ÷ ln 2).
    case bits

    /// Factor converting nats to this unit.
    public var fromNats: Double { self == .nats ? 1 : 1 / M_LN2 }
}

/// Everything that determines a run's result, resolved (no implicit defaults left).
///
/// Recorded verbatim as JSON in the output's `configuration` attribute; two runs with equal
/// configurations and equal input digests produce bit-identical matrices.
public struct RunConfiguration: Codable, Equatable, Sendable {
    /// Path of the input HDF5 file, as given.
    public var input: String
    /// Path of the 2-D dataset inside the input (`nil` when variables are whole datasets).
    public var dataset: String?
    /// How variables are formed from the input.
    public var variables: VariableSource = .columns
    /// Row-variable patterns of a rectangular run (`--x-vars`); `nil` for all pairs.
    public var xVariables: [String]? = nil
    /// Column-variable patterns of a rectangular run (`--y-vars`); `nil` for all pairs.
    public var yVariables: [String]? = nil
    /// Path of the output HDF5 file, as given.
    public var output: String
    /// Which estimator.
    public var estimator: EstimatorKind = .ksg
    /// Number of neighbours for KSG (≥ 1).
    public var k: Int = 3
    /// KSG variant: `1`, `2` (default) or `joint` (the seed paper's estimator, for reproduction only).
    public var ksgAlgorithm: KSGAlgorithm = .ksg2
    /// Normalization applied to each variable before estimation (binned ignores it).
    public var normalization: Normalization = .globalLinf
    /// Bins per dimension for the binned estimator.
    public var bins: Int = 10
    /// Bias correction of the binned estimator.
    public var biasCorrection: Binned.BiasCorrection = .none
    /// MINE training parameters (every one recorded in the provenance).
    public var mine: MINEOptions = MINEOptions()
    /// What KSG does with repeated values (`--ties`, default `auto`; see ``TieHandling``).
    public var ties: TieHandling = .auto
    /// Variables declared categorical (`--discrete`): names, or `["all"]`; `nil` for none.
    public var discrete: [String]? = nil
    /// Bias correction of the plug-in estimate on pairs of two declared-discrete variables.
    public var discreteCorrection: Binned.BiasCorrection = .millerMadow
    /// Jitter: seeded noise of this many times each variable's spread (global-linf statistic)
    /// added before normalization; `nil` for none. An explicit option from before `--ties`;
    /// `--ties auto` (the default) needs no jitter.
    public var jitter: Double? = nil
    /// Units of the reported values.
    public var units: InformationUnit = .nats
    /// Seed of every random stream (jitter, MINE); streams derive from (seed, variable or pair).
    public var seed: UInt64 = 0
    /// Worker threads (≥ 1). Does not affect results.
    public var threads: Int = 1
    /// Input stored as variables × samples instead of samples × variables.
    public var transpose: Bool = false
    /// 1-D string dataset holding the variable names, if given.
    public var names: String? = nil
    /// Replace an existing output.
    public var force: Bool = false
    /// Memory budget in bytes (`nil`: ``MemorySize/defaultBudget``). Never changes results.
    public var memory: Int? = nil
    /// Seconds between progress lines when stderr is not a terminal.
    public var progressInterval: Double = 30
    /// Print nothing but warnings and errors.
    public var quiet: Bool = false
    /// The part of the plan this run computes.
    public var shard: ShardSpec = .whole
    /// Seconds between checkpoints of finished pairs.
    public var checkpointInterval: Double = 60
    /// Filters of the output's `/mi` and `/status` (`--compression`); never changes values.
    public var compression: OutputCompression = .default
    /// What to do with NaN/±Inf values (`--nan`); changes results, so part of ``resultKey``.
    public var nan: NonFinitePolicy = .error
    /// Read datasets whose values come from other files (external links, virtual datasets,
    /// external storage); refused by default (`--allow-external`).
    public var allowExternal: Bool = false

    /// Creates a configuration with the documented defaults.
    public init(input: String, dataset: String?, output: String) {
        self.input = input
        self.dataset = dataset
        self.output = output
    }

    /// The configuration as sorted-key JSON (stable text: same configuration ⇒ same string).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The settings that determine the values (not where they are written, how fast, or
    /// which shard): shards and checkpoints must agree on this exactly.
    public var resultKey: String {
        var key = self
        key.input = ""
        key.output = ""
        key.threads = 0
        key.force = false
        key.memory = nil
        key.progressInterval = 0
        key.quiet = false
        key.shard = .whole
        key.checkpointInterval = 0
        key.compression = .default
        key.allowExternal = false
        return key.json
    }

    /// Human-readable estimator label, e.g. `KSG-2 (k=3, global-linf)`.
    public var estimatorLabel: String {
        switch estimator {
        case .ksg:
            let name = ksgAlgorithm == .joint ? "KSG-joint (seed paper)" : "KSG-\(ksgAlgorithm.rawValue)"
            return "\(name) (k=\(k), \(normalization.rawValue))"
        case .binned:
            return "binned (\(bins) bins\(biasCorrection == .none ? "" : ", \(biasCorrection.rawValue)"))"
        case .mine:
            let corrected = mine.emaRate > 0 && mine.emaRate < 1 ? "Corrected" : "Biased"
            let scale = normalization.rawValue.hasPrefix("global") || normalization == .robust ? "Global" : (normalization == .local ? "Local" : "Raw")
            return "MINE-\(scale)-\(corrected) (hidden \(mine.hidden.map(String.init).joined(separator: ",")), \(mine.optimizer.rawValue) lr \(mine.learningRate), "
                + "batch \(mine.batchSize), \(mine.steps) steps, EMA rate \(mine.emaRate), \(normalization.rawValue))"
        }
    }
}

extension KSGAlgorithm: Codable {}
extension Normalization: Codable {}
extension Binned.BiasCorrection: Codable {}

/// MINE training parameters as recorded in the configuration (mirrors ``MINE/Parameters``).
public struct MINEOptions: Codable, Equatable, Sendable {
    /// Hidden layer widths of the statistics network.
    public var hidden: [Int] = [64, 64]
    /// Step size.
    public var learningRate: Double = 1e-3
    /// Adam moment decay rates and epsilon.
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var epsilon: Double = 1e-8
    /// Samples per training batch.
    public var batchSize: Int = 256
    /// Training steps.
    public var steps: Int = 2000
    /// `adam` or `sgd`.
    public var optimizer: MINE.Optimizer = .adam
    /// Weight of the newest batch in the moving average of E[e^f] (0: biased MINE).
    public var emaRate: Double = 0.01
    /// Fraction of samples held out to evaluate the bound (0: evaluate on all data).
    public var holdoutFraction: Double = 0
    /// The reported value averages this many evaluations ...
    public var averageLast: Int = 10
    /// ... taken this many steps apart, ending at the last step.
    public var evaluationInterval: Int = 20

    /// Default options.
    public init() {}

    /// The estimator's parameter set.
    public var parameters: MINE.Parameters {
        MINE.Parameters(hidden: hidden, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                        batchSize: batchSize, steps: steps, optimizer: optimizer, emaRate: emaRate,
                        holdoutFraction: holdoutFraction, averageLast: averageLast, evaluationInterval: evaluationInterval)
    }
}

extension MINE.Optimizer: Codable {}
