import MIEstimators

/// What a run did about repeated values: the `ties`, `tied_variables` and `tie_summary`
/// provenance attributes and the run summary's line (issue 14).
public struct TieReport: Sendable, Equatable {
    /// The tie handling configured (`--ties`).
    public var handling: TieHandling
    /// Variables prepared in this run, by what their values were (continuous, mixture,
    /// categorical, discrete, declared discrete).
    public var continuous = 0, mixtures = 0, categorical = 0, discrete = 0, declared = 0
    /// The input's element types (integer types are a hint that some variables are labels).
    public var dtypes: [String] = []

    /// Variables whose values repeat (declared ones included).
    public var tiedVariables: Int { mixtures + categorical + discrete + declared }

    init(handling: TieHandling, counts: [VariableTies: Int], dtypes: [String]) {
        self.handling = handling
        continuous = counts[.continuous] ?? 0
        mixtures = counts[.mixture] ?? 0
        categorical = counts[.categorical] ?? 0
        discrete = counts[.discrete] ?? 0
        declared = counts[.declared] ?? 0
        self.dtypes = dtypes
    }

    /// What was done, in words (the `tie_summary` attribute), e.g. "712 of 765 variables
    /// repeat values: 700 mixtures (atoms separated), 12 discrete (dequantized); pairs with
    /// ties use the mixed estimator (Gao et al. 2017)".
    public var summary: String {
        let prepared = continuous + tiedVariables
        guard tiedVariables > 0 else { return "no variable repeats a value (of \(prepared) prepared)" }
        var parts: [String] = []
        let auto = handling == .auto, jitter = handling == .jitter
        if mixtures > 0 { parts.append("\(mixtures) mixture\(mixtures == 1 ? "" : "s") of atoms and a continuous part" + (auto ? " (atoms separated)" : jitter ? " (dequantized)" : "")) }
        if categorical > 0 { parts.append("\(categorical) categorical" + (jitter ? " (dequantized)" : "")) }
        if discrete > 0 { parts.append("\(discrete) discrete" + (auto || jitter ? " (dequantized)" : "")) }
        if declared > 0 { parts.append("\(declared) declared discrete (--discrete: categories)") }
        let rule: String
        switch handling {
        case .none: rule = "--ties none: the old rule, not an estimate of MI on tied pairs"
        default: rule = "KSG pairs that still have ties use the mixed estimator (Gao et al. 2017)"
        }
        return "\(tiedVariables) of \(prepared) variables repeat values: " + parts.joined(separator: ", ") + "; " + rule
    }

    /// A note when the input is integer-typed and nothing was declared discrete.
    public var integerHint: String? {
        guard declared == 0, let type = dtypes.first(where: { $0.hasPrefix("int") || $0.hasPrefix("uint") }) else { return nil }
        return "note: the input is integer-typed (\(type)); variables that are labels or genotypes are better declared with --discrete NAMES|all"
    }
}

extension RunConfiguration {
    /// `--discrete` resolved against the input's variable names: true at each declared position.
    ///
    /// - Throws: ``MIBatchError/invalidOption(_:)`` naming every unknown name.
    func discreteMask(names: [String]) throws(MIBatchError) -> [Bool] {
        if (estimator.kind == .gcmi || screen?.estimator == .gcmi) && !GCMI.blasAvailable {
            throw .invalidOption("--estimator gcmi and --screen gcmi need OpenBLAS (libopenblas.so.0), which is not installed: install libopenblas-dev (Debian) or openblas (Homebrew)")
        }
        guard let discrete, !discrete.isEmpty else { return [] }
        if estimator.kind == .gcmi {
            throw .invalidOption("--discrete does not apply to --estimator gcmi (a Gaussian copula models continuous variables); use --estimator ksg or binned for categorical variables")
        }
        if discrete == ["all"] { return Array(repeating: true, count: names.count) }
        var positions: [String: Int] = [:]
        for (i, name) in names.enumerated() where positions[name] == nil { positions[name] = i }
        let unknown = discrete.filter { positions[$0] == nil }
        guard unknown.isEmpty else {
            throw .invalidOption("--discrete: no variable named \(unknown.map { "'\($0)'" }.joined(separator: ", ")) in \(input) (names are those of /var_i; 'all' declares every variable)")
        }
        var mask = Array(repeating: false, count: names.count)
        for name in discrete { mask[positions[name]!] = true }
        return mask
    }
}
