/// `--genes`, `--min-cells` and `--top-variable`: which of an input's variables a run keeps,
/// applied to an opened source before planning (``InputSource/select(_:)``), and the
/// sentence the output records about it (the `variable_selection` attribute).
///
/// The steps run in this order, each on what the previous kept:
/// 1. `--genes`: the listed variables, in the order listed. A name matches a variable's
///    name, else one of its ``VariableDescriptor/alternateNames`` (10x feature ids); names
///    that match nothing are all listed in the error, with the variable a name matches
///    when compared without case.
/// 2. `--min-cells C`: variables non-zero in at least C samples (any dimension non-zero).
/// 3. `--top-variable N`: the N variables with the largest variance of log1p(x) over the
///    samples (denominator n − 1; summed over dimensions), ties broken by input order;
///    kept in input order, not by rank. Refused when a candidate holds a value ≤ −1.
///
/// Steps 2 and 3 read every candidate's values once (``InputSource/variableStatistics(bandBytes:)``).
/// The input digest is unaffected: it covers what is stored, not what is selected.
public struct GeneSelection: Sendable, Equatable {
    /// Variables of the input before selection.
    public var available: Int
    /// What each step kept, as (step description, variables kept), in order.
    public var steps: [(step: String, kept: Int)]

    public static func == (a: GeneSelection, b: GeneSelection) -> Bool {
        a.available == b.available && a.steps.map(\.step) == b.steps.map(\.step) && a.steps.map(\.kept) == b.steps.map(\.kept)
    }

    /// Variables kept by the last step (all when no step ran).
    public var kept: Int { steps.last?.kept ?? available }

    /// The `variable_selection` attribute, e.g. `--min-cells 3: 700 of 765 kept; --top-variable
    /// 100 by the variance of log1p(x) (n-1 denominator): 100 kept` or `all 765 variables`.
    public var description: String {
        if steps.isEmpty { return "all \(available) variables" }
        return steps.enumerated().map { index, step in
            "\(step.step): \(step.kept) of \(index == 0 ? available : steps[index - 1].kept) kept"
        }.joined(separator: "; ")
    }

    /// Applies the configuration's selection options to `source` (narrowing its catalog)
    /// and says what was kept.
    ///
    /// - Parameter bandBytes: read size for the statistics pass.
    /// - Throws: `.invalidOption` for unknown or ambiguous `--genes` names, a selection that
    ///   keeps no variable, or `--top-variable` over values ≤ −1; read errors of the source.
    /// - Complexity: O(variables + names) for `--genes`; one read of the candidates'
    ///   values for `--min-cells`/`--top-variable`.
    public static func apply(_ configuration: RunConfiguration, to source: any InputSource,
                             bandBytes: Int) throws(MIBatchError) -> GeneSelection {
        var selection = GeneSelection(available: source.catalog.variables.count, steps: [])
        let file = source.catalog.file
        if let genes = configuration.genes {
            let chosen = try match(genes, in: source.catalog.variables, file: file)
            source.select(chosen)
            selection.steps.append(("--genes (\(genes.count) listed)", chosen.count))
        }
        guard configuration.minCells != nil || configuration.topVariable != nil else { return selection }
        let statistics = try source.variableStatistics(bandBytes: bandBytes)
        var candidates = Array(statistics.indices)
        if let minCells = configuration.minCells {
            candidates = candidates.filter { statistics[$0].nonZero >= minCells }
            guard !candidates.isEmpty else {
                let best = statistics.map(\.nonZero).max() ?? 0
                throw .invalidOption("--min-cells \(minCells) keeps none of the \(statistics.count) variables of \(file) (the most non-zero is in \(best) samples)")
            }
            selection.steps.append(("--min-cells \(minCells)", candidates.count))
        }
        if let top = configuration.topVariable {
            if let bad = candidates.first(where: { statistics[$0].minimum <= -1 }) {
                throw .invalidOption("--top-variable ranks by the variance of log1p(x), which needs values above -1: variable '\(source.catalog.variables[bad].name)' of \(file) holds \(statistics[bad].minimum)")
            }
            let ranked = candidates.sorted {
                statistics[$0].log1pVariance != statistics[$1].log1pVariance
                    ? statistics[$0].log1pVariance > statistics[$1].log1pVariance : $0 < $1
            }
            candidates = ranked.prefix(top).sorted()
            selection.steps.append(("--top-variable \(top) by the variance of log1p(x) (n-1 denominator)", candidates.count))
        }
        if candidates.count != statistics.count { source.select(candidates) }
        return selection
    }

    /// Indices of `names` among `variables`, in the order of `names`.
    static func match(_ names: [String], in variables: [VariableDescriptor], file: String) throws(MIBatchError) -> [Int] {
        var byName: [String: Int] = [:]
        for (index, variable) in variables.enumerated() where byName[variable.name] == nil { byName[variable.name] = index }
        var byAlternate: [String: [Int]] = [:]
        for (index, variable) in variables.enumerated() {
            for alternate in variable.alternateNames { byAlternate[alternate, default: []].append(index) }
        }
        var result: [Int] = [], unknown: [String] = [], ambiguous: [String] = []
        var taken = Set<Int>()
        for name in names {
            if let index = byName[name] {
                if taken.insert(index).inserted { result.append(index) }
            } else if let matches = byAlternate[name] {
                if matches.count > 1 {
                    ambiguous.append("'\(name)' (\(matches.prefix(4).map { variables[$0].name }.joined(separator: ", ")))")
                } else if taken.insert(matches[0]).inserted {
                    result.append(matches[0])
                }
            } else {
                unknown.append(name)
            }
        }
        if !unknown.isEmpty {
            var lowered: [String: String] = [:]
            for variable in variables where lowered[variable.name.lowercased()] == nil { lowered[variable.name.lowercased()] = variable.name }
            let shown = unknown.prefix(20).map { name in lowered[name.lowercased()].map { "\(name) (did you mean \($0)?)" } ?? name }
            let more = unknown.count > 20 ? " and \(unknown.count - 20) more" : ""
            throw .invalidOption("--genes: \(unknown.count) of \(names.count) names are not variables of \(file): \(shown.joined(separator: ", "))\(more)")
        }
        if !ambiguous.isEmpty {
            throw .invalidOption("--genes: ambiguous names in \(file), each the id of several variables: \(ambiguous.joined(separator: "; ")); give the variable names instead")
        }
        return result
    }
}
