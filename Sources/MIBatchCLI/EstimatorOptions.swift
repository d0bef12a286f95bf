import ArgumentParser
import MIBatch
import MIEstimators

extension KSGAlgorithm: ExpressibleByArgument {}
extension Normalization: ExpressibleByArgument {}
extension EstimatorKind: ExpressibleByArgument {}
extension Binned.BiasCorrection: ExpressibleByArgument {}
extension MINE.Optimizer: ExpressibleByArgument {}
extension MINE.Checkpoint: ExpressibleByArgument {}
extension TieHandling: ExpressibleByArgument {}
extension KSGCorrection: ExpressibleByArgument {}

/// `--bias-correction`'s values: binned takes none or miller-madow, gcmi none or gaussian.
enum BiasCorrectionArgument: String, ExpressibleByArgument, CaseIterable {
    case none
    case millerMadow = "miller-madow"
    case gaussian
}

/// The options of one estimator: parsed as one group, resolved into its settings.
///
/// Every option is optional, so a group knows which of its options were given: the
/// defaults come from the estimator's `Settings()` (stated once, in MIEstimators), and
/// options given to an estimator that does not run are named in a warning.
protocol EstimatorOptionGroup: ParsableArguments {
    associatedtype Settings: EstimatorSettings
    /// The flags of the options given on the command line.
    var given: [String] { get }
    /// The settings from the given options, the defaults otherwise.
    func settings(_ treatment: TreatmentOptions) -> Settings
}

extension EstimatorOptionGroup {
    /// The settings' problem, if the group's options were given (an invalid value is refused
    /// even when another estimator runs).
    func problem(_ treatment: TreatmentOptions) -> String? { given.isEmpty ? nil : settings(treatment).validationError }
}

/// `--normalization` and `--ties`: how each variable is treated before an estimator that
/// normalizes (KSG, MINE) prepares it.
struct TreatmentOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Per-variable normalization for KSG and MINE: \(Normalization.allCases.map(\.rawValue).joined(separator: ", ")) (default: \(KSG.Settings().normalization.rawValue)); binned needs none.", valueName: "NORMALIZATION"))
    var normalization: Normalization?

    @Option(help: ArgumentHelp("KSG and MINE on repeated values (discrete, rounded, zero-inflated data): auto (default: atoms of mixtures separated, categorical variables kept, discrete ones dequantized, then the mixed estimator of Gao et al. 2017 on pairs with ties), mixed (Gao et al. on the values as they are), jitter (every tied variable dequantized by seeded noise over each value's cell) or none (the old rule; not an estimate of MI on tied data).", valueName: "MODE"))
    var ties: TieHandling?

    var given: [String] { [normalization.map { _ in "--normalization" }, ties.map { _ in "--ties" }].compactMap { $0 } }
}

/// `--k`, `--ksg-algorithm`, `--discrete-correction`, `--ksg-correction`, `--lnc-alpha`.
struct KSGOptions: EstimatorOptionGroup {
    @Option(help: ArgumentHelp("KSG: number of nearest neighbours (default: \(KSG.Settings().k)).", valueName: "K"))
    var k: Int?

    @Option(name: .customLong("ksg-algorithm"),
            help: ArgumentHelp("KSG variant: 1 or 2 (Kraskov 2004, eq. 8 and 9; default \(KSG.Settings().algorithm.rawValue)), or joint (the seed paper's estimator; reproduction only, strongly biased).", valueName: "ALGORITHM"))
    var algorithm: KSGAlgorithm?

    @Option(name: .customLong("discrete-correction"), help: ArgumentHelp("KSG: bias correction of the plug-in estimate on pairs of two categorical variables: miller-madow (default) or none.", valueName: "CORRECTION"))
    var discreteCorrection: Binned.BiasCorrection?

    @Option(name: .customLong("ksg-correction"), help: ArgumentHelp("KSG: correction added to the estimate: none (default) or lnc (local non-uniformity correction, Gao, Ver Steeg and Galstyan 2015: for strongly dependent variables; needs k >= d_x + d_y, costs an O(n^2) neighbour search per pair).", valueName: "CORRECTION"))
    var correction: KSGCorrection?

    @Option(name: .customLong("lnc-alpha"), help: ArgumentHelp("KSG with --ksg-correction lnc: the threshold alpha in (0, 1] below which a sample's PCA-box / max-norm-box volume ratio is corrected (default: NPEET_LNC's table for k and d_x + d_y, d = 2, 3, 5, 10 with d < k <= 20).", valueName: "ALPHA"))
    var lncAlpha: Double?

    var given: [String] {
        [k.map { _ in "--k" }, algorithm.map { _ in "--ksg-algorithm" }, discreteCorrection.map { _ in "--discrete-correction" },
         correction.map { _ in "--ksg-correction" }, lncAlpha.map { _ in "--lnc-alpha" }].compactMap { $0 }
    }

    func settings(_ treatment: TreatmentOptions) -> KSG.Settings {
        let defaults = KSG.Settings()
        return KSG.Settings(k: k ?? defaults.k, algorithm: algorithm ?? defaults.algorithm,
                            normalization: treatment.normalization ?? defaults.normalization, ties: treatment.ties ?? defaults.ties,
                            discreteCorrection: discreteCorrection ?? defaults.discreteCorrection,
                            correction: correction ?? defaults.correction, lncAlpha: lncAlpha ?? defaults.lncAlpha)
    }
}

/// `--bins`, `--bias-correction`.
struct BinnedOptions: EstimatorOptionGroup {
    @Option(help: ArgumentHelp("Binned: bins per dimension, at least 2 (default: \(Binned.Settings().bins)).", valueName: "BINS"))
    var bins: Int?

    @Option(name: .customLong("bias-correction"), help: ArgumentHelp("Bias correction. Binned: none (default) or miller-madow. GCMI: gaussian (default; Ince et al. 2017, exact for Gaussian data) or none.", valueName: "CORRECTION"))
    var biasCorrection: BiasCorrectionArgument?

    var given: [String] { [bins.map { _ in "--bins" }, biasCorrection.map { _ in "--bias-correction" }].compactMap { $0 } }

    /// `--bias-correction gaussian` is GCMI's.
    var binnedCorrection: Binned.BiasCorrection? {
        switch biasCorrection {
        case nil, .gaussian?: return nil
        case .none?: return Binned.BiasCorrection.none
        case .millerMadow?: return .millerMadow
        }
    }

    func settings(_ treatment: TreatmentOptions) -> Binned.Settings {
        let defaults = Binned.Settings()
        return Binned.Settings(bins: bins ?? defaults.bins, biasCorrection: binnedCorrection ?? defaults.biasCorrection)
    }

    /// GCMI's settings from `--bias-correction` (`nil` when the value is binned's only).
    func gcmiSettings() -> GCMI.Settings? {
        switch biasCorrection {
        case nil: return GCMI.Settings()
        case .gaussian?: return GCMI.Settings(biasCorrection: .gaussian)
        case .none?: return GCMI.Settings(biasCorrection: .none)
        case .millerMadow?: return nil
        }
    }
}

/// `--mine-*`: MINE's training parameters.
struct MINEOptions: EstimatorOptionGroup {
    private static let defaults = MINE.Parameters()

    @Option(name: .customLong("mine-hidden"), help: ArgumentHelp("MINE: hidden layer widths of the statistics network, ReLU (default: \(defaults.hidden.map(String.init).joined(separator: ","))).", valueName: "W1,W2,..."))
    var hidden: String?

    @Option(name: .customLong("mine-steps"), help: ArgumentHelp("MINE: training steps per pair (default: \(defaults.steps)).", valueName: "STEPS"))
    var steps: Int?

    @Option(name: .customLong("mine-batch"), help: ArgumentHelp("MINE: samples per training batch; product samples permute y within the batch (default: \(defaults.batchSize)).", valueName: "SIZE"))
    var batchSize: Int?

    @Option(name: .customLong("mine-lr"), help: ArgumentHelp("MINE: learning rate (default: \(defaults.learningRate)).", valueName: "RATE"))
    var learningRate: Double?

    @Option(name: .customLong("mine-optimizer"), help: ArgumentHelp("MINE: adam (default), or sgd (plain gradient descent, the paper's setting).", valueName: "OPTIMIZER"))
    var optimizer: MINE.Optimizer?

    @Option(name: .customLong("mine-beta1"), help: ArgumentHelp("MINE: Adam's first-moment decay (default: \(defaults.beta1)).", valueName: "BETA1"))
    var beta1: Double?

    @Option(name: .customLong("mine-beta2"), help: ArgumentHelp("MINE: Adam's second-moment decay (default: \(defaults.beta2)).", valueName: "BETA2"))
    var beta2: Double?

    @Option(name: .customLong("mine-ema-rate"), help: ArgumentHelp("MINE: weight of the newest batch in the moving average that replaces E[e^f] in the gradient (the bias correction); 0 gives biased MINE (default: \(defaults.emaRate)).", valueName: "RATE"))
    var emaRate: Double?

    @Option(name: .customLong("mine-holdout"), help: ArgumentHelp("MINE: fraction of samples held out (seeded) on which the bound is evaluated (split in two halves with --mine-checkpoint cross-validated); 0 evaluates on all data, which needs --mine-checkpoint last (default: \(defaults.holdoutFraction)).", valueName: "FRACTION"))
    var holdoutFraction: Double?

    @Option(name: .customLong("mine-average-last"), help: ArgumentHelp("MINE: the reported value is the mean of this many consecutive evaluations of the bound (the last ones, or the window chosen by cross-validation) ... (default: \(defaults.averageLast))", valueName: "COUNT"))
    var averageLast: Int?

    @Option(name: .customLong("mine-eval-interval"), help: ArgumentHelp("MINE: ... taken this many steps apart, ending at the last step (cross-validated: over the whole training) (default: \(defaults.evaluationInterval)).", valueName: "STEPS"))
    var evaluationInterval: Int?

    @Option(name: .customLong("mine-checkpoint"), help: ArgumentHelp("MINE: cross-validated (default: the held-out samples in two halves, each choosing the window of evaluations, over the whole training, at which the other's bound is reported: early stopping that does not read dependence into independent pairs) or last (the old rule: the bound averaged over the last evaluations; with --mine-holdout 0 it overestimates, e.g. +0.32 nats on independent 5-D pairs, n = 2,000). The old defaults: --mine-checkpoint last --mine-holdout 0.", valueName: "RULE"))
    var checkpoint: MINE.Checkpoint?

    var given: [String] {
        let flags: [(Bool, String)] = [
            (hidden != nil, "--mine-hidden"), (steps != nil, "--mine-steps"), (batchSize != nil, "--mine-batch"),
            (learningRate != nil, "--mine-lr"), (optimizer != nil, "--mine-optimizer"), (beta1 != nil, "--mine-beta1"),
            (beta2 != nil, "--mine-beta2"), (emaRate != nil, "--mine-ema-rate"), (holdoutFraction != nil, "--mine-holdout"),
            (averageLast != nil, "--mine-average-last"), (evaluationInterval != nil, "--mine-eval-interval"),
            (checkpoint != nil, "--mine-checkpoint"),
        ]
        return flags.filter(\.0).map(\.1)
    }

    func settings(_ treatment: TreatmentOptions) -> MINE.Settings {
        var p = Self.defaults
        if let hidden { p.hidden = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) ?? 0 } }
        p.steps = steps ?? p.steps
        p.batchSize = batchSize ?? p.batchSize
        p.learningRate = learningRate ?? p.learningRate
        p.optimizer = optimizer ?? p.optimizer
        p.beta1 = beta1 ?? p.beta1
        p.beta2 = beta2 ?? p.beta2
        p.emaRate = emaRate ?? p.emaRate
        p.holdoutFraction = holdoutFraction ?? p.holdoutFraction
        p.averageLast = averageLast ?? p.averageLast
        p.evaluationInterval = evaluationInterval ?? p.evaluationInterval
        p.checkpoint = checkpoint ?? p.checkpoint
        let defaults = MINE.Settings()
        return MINE.Settings(parameters: p, normalization: treatment.normalization ?? defaults.normalization,
                             ties: treatment.ties ?? defaults.ties)
    }
}

/// The estimator option groups together: the chosen estimator's settings, validation, and
/// which given options another estimator would have used.
struct EstimatorOptions: ParsableArguments {
    @Option(help: "Estimator: ksg (k-nearest neighbours), binned (equal-width bins, plug-in), mine (neural; default MINE-Global-Corrected) or gcmi (Gaussian copula: fast, rank-based, a lower bound blind to non-monotone dependence).")
    var estimator: EstimatorKind = .ksg

    @OptionGroup(title: "KSG options") var ksg: KSGOptions
    @OptionGroup(title: "Binned options") var binned: BinnedOptions
    @OptionGroup(title: "MINE options") var mine: MINEOptions
    @OptionGroup(title: "Variable treatment (KSG and MINE)") var treatment: TreatmentOptions

    /// The chosen estimator with its settings: the registration of each estimator's group.
    var choice: EstimatorChoice {
        switch estimator {
        case .ksg: return .ksg(ksg.settings(treatment))
        case .binned: return .binned(binned.settings(treatment))
        case .mine: return .mine(mine.settings(treatment))
        case .gcmi: return .gcmi(binned.gcmiSettings() ?? GCMI.Settings())
        }
    }

    /// Options given for estimators other than the chosen one (they do not change the result).
    var ignored: [String] {
        var flags: [String] = []
        if estimator != .ksg { flags += ksg.given }
        if estimator == .gcmi {
            if binned.bins != nil { flags.append("--bins") }
        } else if estimator != .binned {
            flags += binned.given
        }
        if estimator != .mine { flags += mine.given }
        if estimator == .binned || estimator == .gcmi { flags += treatment.given }
        return flags
    }

    func validate() throws {
        for problem in [ksg.problem(treatment), binned.problem(treatment)].compactMap({ $0 }) { throw ValidationError(problem) }
        if estimator == .binned, binned.biasCorrection == .gaussian {
            throw ValidationError("--bias-correction gaussian is the gcmi estimator's; binned takes none or miller-madow")
        }
        if estimator == .gcmi, binned.biasCorrection == .millerMadow {
            throw ValidationError("--bias-correction miller-madow is the binned estimator's; gcmi takes gaussian (default) or none")
        }
        if estimator == .mine || !mine.given.isEmpty, let problem = mine.settings(treatment).validationError {
            throw ValidationError("--mine-*: \(problem)")
        }
        if let problem = choice.settings.validationError { throw ValidationError(problem) }
    }
}
