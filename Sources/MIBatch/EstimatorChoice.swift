import MIEstimators

/// Which estimator a run uses (the CLI's `--estimator` spellings).
public enum EstimatorKind: String, Codable, CaseIterable, Sendable {
    /// Kraskov–Stögbauer–Grassberger k-nearest-neighbour estimator (``KSG``).
    case ksg
    /// Equal-width binning with the plug-in formula (``Binned``).
    case binned
    /// MINE (Belghazi 2018): a statistics network trained on the Donsker–Varadhan bound (``MINE``).
    case mine
    /// Gaussian-copula MI (Ince et al. 2017): copula normal scores, then Gaussian MI (``GCMI``).
    case gcmi
}

/// The registry of estimators: the run's estimator and its settings, one value.
///
/// A run's configuration holds exactly one estimator's settings, so its result key, its
/// checkpoints and `merge` compare only the options of the estimator that ran. To register
/// an estimator: a case here, its ``EstimatorKind``, and one arm in each switch below.
public enum EstimatorChoice: Equatable, Sendable {
    /// KSG (the default).
    case ksg(KSG.Settings)
    /// Binned plug-in.
    case binned(Binned.Settings)
    /// MINE.
    case mine(MINE.Settings)
    /// Gaussian copula.
    case gcmi(GCMI.Settings)

    /// The estimator `kind` with its default settings.
    public init(_ kind: EstimatorKind) {
        switch kind {
        case .ksg: self = .ksg(KSG.Settings())
        case .binned: self = .binned(Binned.Settings())
        case .mine: self = .mine(MINE.Settings())
        case .gcmi: self = .gcmi(GCMI.Settings())
        }
    }

    /// Which estimator.
    public var kind: EstimatorKind {
        switch self {
        case .ksg: return .ksg
        case .binned: return .binned
        case .mine: return .mine
        case .gcmi: return .gcmi
        }
    }

    /// The settings, whichever estimator.
    public var settings: any EstimatorSettings {
        switch self {
        case let .ksg(settings): return settings
        case let .binned(settings): return settings
        case let .mine(settings): return settings
        case let .gcmi(settings): return settings
        }
    }

    /// The estimator made from the settings.
    ///
    /// - Precondition: `settings.validationError == nil`.
    public func makeEstimator() -> any MutualInformationEstimator {
        switch self {
        case let .ksg(settings): return KSG(settings: settings)
        case let .binned(settings): return Binned(settings: settings)
        case let .mine(settings): return MINE(settings: settings)
        case let .gcmi(settings): return GCMI(settings: settings)
        }
    }

    /// Decodes the settings of `kind` from the keys of `decoder`'s current object.
    init(kind: EstimatorKind, from decoder: any Decoder) throws {
        switch kind {
        case .ksg: self = .ksg(try KSG.Settings(from: decoder))
        case .binned: self = .binned(try Binned.Settings(from: decoder))
        case .mine: self = .mine(try MINE.Settings(from: decoder))
        case .gcmi: self = .gcmi(try GCMI.Settings(from: decoder))
        }
    }

    /// Encodes the settings' keys into `encoder`'s current object (beside the run's keys).
    func encodeSettings(to encoder: any Encoder) throws {
        try settings.encode(to: encoder)
    }
}
