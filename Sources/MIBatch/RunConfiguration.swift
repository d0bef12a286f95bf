import Foundation
import MIEstimators

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
    /// The input's format (`--format`); `nil` (auto): detected from the file (``InputFormat``).
    public var format: InputFormat? = nil
    /// A layer instead of the main matrix (`--layer`: AnnData `layers/NAME`, loom `layers/NAME`).
    public var layer: String? = nil
    /// AnnData: read `raw/X` with the names of `raw/var` (`--raw`).
    public var raw: Bool = false
    /// 10x Genomics: the feature type whose features are variables (`--feature-type`;
    /// `nil`: "Gene Expression").
    public var featureType: String? = nil
    /// Only these variables, by name or feature id (`--genes`); `nil`: every variable.
    public var genes: [String]? = nil
    /// Keep the N variables of largest variance of log1p values (`--top-variable`).
    public var topVariable: Int? = nil
    /// Keep variables with at least this many non-zero samples (`--min-cells`).
    public var minCells: Int? = nil
    /// Row-variable patterns of a rectangular run (`--x-vars`); `nil` for all pairs.
    public var xVariables: [String]? = nil
    /// Column-variable patterns of a rectangular run (`--y-vars`); `nil` for all pairs.
    public var yVariables: [String]? = nil
    /// Path of the output HDF5 file, as given.
    public var output: String
    /// The estimator and its settings (only the running estimator's options are held).
    public var estimator: EstimatorChoice = .ksg(KSG.Settings())
    /// Variables declared categorical (`--discrete`): names, or `["all"]`; `nil` for none.
    public var discrete: [String]? = nil
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
    /// Permutation p-values, q-values and the edge list (`--permutations` ...); `nil`: none.
    public var significance: SignificanceSettings? = nil
    /// Directory where shared nulls are kept for other shards and runs (`--null-cache`);
    /// never changes results.
    public var nullCache: String? = nil
    /// Write the p × p matrices (`--output-matrices all`, the default) or only `/edges`
    /// (`none`, with `--fdr`; whole runs and merges, shards always keep their matrices).
    public var outputMatrices: Bool = true
    /// Screen, then refine (`--screen`, `--refine-*`); `nil`: every pair with ``estimator``.
    public var screen: ScreenSettings? = nil

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
        key.nullCache = nil
        return key.json
    }

    /// Human-readable estimator label, e.g. `KSG-2 (k=3, global-linf)`.
    public var estimatorLabel: String { estimator.makeEstimator().label }

    /// The fewest samples the configured estimator accepts (KSG: k + 1; MINE: 2, or 3 with a
    /// hold-out; binned: 2), as the estimator states it.
    public var minimumSamples: Int { estimator.makeEstimator().minimumSamples }
}

extension RunConfiguration {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case input, dataset, variables, format, layer, raw, featureType, genes, topVariable, minCells, xVariables, yVariables, output, estimator, discrete, jitter, units, seed, threads,
             transpose, names, force, memory, progressInterval, quiet, shard, checkpointInterval, compression, nan,
             allowExternal, significance, nullCache, outputMatrices, screen
    }

    /// The keys of a configuration that are the run's own; every other key is a setting of
    /// its estimator (``EstimatorChoice``).
    static let runKeys = Set(CodingKeys.allCases.map(\.rawValue))

    /// Encodes the run's keys and, beside them in the same object, the estimator's settings.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(input, forKey: .input)
        try container.encodeIfPresent(dataset, forKey: .dataset)
        try container.encode(variables, forKey: .variables)
        try container.encodeIfPresent(format, forKey: .format)
        try container.encodeIfPresent(layer, forKey: .layer)
        if raw { try container.encode(raw, forKey: .raw) }
        try container.encodeIfPresent(featureType, forKey: .featureType)
        try container.encodeIfPresent(genes, forKey: .genes)
        try container.encodeIfPresent(topVariable, forKey: .topVariable)
        try container.encodeIfPresent(minCells, forKey: .minCells)
        try container.encodeIfPresent(xVariables, forKey: .xVariables)
        try container.encodeIfPresent(yVariables, forKey: .yVariables)
        try container.encode(output, forKey: .output)
        try container.encode(estimator.kind, forKey: .estimator)
        try container.encodeIfPresent(discrete, forKey: .discrete)
        try container.encodeIfPresent(jitter, forKey: .jitter)
        try container.encode(units, forKey: .units)
        try container.encode(seed, forKey: .seed)
        try container.encode(threads, forKey: .threads)
        try container.encode(transpose, forKey: .transpose)
        try container.encodeIfPresent(names, forKey: .names)
        try container.encode(force, forKey: .force)
        try container.encodeIfPresent(memory, forKey: .memory)
        try container.encode(progressInterval, forKey: .progressInterval)
        try container.encode(quiet, forKey: .quiet)
        try container.encode(shard, forKey: .shard)
        try container.encode(checkpointInterval, forKey: .checkpointInterval)
        try container.encode(compression, forKey: .compression)
        try container.encode(nan, forKey: .nan)
        try container.encode(allowExternal, forKey: .allowExternal)
        try container.encodeIfPresent(significance, forKey: .significance)
        try container.encodeIfPresent(nullCache, forKey: .nullCache)
        if !outputMatrices { try container.encode(outputMatrices, forKey: .outputMatrices) }
        try container.encodeIfPresent(screen, forKey: .screen)
        try estimator.encodeSettings(to: encoder)
    }

    /// Decodes a configuration written by ``encode(to:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(input: try container.decode(String.self, forKey: .input),
                  dataset: try container.decodeIfPresent(String.self, forKey: .dataset),
                  output: try container.decode(String.self, forKey: .output))
        variables = try container.decode(VariableSource.self, forKey: .variables)
        format = try container.decodeIfPresent(InputFormat.self, forKey: .format)
        layer = try container.decodeIfPresent(String.self, forKey: .layer)
        raw = try container.decodeIfPresent(Bool.self, forKey: .raw) ?? false
        featureType = try container.decodeIfPresent(String.self, forKey: .featureType)
        genes = try container.decodeIfPresent([String].self, forKey: .genes)
        topVariable = try container.decodeIfPresent(Int.self, forKey: .topVariable)
        minCells = try container.decodeIfPresent(Int.self, forKey: .minCells)
        xVariables = try container.decodeIfPresent([String].self, forKey: .xVariables)
        yVariables = try container.decodeIfPresent([String].self, forKey: .yVariables)
        estimator = try EstimatorChoice(kind: container.decode(EstimatorKind.self, forKey: .estimator), from: decoder)
        discrete = try container.decodeIfPresent([String].self, forKey: .discrete)
        jitter = try container.decodeIfPresent(Double.self, forKey: .jitter)
        units = try container.decode(InformationUnit.self, forKey: .units)
        seed = try container.decode(UInt64.self, forKey: .seed)
        threads = try container.decode(Int.self, forKey: .threads)
        transpose = try container.decode(Bool.self, forKey: .transpose)
        names = try container.decodeIfPresent(String.self, forKey: .names)
        force = try container.decode(Bool.self, forKey: .force)
        memory = try container.decodeIfPresent(Int.self, forKey: .memory)
        progressInterval = try container.decode(Double.self, forKey: .progressInterval)
        quiet = try container.decode(Bool.self, forKey: .quiet)
        shard = try container.decode(ShardSpec.self, forKey: .shard)
        checkpointInterval = try container.decode(Double.self, forKey: .checkpointInterval)
        compression = try container.decode(OutputCompression.self, forKey: .compression)
        nan = try container.decode(NonFinitePolicy.self, forKey: .nan)
        allowExternal = try container.decode(Bool.self, forKey: .allowExternal)
        significance = try container.decodeIfPresent(SignificanceSettings.self, forKey: .significance)
        nullCache = try container.decodeIfPresent(String.self, forKey: .nullCache)
        outputMatrices = try container.decodeIfPresent(Bool.self, forKey: .outputMatrices) ?? true
        screen = try container.decodeIfPresent(ScreenSettings.self, forKey: .screen)
    }
}
