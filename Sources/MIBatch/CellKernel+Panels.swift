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

    /// Runs `pending` (cell indices of a tile, or of a batch of tiles) with the prepared
    /// variables in `lookup`.
    func run(_ pending: [Int], lookup: [Int: PreparedVariable?]) {
        guard let gcmi = kernel.estimator.gcmi else { return runSingly(pending, lookup: lookup) }
        // Each variable of the tile looked up and classified once, not per cell.
        var scalar: [Int: Scalar] = [:]
        for (variable, prepared) in lookup {
            if let found = Self.scalarScores(prepared) { scalar[variable] = found }
        }
        let rowIsScalar = plan.pairs.rows.map { scalar[$0] != nil }
        let columnIsScalar = plan.pairs.isSymmetric ? rowIsScalar : plan.pairs.columns.map { scalar[$0] != nil }
        // One walk to split the cells (no array of positions: a batch can be 2 million cells).
        var single: [Int] = []
        var panelled = 0
        plan.cells.forEachPosition(of: pending) { cell, row, column in
            if rowIsScalar[row] && columnIsScalar[column] { panelled += 1 } else { single.append(cell) }
        }
        if panelled > 0 {
            runPanels(pending, count: panelled, isPanelled: { rowIsScalar[$0] && columnIsScalar[$1] }, scalar: scalar, gcmi: gcmi)
        }
        if !single.isEmpty { runSingly(single, lookup: lookup) }
    }

    /// A scalar GCMI variable prepared whole: its prepared data, its scores and the samples
    /// it used (`--nan pairwise`; 0 otherwise).
    typealias Scalar = (data: PreparedData, scores: GCMI.Prepared, used: Int)

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
    /// panels holding cells. Without `--permutations`, values go straight into the `/mi`,
    /// `/status` (and `/samples`) buffers, with no per-cell dispatch over layers.
    private func runPanels(_ pending: [Int], count: Int, isPanelled: (Int, Int) -> Bool, scalar: [Int: Scalar], gcmi: GCMI) {
        let width = GCMI.panelWidth
        let pairs = plan.pairs, cellList = plan.cells
        var rowSlot = [Int32](repeating: -1, count: pairs.rows.count)
        var columnSlot = [Int32](repeating: -1, count: pairs.columns.count)
        cellList.forEachPosition(of: pending) { _, row, column in
            if isPanelled(row, column) { rowSlot[row] = 0; columnSlot[column] = 0 }
        }
        var rows: [Int] = [], columns: [Int] = []
        for r in rowSlot.indices where rowSlot[r] == 0 { rowSlot[r] = Int32(rows.count); rows.append(r) }
        for c in columnSlot.indices where columnSlot[c] == 0 { columnSlot[c] = Int32(columns.count); columns.append(c) }
        let rowVariables = rows.map { scalar[pairs.rows[$0]]! }
        let columnVariables = rows == columns && plan.pairs.isSymmetric ? rowVariables : columns.map { scalar[pairs.columns[$0]]! }
        func panels(_ variables: [Scalar]) -> [GCMI.Panel] {
            stride(from: 0, to: variables.count, by: width).map { start in
                GCMI.Panel(variables[start..<min(start + width, variables.count)].map(\.scores))
            }
        }
        let rowUsed = rowVariables.map(\.used), columnUsed = columnVariables.map(\.used)
        let rowPanels = panels(rowVariables)
        let columnPanels = rows == columns && plan.pairs.isSymmetric ? rowPanels : panels(columnVariables)
        // Cells by task (row panel, column panel), in the given order: counted, then placed
        // in one flat array (16 bytes a cell).
        let taskCount = rowPanels.count * columnPanels.count
        func task(_ row: Int, _ column: Int) -> Int { (Int(rowSlot[row]) / width) * columnPanels.count + Int(columnSlot[column]) / width }
        var starts = [Int](repeating: 0, count: taskCount + 1)
        cellList.forEachPosition(of: pending) { _, row, column in
            if isPanelled(row, column) { starts[task(row, column) + 1] += 1 }
        }
        for t in 0..<taskCount { starts[t + 1] += starts[t] }
        var cursor = starts
        var cells = [(cell: Int, row: Int32, column: Int32)](repeating: (0, 0, 0), count: count)
        cellList.forEachPosition(of: pending) { cell, row, column in
            guard isPanelled(row, column) else { return }
            let t = task(row, column)
            cells[cursor[t]] = (cell, Int32(row), Int32(column))
            cursor[t] += 1
        }
        let tasks = (0..<taskCount).filter { starts[$0 + 1] > starts[$0] }
        let taskStarts = starts, taskCells = cells, rowSlots = rowSlot, columnSlots = columnSlot
        let kernel = self.kernel, onCellsDone = self.onCellsDone, done = self.done, cancellation = self.cancellation
        let items = tasks.indices.map { WorkStealingPool.WorkItem(index: $0, cost: Double(taskStarts[tasks[$0] + 1] - taskStarts[tasks[$0]])) }
        let columnCount = columnPanels.count, matrixWidth = pairs.columns.count, symmetric = pairs.isSymmetric
        let mi = kernel.layers.buffer(.mi, as: Double.self)!, status = kernel.status
        let samples = kernel.layers.buffer(.samples, as: Int32.self)
        let scale = kernel.scale, direct = kernel.significance == nil
        _ = WorkStealingPool.run(threads: threads, tasks: items, isCancelled: { [cancellation] in cancellation.isCancelled }) { slot in
            let task = tasks[slot]
            let a = rowPanels[task / columnCount], b = columnPanels[task % columnCount]
            var product = GCMI.PanelProduct()
            GCMI.multiply(a, b, into: &product)
            let bias = gcmi.scalarBias(samples: a.samples)
            var records: [CellRecord] = []
            records.reserveCapacity(taskStarts[task + 1] - taskStarts[task])
            for index in taskStarts[task]..<taskStarts[task + 1] {
                let packed = taskCells[index]
                let entry = (cell: packed.cell, row: Int(packed.row), column: Int(packed.column))
                let i = Int(rowSlots[entry.row]), j = Int(columnSlots[entry.column])
                let nats = GCMI.estimate(product, row: i % width, column: j % width, a, b, bias: bias)
                let used = max(rowUsed[i], columnUsed[j])
                let value = nats * scale
                if direct && !value.isNaN {
                    let offset = entry.row * matrixWidth + entry.column
                    mi[offset] = value
                    status[offset] = PairStatus.computed.rawValue
                    samples?[offset] = Int32(clamping: used)
                    if symmetric {
                        let mirror = entry.column * matrixWidth + entry.row
                        mi[mirror] = value
                        status[mirror] = PairStatus.computed.rawValue
                        samples?[mirror] = Int32(clamping: used)
                    }
                    var values = CellValues.fill
                    values[.mi, as: Double.self] = value
                    values[.status, as: UInt8.self] = PairStatus.computed.rawValue
                    values[.samples, as: Int32.self] = Int32(clamping: used)
                    records.append(CellRecord(values: values, reason: FailureReason.none.rawValue, cell: entry.cell))
                } else {
                    // With --permutations a cell can take seconds: each is journaled when done
                    // and cancellation is checked between cells.
                    kernel.store(entry.cell, nats: nats, rowVariables[i].data, columnVariables[j].data, variables: (pairs.rows[entry.row], pairs.columns[entry.column]), used: used)
                    onCellsDone?([kernel.record(entry.cell)])
                    done(1)
                    if cancellation.isCancelled { break }
                }
            }
            if !records.isEmpty {
                onCellsDone?(records)
                done(records.count)
            }
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
