import Foundation

/// A named half-open range of columns of one dataset, forming one multi-dimensional variable.
public struct ColumnGroup: Codable, Equatable, Sendable {
    /// Variable name.
    public var name: String
    /// First column (0-based, inclusive).
    public var lower: Int
    /// One past the last column.
    public var upper: Int

    /// Creates a group `name = lower:upper`.
    public init(name: String, lower: Int, upper: Int) {
        self.name = name
        self.lower = lower
        self.upper = upper
    }
}

/// Where variables come from.
public enum VariableSource: Codable, Equatable, Sendable {
    /// Every column of the dataset is a scalar variable.
    case columns
    /// Named column ranges of the dataset (`--variables X=0:784,T1=784:1040`).
    case groups([ColumnGroup])
    /// Each whole 2-D dataset (samples × dimensions) is one variable named by its path (`--var`).
    case datasets([String])

    /// Parses a `--variables` specification: `NAME=LO:HI` entries separated by commas or
    /// newlines; `#` starts a comment. If `text` names a readable file, its contents are parsed.
    ///
    /// - Throws: `.invalidOption` naming the entry that cannot be parsed.
    public static func parseGroups(_ text: String) throws(MIBatchError) -> [ColumnGroup] {
        var spec = text
        if FileManager.default.fileExists(atPath: text) {
            guard let contents = try? String(contentsOfFile: text, encoding: .utf8) else {
                throw .invalidOption("--variables: cannot read \(text)")
            }
            spec = contents
        }
        var groups: [ColumnGroup] = []
        for line in spec.split(separator: "\n", omittingEmptySubsequences: false) {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for entry in content.split(separator: ",") {
                let trimmed = entry.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                let bounds = parts.count == 2 ? parts[1].split(separator: ":").map { Int($0.trimmingCharacters(in: .whitespaces)) } : []
                guard parts.count == 2, !parts[0].isEmpty, bounds.count == 2, let lower = bounds[0], let upper = bounds[1] else {
                    throw .invalidOption("--variables: cannot parse '\(trimmed)'; expected NAME=FIRST:END (half-open column range)")
                }
                guard lower >= 0, upper > lower else {
                    throw .invalidOption("--variables: '\(trimmed)' is an empty or reversed range")
                }
                groups.append(ColumnGroup(name: parts[0], lower: lower, upper: upper))
            }
        }
        guard !groups.isEmpty else { throw .invalidOption("--variables: no variables in '\(text)'") }
        var seen: [String: ColumnGroup] = [:]
        for group in groups {
            if seen[group.name] != nil { throw .invalidOption("--variables: duplicate variable name '\(group.name)'") }
            seen[group.name] = group
        }
        let sorted = groups.sorted { $0.lower < $1.lower }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.lower < a.upper {
            throw .invalidOption("--variables: '\(a.name)' (\(a.lower):\(a.upper)) and '\(b.name)' (\(b.lower):\(b.upper)) overlap")
        }
        return groups
    }
}

/// Which pairs a run computes: all pairs of one set, or an X-set × Y-set rectangle.
public struct PairPlan: Sendable, Equatable {
    /// Variable indices along the matrix rows (`/var_i`).
    public var rows: [Int]
    /// Variable indices along the matrix columns (`/var_j`).
    public var columns: [Int]
    /// All pairs of one set: a square, symmetric matrix with a NaN diagonal.
    public var isSymmetric: Bool

    /// Every unordered pair of `count` variables.
    public static func allPairs(_ count: Int) -> PairPlan {
        PairPlan(rows: Array(0..<count), columns: Array(0..<count), isSymmetric: true)
    }

    /// The (row, column) cells to estimate, in a fixed order (row-major): for a symmetric
    /// plan only i < j. A variable paired with itself is never estimated.
    public var cells: CellList { CellList(self) }

    /// Resolves `--x-vars` / `--y-vars` patterns (comma-separated names or shell globs)
    /// against `names`, keeping the order of the names list.
    ///
    /// - Throws: `.invalidOption` for a pattern that matches nothing.
    public static func rectangular(x: [String], y: [String], names: [String]) throws(MIBatchError) -> PairPlan {
        PairPlan(rows: try resolve(x, in: names, option: "--x-vars"),
                 columns: try resolve(y, in: names, option: "--y-vars"), isSymmetric: false)
    }

    static func resolve(_ patterns: [String], in names: [String], option: String) throws(MIBatchError) -> [Int] {
        var chosen = [Bool](repeating: false, count: names.count)
        for pattern in patterns.flatMap({ $0.split(separator: ",").map(String.init) }) {
            let matches = names.indices.filter { fnmatch(pattern, names[$0], 0) == 0 }
            guard !matches.isEmpty else {
                let known = names.prefix(8).joined(separator: ", ") + (names.count > 8 ? ", ..." : "")
                throw .invalidOption("\(option): '\(pattern)' matches no variable (variables: \(known))")
            }
            for index in matches { chosen[index] = true }
        }
        return names.indices.filter { chosen[$0] }
    }
}

/// The pair plan of a run (`Job` resolves it before planning the execution).
public enum Runner {
    /// The pair plan of `configuration` over variables named `names`: all pairs, or X × Y.
    ///
    /// - Throws: `.invalidOption` when only one of `--x-vars` and `--y-vars` is given, or a
    ///   pattern matches no variable.
    public static func plan(names: [String], configuration: RunConfiguration) throws(MIBatchError) -> PairPlan {
        switch (configuration.xVariables, configuration.yVariables) {
        case (nil, nil): return .allPairs(names.count)
        case let (x?, y?): return try .rectangular(x: x, y: y, names: names)
        default: throw .invalidOption("--x-vars and --y-vars go together")
        }
    }
}

/// The cells of a ``PairPlan`` in their fixed row-major order, (row, column) positions in
/// the output matrix.
///
/// Computed on access from per-row offsets instead of stored: a stored list takes 16 bytes
/// a cell (1.2 MiB at 400 variables, 275 MiB at 6,000), this takes 16 bytes a row.
public struct CellList: RandomAccessCollection, Sendable {
    /// Cells before each row; one more entry than rows, the last being the count.
    private let rowStart: [Int]
    /// Per row of a rectangular plan: the column holding the row's own variable (never
    /// estimated), or the column count when there is none. Empty for a symmetric plan.
    private let skipped: [Int]

    /// The cells of `plan`.
    ///
    /// - Complexity: O(rows + columns).
    public init(_ plan: PairPlan) {
        var starts = [0]
        starts.reserveCapacity(plan.rows.count + 1)
        var skipped: [Int] = []
        if plan.isSymmetric {
            for r in plan.rows.indices { starts.append(starts[r] + plan.columns.count - 1 - r) }
        } else {
            var columnOf: [Int: Int] = [:]
            for (c, variable) in plan.columns.enumerated() where columnOf[variable] == nil { columnOf[variable] = c }
            skipped = plan.rows.map { columnOf[$0] ?? plan.columns.count }
            for r in plan.rows.indices {
                starts.append(starts[r] + plan.columns.count - (skipped[r] < plan.columns.count ? 1 : 0))
            }
        }
        rowStart = starts
        self.skipped = skipped
    }

    /// Always 0.
    public var startIndex: Int { 0 }
    /// The number of cells.
    public var endIndex: Int { rowStart[rowStart.count - 1] }

    /// Calls `body(index, row, column)` for every cell, in index order.
    ///
    /// - Complexity: O(cells + rows).
    @inline(__always)
    public func forEachCell(_ body: (_ index: Int, _ row: Int, _ column: Int) -> Void) {
        for row in 0..<(rowStart.count - 1) {
            let start = rowStart[row], count = rowStart[row + 1] - start
            for offset in 0..<count {
                let column = skipped.isEmpty ? row + 1 + offset : (offset >= skipped[row] ? offset + 1 : offset)
                body(start + offset, row, column)
            }
        }
    }

    /// The cells at `indices` (ascending), walking the rows instead of searching each.
    ///
    /// - Complexity: O(indices + jumps·log rows).
    public func positions(_ indices: [Int]) -> [(row: Int, column: Int)] {
        var result: [(row: Int, column: Int)] = []
        result.reserveCapacity(indices.count)
        forEachPosition(of: indices) { result.append(($1, $2)) }
        return result
    }

    /// Calls `body(index, row, column)` for each of `indices` in order, as ``positions(_:)``
    /// finds them, without building an array.
    ///
    /// - Complexity: O(indices + jumps·log rows).
    @inline(__always)
    public func forEachPosition(of indices: [Int], _ body: (_ index: Int, _ row: Int, _ column: Int) -> Void) {
        var low = 0
        for index in indices {
            precondition(index >= 0 && index < endIndex, "cell index out of range")
            if index < rowStart[low] || index >= rowStart[low + 1] {
                var a = 0, b = rowStart.count - 1
                while b - a > 1 {
                    let middle = (a + b) / 2
                    if rowStart[middle] <= index { a = middle } else { b = middle }
                }
                low = a
            }
            let offset = index - rowStart[low]
            body(index, low, skipped.isEmpty ? low + 1 + offset : (offset >= skipped[low] ? offset + 1 : offset))
        }
    }

    /// The cell at `index`.
    ///
    /// - Complexity: O(log rows).
    public subscript(index: Int) -> (row: Int, column: Int) {
        precondition(index >= 0 && index < endIndex, "cell index out of range")
        // The last row starting at or before `index` (rows without cells start where the next does).
        var low = 0, high = rowStart.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if rowStart[middle] <= index { low = middle } else { high = middle }
        }
        let offset = index - rowStart[low]
        if skipped.isEmpty { return (low, low + 1 + offset) }
        return (low, offset >= skipped[low] ? offset + 1 : offset)
    }
}
