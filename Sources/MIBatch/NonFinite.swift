import MIEstimators

/// What a run does with NaN and ±Inf values among its variables (`--nan`).
public enum NonFinitePolicy: String, Codable, CaseIterable, Sendable {
    /// Refuse the input, naming the first offending column, variable and row (the default).
    case error
    /// Drop every sample (row) holding a non-finite value in any variable of the run; every
    /// pair then uses the same rows. The number dropped is recorded in the provenance.
    case dropRows = "drop-rows"
    /// For each pair, use the samples finite in both variables; the count used per pair is
    /// written to `/samples`. Normalization and jitter see only those samples.
    case pairwise
}

/// Why a pair failed, as stored in checkpoints and counted in the `failure_reasons`
/// attribute of `/status`.
public enum FailureReason: UInt8, CaseIterable, Sendable {
    /// Not failed.
    case none = 0
    /// A variable has zero spread (constant or all tied) and cannot be normalized.
    case constantVariable = 1
    /// Too few samples (for KSG n ≤ k; with `--nan pairwise`, too few rows finite in both).
    case tooFewSamples = 2
    /// The data hold NaN or ±Inf values the estimator cannot use.
    case nonFinite = 3
    /// The estimator returned NaN.
    case estimateNaN = 4
    /// Any other estimator error (value range overflow, shape mismatch, ...).
    case other = 5

    /// Short label used as the key in `failure_reasons`.
    public var label: String {
        switch self {
        case .none: return "none"
        case .constantVariable: return "constant variable"
        case .tooFewSamples: return "too few samples"
        case .nonFinite: return "non-finite values"
        case .estimateNaN: return "estimate is NaN"
        case .other: return "estimator error"
        }
    }

    /// The reason for an estimator error.
    init(_ error: Error) {
        switch error as? EstimationError {
        case .constantVariable?: self = .constantVariable
        case .tooFewSamples?: self = .tooFewSamples
        case .nonFiniteValues?: self = .nonFinite
        default: self = .other
        }
    }

    /// `{"label": count, ...}` (sorted keys) for the reasons of failed cells; `nil` when none.
    static func summary(_ counts: [String: Int]) -> String? {
        guard !counts.isEmpty else { return nil }
        return "{" + counts.keys.sorted().map { "\"\($0)\": \(counts[$0]!)" }.joined(separator: ", ") + "}"
    }

    /// Parses a `summary` text back into counts (unknown text gives an empty dictionary).
    static func parseSummary(_ text: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        let body = text.trimmingCharacters(in: ["{", "}", " "])
        for entry in body.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let count = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
            let label = parts[0].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: ["\""])
            counts[label, default: 0] += count
        }
        return counts
    }
}

/// A variable under `--nan pairwise`: its raw values, which samples are finite, and its
/// whole-variable preparation when every sample is finite.
final class PairwiseVariable: @unchecked Sendable {
    /// The values as read (jitter not applied).
    let raw: VariableData
    /// `finite[i]`: sample i has no NaN/±Inf; `nil` when every sample is finite.
    let finite: [Bool]?
    /// Preparation over all samples (only when `finite == nil`).
    let whole: PreparedVariable?

    init(raw: VariableData, finite: [Bool]?, whole: PreparedVariable?) {
        self.raw = raw
        self.finite = finite
        self.whole = whole
    }

    /// Which samples of `data` are finite in every dimension; `nil` when all are.
    static func finiteMask(_ data: VariableData) -> [Bool]? {
        guard !data.isFinite else { return nil }
        let d = data.dimension
        return (0..<data.count).map { i in (0..<d).allSatisfy { data.values[i * d + $0].isFinite } }
    }
}

extension VariableData {
    /// The samples at `rows` (in order), all dimensions.
    func selecting(rows: [Int]) -> VariableData {
        let d = dimension
        var out = [Double]()
        out.reserveCapacity(rows.count * d)
        for i in rows { out.append(contentsOf: values[(i * d)..<(i * d + d)]) }
        return VariableData(count: rows.count, dimension: d, values: out)
    }
}
