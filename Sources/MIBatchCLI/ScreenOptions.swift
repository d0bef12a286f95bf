import ArgumentParser
import MIBatch

/// `--screen` and its rule: a fast estimator over every pair, the run's estimator on the
/// pairs the rule keeps.
struct ScreenOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Screen every pair with gcmi or binned first, then estimate only the pairs a --refine-* rule keeps with --refine (or --estimator). /mi holds the refined pairs, /mi_screen every pair's screen value, /status 3 the pairs screened out.", valueName: "ESTIMATOR"))
    var screen: EstimatorKind?

    @Option(help: ArgumentHelp("With --screen: the estimator of the kept pairs (ksg or mine; the same as --estimator).", valueName: "ESTIMATOR"))
    var refine: EstimatorKind?

    @Option(name: .customLong("refine-top"), help: ArgumentHelp("With --screen: refine the N pairs of largest screen value, or the top P% of all pairs (for example 1%).", valueName: "N|P%"))
    var refineTop: String?

    @Option(name: .customLong("refine-per-variable"), help: ArgumentHelp("With --screen: refine each variable's N partners of largest screen value.", valueName: "N"))
    var refinePerVariable: Int?

    @Option(name: .customLong("refine-threshold"), help: ArgumentHelp("With --screen: refine every pair whose screen value is at least X (in --units). Rules given together keep the union.", valueName: "X"))
    var refineThreshold: Double?

    /// The checked settings (`nil` without `--screen`); `estimator` is the run's estimator
    /// as `--estimator` set it, `estimatorGiven` whether `--estimator` was on the command line.
    func resolved(estimator: EstimatorKind, estimatorGiven: Bool) throws(MIBatchError) -> (settings: ScreenSettings?, refine: EstimatorKind?) {
        guard let screen else {
            let given = [refine.map { _ in "--refine" }, refineTop.map { _ in "--refine-top" },
                         refinePerVariable.map { _ in "--refine-per-variable" }, refineThreshold.map { _ in "--refine-threshold" }].compactMap { $0 }
            if let first = given.first { throw .invalidOption("\(first) needs --screen gcmi|binned (the fast estimator whose values the rule ranks)") }
            return (nil, nil)
        }
        if let refine, estimatorGiven, refine != estimator {
            throw .invalidOption("--refine \(refine.rawValue) and --estimator \(estimator.rawValue) disagree; give one of them")
        }
        var settings = ScreenSettings(estimator: screen)
        if let refineTop {
            let text = refineTop.trimmingCharacters(in: .whitespaces)
            if text.hasSuffix("%") {
                guard let percent = Double(text.dropLast()), percent > 0, percent <= 100 else {
                    throw .invalidOption("--refine-top: '\(refineTop)' is not a percentage in (0, 100] (for example 1%)")
                }
                settings.topFraction = percent / 100
            } else {
                guard let count = Int(text), count >= 1 else { throw .invalidOption("--refine-top: '\(refineTop)' is not a pair count ≥ 1 or a percentage such as 1%") }
                settings.top = count
            }
        }
        settings.perVariable = refinePerVariable
        settings.threshold = refineThreshold
        if let problem = settings.problem(refining: refine ?? estimator) { throw .invalidOption(problem) }
        return (settings, refine)
    }
}
