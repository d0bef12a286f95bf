import Foundation
import MIEstimators
import Testing
@testable import MIBatch

/// `--genes` name matching: names first, then other names (10x feature ids), in the order given.
@Suite struct GeneMatchingTests {
    let variables = [
        VariableDescriptor(name: "CD3E", dataset: 0, columns: 0..<1, alternateNames: ["ENSG00000198851"]),
        VariableDescriptor(name: "TBCE", dataset: 0, columns: 1..<2, alternateNames: ["ENSG00000284770"]),
        VariableDescriptor(name: "TBCE_2", dataset: 0, columns: 2..<3, alternateNames: ["ENSG00000285053"]),
        VariableDescriptor(name: "MS4A1", dataset: 0, columns: 3..<4, alternateNames: ["ENSG00000156738", "SHARED"]),
        VariableDescriptor(name: "CD19", dataset: 0, columns: 4..<5, alternateNames: ["SHARED"]),
    ]

    @Test func namesThenIdsInTheGivenOrder() throws {
        #expect(try GeneSelection.match(["MS4A1", "ENSG00000285053", "CD3E", "ENSG00000198851"], in: variables, file: "f") == [3, 2, 0])
    }

    @Test func unknownNamesAreListedWithCaseSuggestions() {
        do {
            _ = try GeneSelection.match(["cd3e", "NOPE", "TBCE"], in: variables, file: "cells.h5ad")
            Issue.record("unknown names were accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("2 of 3 names") && text.contains("cd3e (did you mean CD3E?)") && text.contains("NOPE") && text.contains("cells.h5ad"), "\(text)")
            #expect(error.exitStatus == 64)
        }
    }

    @Test func anIdOfSeveralVariablesIsAmbiguous() {
        do {
            _ = try GeneSelection.match(["SHARED"], in: variables, file: "f")
            Issue.record("an ambiguous id was accepted")
        } catch {
            #expect("\(error)".contains("ambiguous") && "\(error)".contains("MS4A1, CD19"), "\(error)")
        }
    }

    /// Statistics of one variable: non-zero samples, minimum and the n−1 variance of log1p.
    @Test func statisticsOfAVariable() {
        let values: [Double] = [0, 1, 3, 0, .nan, 7]
        let s = VariableStatistics(VariableData(count: 6, dimension: 1, values: values))
        let finite: [Double] = [0, 1, 3, 0, 7]
        let y: [Double] = finite.map { Foundation.log1p($0) }
        let mean: Double = y.reduce(0, +) / 5
        let variance: Double = y.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / 4
        #expect(s.nonZero == 3, "1, 3 and 7; the NaN is skipped")
        #expect(s.minimum == 0)
        #expect(abs(s.log1pVariance - variance) < 1e-15)
    }
}
