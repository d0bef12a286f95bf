import Foundation

/// Everything recorded about how an output was made (design.md §5), as string attributes.
public struct Provenance: Sendable {
    /// Tool version: the package's semantic version, its one definition (the `tool_version`
    /// attribute, `mibatch --version`; samples/hpc's modulefiles and Spack recipe name it too).
    public static let version = "0.2.0"

    /// `mibatch --version`: the version and the source revision, e.g. `0.2.0 (source 9bddfca)`.
    public static var versionLine: String { "\(version) (source \(SourceRevision.current))" }

    /// The exact argument vector, argv[0] included.
    public var commandLine: [String]
    /// The resolved configuration.
    public var configuration: RunConfiguration
    /// What the input source records about itself (the `input_*` attributes, samples).
    public var input: InputProvenance
    /// `sha256:<hex>` of the values read.
    public var inputDigest: String
    /// When computation started and ended.
    public var start: Date
    public var end: Date
    /// The shard computed (1/1 for an unsharded run).
    public var shard: ShardSpec = .whole
    /// Samples dropped by `--nan drop-rows` (recorded in the `nan` attribute).
    public var droppedRows: Int = 0
    /// What was found and done about repeated values (KSG; `nil`: not examined).
    public var ties: TieReport? = nil
    /// What `--genes`, `--min-cells` and `--top-variable` kept (`nil`: not recorded, as
    /// in outputs made before selection existed).
    public var variableSelection: GeneSelection? = nil
    /// How the p-values were computed and adjusted (`--permutations`; `nil`: none).
    public var significance: String? = nil
    /// Screen, then refine (`--screen`): the screen, the rule and how many pairs it kept.
    public var screen: String? = nil
    /// Root attributes added at the end (`matrices`, `computed_pairs`, `failed_pairs` of an
    /// output without matrices).
    public var extraAttributes: [(String, String)] = []
    /// Environment captured at start (SLURM ids, host).
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    /// Creates a provenance record.
    public init(commandLine: [String], configuration: RunConfiguration, input: InputProvenance,
                digest: String, start: Date, end: Date) {
        self.commandLine = commandLine
        self.configuration = configuration
        self.input = input
        self.inputDigest = digest
        self.start = start
        self.end = end
    }

    /// How non-finite values were handled, e.g. `drop-rows: 12 of 400 samples dropped`.
    var nanDescription: String {
        switch configuration.nan {
        case .error: return "error: the input held no NaN or infinite values"
        case .dropRows:
            let total = input.samples
            return "drop-rows: \(droppedRows) of \(total) samples dropped, \(total - droppedRows) used by every pair"
        case .pairwise: return "pairwise: each pair uses the samples finite in both variables; counts in /samples"
        }
    }

    /// The attributes to store on the root group, in a fixed order.
    public var attributes: [(String, String)] {
        let command = commandLine.map(Self.shellQuoted).joined(separator: " ")
        let estimator = PairEstimator(configuration)
        var list: [(String, String)] = [
            ("Conventions", "CF-1.8"),
            ("title", "Mutual information matrix computed by mibatch"),
            ("tool", "mibatch"),
            ("tool_version", Self.version),
            ("source_revision", SourceRevision.current),
            ("command_line", command),
            ("configuration", configuration.json),
            ("estimator", estimator.label),
            ("normalization", estimator.normalizationDescription),
            ("jitter", configuration.jitter.map { "\($0) x each variable's global-linf spread, seed \(configuration.seed)" } ?? "none"),
            ("ties", estimator.tieDescription),
            ("tied_variables", ties.map { String($0.tiedVariables) } ?? "unknown"),
            ("tie_summary", ties?.summary ?? "not examined"),
            ("discrete", configuration.discrete.map { $0.joined(separator: ",") } ?? "none"),
            ("units", configuration.units.rawValue),
            ("compression", configuration.compression.description),
            ("nan", nanDescription),
        ]
        if let variableSelection { list.append(("variable_selection", variableSelection.description)) }
        if let significance { list.append(("significance", significance)) }
        if let screen { list.append(("screen", screen)) }
        list += input.attributes.map { ($0.name, $0.value) }
        list += [
            ("input_digest", inputDigest),
            ("start_time", Self.iso8601(start)),
            ("end_time", Self.iso8601(end)),
            ("host", ProcessInfo.processInfo.hostName),
            ("threads", String(configuration.threads)),
            ("shard", shard.description),
            ("shard_source", shard.source),
            ("result_configuration", configuration.resultKey),
        ]
        for key in ["SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN",
                    "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_COUNT"] {
            if let value = environment[key] { list.append((key.lowercased(), value)) }
        }
        list.append(("history", "\(Self.iso8601(end)): \(command)"))
        return list + extraAttributes
    }

    /// UTC ISO-8601 with seconds, e.g. `2026-11-29T05:01:02Z`.
    public static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Quotes an argument for a POSIX shell when it needs it.
    static func shellQuoted(_ argument: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !argument.isEmpty && argument.allSatisfy({ safe.contains($0) }) { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// The git revision of the source tree this binary was built from.
public enum SourceRevision {
    /// `MIBATCH_SOURCE_REVISION` if set (tests, rebuilt binaries of a known commit); else
    /// `git describe --always --dirty` of the package checkout, recorded at build time by
    /// Sources/SourceRevisionPlugin (`<abbreviated commit>` or `<tag>-<n>-g<commit>`,
    /// `-dirty` when tracked files differed from the commit); `unversioned tarball build`
    /// when the sources were not a git checkout.
    public static let current: String = {
        if let value = ProcessInfo.processInfo.environment["MIBATCH_SOURCE_REVISION"], !value.isEmpty { return value }
        return BuildRevision.describe
    }()
}
