import MIEstimators

/// Runs the cells of one tile on the worker pool.
///
/// With `--estimator gcmi`, every cell whose two variables are scalar and prepared whole
/// goes through panel products (``GCMI/multiply(_:_:into:)``): the tile's row and column
/// variables are packed into panels of ``GCMI/panelWidth``, and each pair of panels is one
/// task (one `dgemm`, then one logarithm per cell). Which route a cell takes depends only on
/// its two variables (their dimension and finiteness), and every product has the same shape,
/// so a cell's bits never depend on the tiles, threads or shards around it. Other cells
/// (multi-dimensional variables, `--nan pairwise` subsets) and every other estimator run cell
/// by cell through ``CellKernel/run(_:_:_:)``.
struct TileRunner: Sendable {
    let kernel: CellKernel
    let plan: ExecutionPlan
    let threads: Int
    let cancellation: CancellationFlag
    /// Called with the records of finished cells (a cell at a time, or a panel's at once).
    let onCellsDone: (@Sendable ([CellRecord]) -> Void)?
    /// Counts finished cells (progress).
    let done: @Sendable (Int) -> Void

    /// Runs `pending` (cell indices of one tile) with the prepared variables in `lookup`.
    func run(_ pending: [Int], lookup: [Int: PreparedVariable?]) {
        var single: [Int] = []
        var panelled: [(cell: Int, row: Int, column: Int)] = []
        if let gcmi = kernel.estimator.gcmi {
            for cell in pending {
                let (r, c) = plan.cells[cell]
                if Self.scalarScores(lookup[plan.pairs.rows[r]] ?? nil) != nil, Self.scalarScores(lookup[plan.pairs.columns[c]] ?? nil) != nil {
                    panelled.append((cell, r, c))
                } else {
                    single.append(cell)
                }
            }
            if !panelled.isEmpty { runPanels(panelled, lookup: lookup, gcmi: gcmi) }
        } else {
            single = pending
        }
        if !single.isEmpty { runSingly(single, lookup: lookup) }
    }

    /// The GCMI scores of a variable prepared whole and scalar, with its sample count as used.
    static func scalarScores(_ variable: PreparedVariable?) -> (data: PreparedData, scores: GCMI.Prepared, used: Int)? {
        switch variable {
        case let .ready(data)?:
            guard let scores = data.state as? GCMI.Prepared, scores.dimension == 1 else { return nil }
            return (data, scores, 0)
        case let .pairwise(variable)?:
            guard variable.finite == nil, case let .ready(data)? = variable.whole,
                  let scores = data.state as? GCMI.Prepared, scores.dimension == 1 else { return nil }
            return (data, scores, variable.raw.count)
        default:
            return nil
        }
    }

    /// Cell by cell, costliest first; idle workers steal; cancellation between cells.
    private func runSingly(_ cells: [Int], lookup: [Int: PreparedVariable?]) {
        let kernel = self.kernel, plan = self.plan, onCellsDone = self.onCellsDone, done = self.done
        let tasks = cells.indices.map { WorkStealingPool.WorkItem(index: $0, cost: plan.cellCost(cells[$0])) }
        _ = WorkStealingPool.run(threads: threads, tasks: tasks, isCancelled: { [cancellation] in cancellation.isCancelled }) { slot in
            let cell = cells[slot]
            let (r, c) = plan.cells[cell]
            kernel.run(cell, lookup[plan.pairs.rows[r]] ?? nil, lookup[plan.pairs.columns[c]] ?? nil)
            onCellsDone?([kernel.record(cell)])
            done(1)
        }
    }

    /// The panel route: panels of the tile's row and column variables, one task per pair of
    /// panels holding cells.
    private func runPanels(_ cells: [(cell: Int, row: Int, column: Int)], lookup: [Int: PreparedVariable?], gcmi: GCMI) {
        let width = GCMI.panelWidth
        let rows = Array(Set(cells.map(\.row))).sorted(), columns = Array(Set(cells.map(\.column))).sorted()
        func panels(_ positions: [Int], _ variables: [Int]) -> [GCMI.Panel] {
            stride(from: 0, to: positions.count, by: width).map { start in
                GCMI.Panel(positions[start..<min(start + width, positions.count)].map {
                    Self.scalarScores(lookup[variables[$0]] ?? nil)!.scores
                })
            }
        }
        let rowPanels = panels(rows, plan.pairs.rows)
        let columnPanels = rows == columns && plan.pairs.rows == plan.pairs.columns ? rowPanels : panels(columns, plan.pairs.columns)
        // Position of each matrix row and column in its panel.
        var rowSlot = [Int32](repeating: -1, count: plan.pairs.rows.count)
        for (i, r) in rows.enumerated() { rowSlot[r] = Int32(i) }
        var columnSlot = [Int32](repeating: -1, count: plan.pairs.columns.count)
        for (i, c) in columns.enumerated() { columnSlot[c] = Int32(i) }
        // Cells by task (row panel, column panel), in the tile's cell order.
        var buckets: [[Int]] = Array(repeating: [], count: rowPanels.count * columnPanels.count)
        var positions: [[Int32]] = Array(repeating: [], count: buckets.count)
        for (index, entry) in cells.enumerated() {
            let i = Int(rowSlot[entry.row]), j = Int(columnSlot[entry.column])
            let task = (i / width) * columnPanels.count + j / width
            buckets[task].append(index)
            positions[task].append(Int32((i % width) * width + j % width))
        }
        let tasks = buckets.indices.filter { !buckets[$0].isEmpty }
        let cellsByTask = buckets, slotsByTask = positions
        let kernel = self.kernel, plan = self.plan, onCellsDone = self.onCellsDone, done = self.done
        let items = tasks.indices.map { WorkStealingPool.WorkItem(index: $0, cost: Double(cellsByTask[tasks[$0]].count)) }
        let columnCount = columnPanels.count
        _ = WorkStealingPool.run(threads: threads, tasks: items, isCancelled: { [cancellation] in cancellation.isCancelled }) { slot in
            let task = tasks[slot]
            let a = rowPanels[task / columnCount], b = columnPanels[task % columnCount]
            var product = GCMI.PanelProduct()
            GCMI.multiply(a, b, into: &product)
            var records: [CellRecord] = []
            records.reserveCapacity(cellsByTask[task].count)
            for (k, index) in cellsByTask[task].enumerated() {
                let entry = cells[index]
                let position = Int(slotsByTask[task][k])
                let nats = gcmi.estimate(product, row: position / width, column: position % width, a, b)
                let x = Self.scalarScores(lookup[plan.pairs.rows[entry.row]] ?? nil)!
                let y = Self.scalarScores(lookup[plan.pairs.columns[entry.column]] ?? nil)!
                kernel.store(entry.cell, nats: nats, x.data, y.data, variables: (plan.pairs.rows[entry.row], plan.pairs.columns[entry.column]),
                             used: max(x.used, y.used))
                records.append(kernel.record(entry.cell))
            }
            onCellsDone?(records)
            done(records.count)
        }
    }
}

extension CellKernel {
    /// Stores an estimate computed outside ``run(_:_:_:)`` (the panel route): its value in the
    /// run's units, its status and, with `--permutations`, its p-value.
    func store(_ index: Int, nats: Double, _ x: PreparedData, _ y: PreparedData, variables: (Int, Int), used: Int) {
        var cell = CellValues.fill
        let value = nats * scale
        var reason = FailureReason.none
        var pValue = Double.nan
        if value.isNaN {
            reason = .estimateNaN
            reasons[index] = "estimate is NaN"
        } else if let significance {
            pValue = significance.pValue(observed: nats, x, y, count: used > 0 ? used : significance.samples,
                                         variables: variables, estimator: estimator)
        }
        cell[.mi, as: Double.self] = value
        cell[.status, as: UInt8.self] = (value.isNaN ? PairStatus.failed : .computed).rawValue
        cell[.samples, as: Int32.self] = Int32(clamping: used)
        cell[.pvalue, as: Double.self] = pValue
        store(index, cell, reason: reason)
    }
}
