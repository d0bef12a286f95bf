import MISignificance

/// The pairs whose q-value is at most a rate Q (`--fdr Q`), the output's `/edges` group:
/// parallel arrays, one entry per pair, sorted by MI descending (equal MI by row, then
/// column, ascending). A symmetric (all-pairs) matrix lists each pair once, row < column.
public struct EdgeList: Sendable, Equatable {
    /// The rate Q the edges pass (q ≤ Q).
    public var rate: Double
    /// Position of each pair's first variable in `/var_i` (0-based).
    public var rows: [Int32] = []
    /// Position of each pair's second variable in `/var_j` (0-based).
    public var columns: [Int32] = []
    /// MI in the run's units.
    public var mi: [Double] = []
    /// The p-values.
    public var pValues: [Double] = []
    /// The q-values (adjusted p-values).
    public var qValues: [Double] = []

    /// Number of edges.
    public var count: Int { rows.count }
}

extension MIMatrix {
    /// Whether the two axes are one list of variables (an all-pairs matrix).
    var isSymmetric: Bool { rowNames == columnNames }

    /// Adds `/qvalue`: `correction` applied to the `/pvalue` of every computed pair (each pair
    /// of an all-pairs matrix once, its q mirrored).
    ///
    /// - Precondition: `/pvalue` is present.
    /// - Complexity: O(m log m) for m computed pairs.
    public mutating func addQValues(_ correction: MultipleTesting) {
        let p = layers.values(.pvalue, as: Double.self)!
        let status = self.status
        let width = columnNames.count, symmetric = isSymmetric
        var cells: [Int] = []
        for index in p.indices where status[index] == PairStatus.computed.rawValue && !(symmetric && index % width <= index / width) {
            cells.append(index)
        }
        let adjusted = correction.adjust(cells.map { p[$0] })
        var q = [Double](repeating: .nan, count: p.count)
        for (position, index) in cells.enumerated() {
            q[index] = adjusted[position]
            if symmetric { q[(index % width) * width + index / width] = adjusted[position] }
        }
        layers[.qvalue] = .float64(q)
        correctionMethod = "\(correction.description) over the \(cells.count) computed pairs"
            + (symmetric ? " (each unordered pair once)" : "")
    }

    /// Sets ``edges`` to the pairs of q ≤ `rate`.
    ///
    /// - Precondition: `/qvalue` is present (``addQValues(_:)``).
    public mutating func selectEdges(rate: Double) {
        let q = layers.values(.qvalue, as: Double.self)!, p = layers.values(.pvalue, as: Double.self)!
        let mi = values, width = columnNames.count, symmetric = isSymmetric
        var chosen: [Int] = []
        for index in q.indices where q[index] <= rate && !(symmetric && index % width <= index / width) { chosen.append(index) }
        chosen.sort { a, b in mi[a] != mi[b] ? mi[a] > mi[b] : a < b }
        var list = EdgeList(rate: rate)
        for index in chosen {
            list.rows.append(Int32(index / width))
            list.columns.append(Int32(index % width))
            list.mi.append(mi[index])
            list.pValues.append(p[index])
            list.qValues.append(q[index])
        }
        edges = list
    }

    /// Drops every matrix layer (`--output-matrices none`): the file then holds `/var_i`,
    /// `/var_j` and `/edges`. Returns the root attributes that record it.
    mutating func dropMatrices() -> [(String, String)] {
        let status = self.status, width = columnNames.count, symmetric = isSymmetric
        var computed = 0, failed = 0
        for index in status.indices where !(symmetric && index % width <= index / width) {
            if status[index] == PairStatus.computed.rawValue { computed += 1 } else if status[index] == PairStatus.failed.rawValue { failed += 1 }
        }
        layers = MatrixLayers()
        return [("matrices", "none (--output-matrices none): only /edges is written"),
                ("computed_pairs", "\(computed)"), ("failed_pairs", "\(failed)")]
    }
}

import HDF5

extension File {
    /// Writes `/edges`: `row`, `column` (int32 positions in `/var_i`, `/var_j`), `row_name`,
    /// `column_name` (strings), `mi`, `pvalue`, `qvalue` (float64), all of one length, and
    /// `/edges/qvalue`'s attributes `fdr` (Q) and `selection`, `/edges/mi`'s `sorted_by`.
    func writeEdges(_ edges: EdgeList, rowNames: [String], columnNames: [String], units: String) throws(HDF5Error) {
        try createGroup("/edges")
        @discardableResult
        func numbers(_ name: String, _ values: [Double], type: StorageType, longName: String) throws(HDF5Error) -> Dataset {
            let dataset = try createDataset("/edges/" + name, type: type, shape: [values.count])
            if !values.isEmpty { try dataset.write(values) }
            try dataset.setAttribute("long_name", longName)
            return dataset
        }
        try numbers("row", edges.rows.map(Double.init), type: .int32, longName: "position of the first variable in /var_i (0-based)")
        try numbers("column", edges.columns.map(Double.init), type: .int32, longName: "position of the second variable in /var_j (0-based)")
        let rowNameSet = try createStringDataset("/edges/row_name", values: edges.rows.map { rowNames[Int($0)] })
        try rowNameSet.setAttribute("long_name", "first variable")
        let columnNameSet = try createStringDataset("/edges/column_name", values: edges.columns.map { columnNames[Int($0)] })
        try columnNameSet.setAttribute("long_name", "second variable")
        let mi = try numbers("mi", edges.mi, type: .float64, longName: "mutual information (\(units))")
        try mi.setAttribute("sorted_by", "mi descending, then row and column ascending")
        try numbers("pvalue", edges.pValues, type: .float64, longName: "permutation p-value")
        let q = try numbers("qvalue", edges.qValues, type: .float64, longName: "q-value (adjusted p-value)")
        try q.setAttribute("fdr", edges.rate)
        try q.setAttribute("selection", "every computed pair with qvalue <= \(edges.rate)")
    }
}
