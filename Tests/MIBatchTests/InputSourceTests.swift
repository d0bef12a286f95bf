import Foundation
import HDF5
@testable import MIBatch
import MIEstimators
import Testing

/// The engine sees an input only through ``InputSource``: an in-memory source and the same
/// values as a dense HDF5 file give the same bits; the registry and the dense source's
/// provenance fields.
@Suite struct InputSourceTests {
    /// 16 positions of 600 samples, some correlated, one rounded (ties).
    static func columns(nonFinite: Bool = false) -> [(name: String, values: [Double])] {
        var state: UInt64 = 29
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53 - 0.5
        }
        var columns = [[Double]](repeating: [], count: 16)
        for _ in 0..<600 {
            let shared = next()
            for p in 0..<16 { columns[p].append(p % 3 == 0 ? shared + 0.3 * next() : next()) }
        }
        columns[9] = columns[9].map { ($0 * 4).rounded() }
        columns[3][10] = .nan   // position 3 belongs to no variable: never counted, always digested
        if nonFinite {
            columns[5][200] = .infinity
            columns[12][40] = .nan
            columns[1][40] = -.infinity
        }
        return columns.enumerated().map { ("p\($0)", $1) }
    }

    /// A scalar, a 2-D and a 3-D variable, position 3 left out, then scalars.
    static let groups = [ColumnGroup(name: "a", lower: 0, upper: 1), ColumnGroup(name: "b", lower: 1, upper: 3),
                         ColumnGroup(name: "c", lower: 4, upper: 7)]
        + (7..<16).map { ColumnGroup(name: "s\($0)", lower: $0, upper: $0 + 1) }

    func configuration(_ policy: NonFinitePolicy = .error, memory: Int? = nil) -> RunConfiguration {
        var configuration = RunConfiguration(input: "unused.h5", dataset: "/x", output: "unused-out.h5")
        configuration.variables = .groups(Self.groups)
        configuration.nan = policy
        configuration.threads = 2
        configuration.memory = memory
        return configuration
    }

    /// Cells (row-major) whose values differ in any bit (NaN payloads included).
    static func differingCells(_ a: MIMatrix, _ b: MIMatrix) -> [Int] {
        guard a.values.count == b.values.count else { return [-1] }
        return a.values.indices.filter { a.values[$0].bitPattern != b.values[$0].bitPattern }
    }

    /// The smallest budget (in 64 KiB steps) under which the plan streams the input.
    func streamingBudget(_ source: any InputSource) throws -> Int {
        for budget in stride(from: 32 << 20, through: 256 << 20, by: 64 << 10) {
            if let plan = try? Job.plan(configuration(memory: budget), source: source), !plan.holdsAllInput { return budget }
        }
        Issue.record("no budget streams this input")
        return 0
    }

    @Test(arguments: [false, true])
    func engineGivesTheDenseFileBitsForAnInMemorySource(streamed: Bool) throws {
        let columns = Self.columns()
        let source = InMemorySource(columns: columns, groups: Self.groups)
        let memory = streamed ? try streamingBudget(source) : nil
        let plan = try Job.plan(configuration(memory: memory), source: source)
        #expect(plan.holdsAllInput == !streamed)

        let fromMemory = try EngineHarness.run(source, configuration: configuration(memory: memory))
        let fromFile = try EngineHarness.run(columns, configuration: configuration(memory: memory))
        #expect(fromMemory.digest == fromFile.digest)
        #expect(fromMemory.matrix.rowNames == ["a", "b", "c"] + (7..<16).map { "s\($0)" })
        #expect(Self.differingCells(fromMemory.matrix, fromFile.matrix) == [])
        #expect(fromMemory.matrix.status == fromFile.matrix.status)
        #expect(fromMemory.doneCells == 66 && fromMemory.failedCells == 0 && fromFile.doneCells == 66)

        let used = source.used
        #expect(used.scans.count == 1)
        #expect(used.maxActive == 1, "the engine called the source from two threads at once")
        if streamed {
            #expect(used.scans.first?.isEmpty == true, "a streamed run retains nothing")
            #expect(Set(used.loads.joined()) == Set(0..<12), "every variable is loaded")
        } else {
            #expect(used.scans.first == Set(0..<12))
            #expect(used.loads.isEmpty, "a held run reads each value once")
        }
    }

    @Test(arguments: [NonFinitePolicy.dropRows, .pairwise])
    func nonFiniteValuesAreHandledAlike(policy: NonFinitePolicy) throws {
        let columns = Self.columns(nonFinite: true)
        let fromMemory = try EngineHarness.run(InMemorySource(columns: columns, groups: Self.groups), configuration: configuration(policy))
        let fromFile = try EngineHarness.run(columns, configuration: configuration(policy))
        #expect(Self.differingCells(fromMemory.matrix, fromFile.matrix) == [])
        #expect(fromMemory.matrix.samples == fromFile.matrix.samples)
        #expect(fromMemory.digest == fromFile.digest)
        if policy == .pairwise { #expect(fromMemory.matrix.samples?[1] == 599, "a × b loses row 40 (b) only") }
    }

    @Test func theFirstNonFiniteValueIsNamedAlike() throws {
        func refusal(_ run: () throws -> EngineOutcome) -> [String] {
            do { _ = try run() } catch let MIBatchError.nonFiniteValue(_, dataset, column, variable, row, value, total) {
                return [dataset, "\(column)", variable, "\(row)", "\(value)", "\(total)"]
            } catch { return ["\(error)"] }
            return []
        }
        let columns = Self.columns(nonFinite: true)
        let fromMemory = refusal { try EngineHarness.run(InMemorySource(columns: columns, groups: Self.groups), configuration: configuration()) }
        let fromFile = refusal { try EngineHarness.run(columns, configuration: configuration()) }
        // Row 40 comes first; in it column 1 (variable b) before column 12.
        #expect(fromFile == ["/x", "1", "b", "40", "-inf", "3"])
        #expect(fromMemory == fromFile)
    }

    @Test func inputDigestFollowsItsDefinition() {
        let positions = Self.columns().map(\.values)
        #expect(InputDigest.of(positions: positions) == LoaderAndRunnerTests.layoutFreeDigest(columns: positions))
        #expect(InputDigest.of(positions: positions) != InputDigest.of(positions: Array(positions.reversed())))
    }
}
