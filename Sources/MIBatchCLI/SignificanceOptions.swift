import ArgumentParser
import MIBatch
import MISignificance

extension NullMode: ExpressibleByArgument {}
extension MultipleTesting: ExpressibleByArgument {}

/// `--permutations` and the options beside it: p-values, q-values and the edge list.
struct SignificanceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Permutation p-values in /pvalue and q-values in /qvalue: N null estimates of the shared null (with --normalization rank), or at most N permutations per pair. Off by default.", valueName: "N"))
    var permutations: Int?

    @Option(name: .customLong("permutation-stop"), help: ArgumentHelp("Per-pair permutations stop once H null values reach the estimate (Besag–Clifford; p = H/L after L permutations); 0 never stops early (default: 10).", valueName: "H"))
    var stopAfter: Int?

    @Option(help: ArgumentHelp("Where p-values come from: auto (default: the shared null where it is exact, i.e. scalar variables under --normalization rank; per-pair permutations otherwise), shared (refused where not exact) or per-pair.", valueName: "MODE"))
    var null: NullMode?

    @Option(name: .customLong("null-cache"), help: ArgumentHelp("Keep shared nulls in DIR, so shards and later runs with the same samples, estimator settings and seed reuse one instead of computing it. Never changes results.", valueName: "DIR"))
    var nullCache: String?

    @Option(help: ArgumentHelp("Adjustment of /qvalue over every computed pair: bh (Benjamini–Hochberg, default) or bonferroni.", valueName: "METHOD"))
    var correction: MultipleTesting?

    @Option(help: ArgumentHelp("Write /edges: every pair with q-value ≤ Q (indices, names, MI, p, q), sorted by MI descending. Needs --permutations.", valueName: "Q"))
    var fdr: Double?

    @Option(name: .customLong("output-matrices"), help: ArgumentHelp("all (default) or none: write only /edges, not the p × p matrices (/mi, /status, /pvalue, /qvalue). Needs --fdr; shards keep their matrices for the merge, which then drops them.", valueName: "all|none"))
    var outputMatrices: String?

    /// The flags given without `--permutations` (which they need).
    var dependents: [String] {
        [stopAfter.map { _ in "--permutation-stop" }, null.map { _ in "--null" }, nullCache.map { _ in "--null-cache" },
         correction.map { _ in "--correction" }, fdr.map { _ in "--fdr" }, outputMatrices.map { _ in "--output-matrices" }].compactMap { $0 }
    }

    /// The settings, `nil` without `--permutations`.
    var settings: SignificanceSettings? {
        guard let permutations else { return nil }
        var settings = SignificanceSettings(permutations: permutations)
        if let stopAfter { settings.stopAfter = stopAfter }
        if let null { settings.null = null }
        if let correction { settings.correction = correction }
        settings.fdr = fdr
        return settings
    }

    /// The checked settings (one-line errors, exit status 64, before any input is read).
    func resolved() throws(MIBatchError) -> SignificanceSettings? {
        if permutations == nil, let first = dependents.first {
            throw .invalidOption("\(first) needs --permutations N (p-values are off without it)")
        }
        if let problem = settings?.validationError { throw .invalidOption(problem) }
        if let outputMatrices {
            guard ["all", "none"].contains(outputMatrices) else { throw .invalidOption("--output-matrices must be all or none (got '\(outputMatrices)')") }
            if outputMatrices == "none" && fdr == nil { throw .invalidOption("--output-matrices none needs --fdr Q: the output would hold nothing but the edge list") }
        }
        return settings
    }

    /// Whether the matrices are written.
    var writesMatrices: Bool { outputMatrices != "none" }
}
