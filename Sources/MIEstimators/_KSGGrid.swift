// Internal: KSG neighbour counts for a pair of scalar variables, using a grid over the
// two rank axes (cells of `w` consecutive ranks per axis) and marginal counts by binary
// search in each variable's sorted values. Exact: equals the brute-force counts.

/// Grid tuning: about `_gridCellFactor` points per cell on average (w² / n). Measured
/// flat between 1 and 4 for n = 5,000.
let _gridCellFactor = 2.0

/// Inserts `d` into the ascending list `a[0 ..< m]`, dropping the largest, without
/// branches: a'[s] = min(a[s], max(a[s−1], d)), a'[0] = min(a[0], d).
@inline(__always)
func _insertSorted(_ a: UnsafeMutablePointer<Double>, _ m: Int, _ d: Double) {
    var s = m - 1
    while s > 0 {
        let prev = a[s - 1]
        let up = prev < d ? d : prev
        a[s] = up < a[s] ? up : a[s]
        s -= 1
    }
    a[0] = d < a[0] ? d : a[0]
}

/// Fills `hist[m]` with how many marginal terms have digamma argument m (see `KSG`).
///
/// `xs`/`ys`: each variable's values ascending; `xr`/`yr`: each sample's rank in them;
/// `xv`/`yv`: values in sample order.
func _ksgScalarHistogram(
    n: Int, k: Int, algorithm: KSGAlgorithm,
    xs: UnsafePointer<Double>, xr: UnsafePointer<Int32>,
    ys: UnsafePointer<Double>, yr: UnsafePointer<Int32>,
    xv: UnsafePointer<Double>, yv: UnsafePointer<Double>,
    hist: UnsafeMutablePointer<Int32>
) {
    let w = max(1, Int((Double(n) * _gridCellFactor).squareRoot()))
    let g = (n + w - 1) / w
    let cells = g * g
    // One allocation for all scratch: cell starts, fill cursors, band table, cell coords.
    let ints = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * cells + 1 + 3 * n)
    let cellStart = ints, fill = ints + cells + 1, band = fill + cells
    let gc = band + n, gr = gc + n
    let dbl = UnsafeMutablePointer<Double>.allocate(capacity: 2 * n + 4 * g + k + 1 + 3 * (k + 2))
    let gx = dbl, gy = dbl + n
    let colLo = dbl + 2 * n, colHi = colLo + g, rowLo = colHi + g, rowHi = rowLo + g
    let list = rowHi + g  // the k+1 smallest distances, the sample itself (distance 0) included
    // KSG-2: the k+2 nearest (self included) with their marginal distances, to get ε_x, ε_y
    // and detect a tie at the k-th distance.
    var near = _NeighbourList(k: k + 1, capacity: k + 2, scratch: list + k + 1)
    let ksg2 = algorithm == .ksg2
    defer { ints.deallocate(); dbl.deallocate() }

    // rank → column (or row) index, without divisions.
    var r0 = 0
    for c in 0..<g {
        let end = min(r0 + w, n)
        while r0 < end { band[r0] = Int32(c); r0 += 1 }
    }
    // Counting sort of samples into column-major cells.
    cellStart.initialize(repeating: 0, count: cells + 1)
    for i in 0..<n { cellStart[Int(band[Int(xr[i])]) * g + Int(band[Int(yr[i])]) + 1] += 1 }
    for c in 0..<cells { cellStart[c + 1] += cellStart[c] }
    fill.update(from: cellStart, count: cells)
    for i in 0..<n {
        let cx = band[Int(xr[i])], cy = band[Int(yr[i])]
        let c = Int(cx) * g + Int(cy)
        let p = Int(fill[c])
        fill[c] += 1
        gx[p] = xv[i]
        gy[p] = yv[i]
        gc[p] = cx
        gr[p] = cy
    }
    // Value bounds: every x in column c lies in [colLo[c], colHi[c]]; likewise rows.
    for c in 0..<g {
        colLo[c] = xs[c * w]
        colHi[c] = xs[min((c + 1) * w, n) - 1]
        rowLo[c] = ys[c * w]
        rowHi[c] = ys[min((c + 1) * w, n) - 1]
    }
    let m = k + 1
    let strictStop = algorithm == .ksg2  // KSG-2 needs every point with d ≤ ε, not just ε
    let inf = Double.infinity

    for p in 0..<n {
        let x = gx[p], y = gy[p]
        let c = Int(gc[p]), r = Int(gr[p])
        for s in 0..<m { list[s] = inf }
        near.reset()
        @inline(__always) func scan(_ lo: Int32, _ hi: Int32) {
            if ksg2 {
                for q in Int(lo)..<Int(hi) {
                    let dx = abs(gx[q] - x), dy = abs(gy[q] - y)
                    let d = dx < dy ? dy : dx
                    if near.filled < near.capacity || d < near.dist[near.capacity - 1] { near.offer(d, dx, dy) }
                }
                return
            }
            for q in Int(lo)..<Int(hi) {
                let dx = abs(gx[q] - x), dy = abs(gy[q] - y)
                let d = dx < dy ? dy : dx
                if d < list[k] { _insertSorted(list, m, d) }
            }
        }
        // The 3×3 block of cells around the point (three contiguous column runs), then
        // grow the explored box one strip at a time on the side nearest the point, until
        // no unexplored point can be within ε (KSG-2: within or at ε).
        var c0 = c, c1 = c, rLo = r, rHi = r
        for cc in c0...c1 { scan(cellStart[cc * g + rLo], cellStart[cc * g + rHi + 1]) }
        while true {
            let bL = c0 > 0 ? x - colHi[c0 - 1] : inf
            let bR = c1 < g - 1 ? colLo[c1 + 1] - x : inf
            let bD = rLo > 0 ? y - rowHi[rLo - 1] : inf
            let bU = rHi < g - 1 ? rowLo[rHi + 1] - y : inf
            var b = bL, side = 0
            if bR < b { b = bR; side = 1 }
            if bD < b { b = bD; side = 2 }
            if bU < b { b = bU; side = 3 }
            if b == inf { break }
            let e = ksg2 ? near.kth : list[k]
            if strictStop ? b > e : b >= e { break }
            switch side {
            case 0: c0 -= 1; scan(cellStart[c0 * g + rLo], cellStart[c0 * g + rHi + 1])
            case 1: c1 += 1; scan(cellStart[c1 * g + rLo], cellStart[c1 * g + rHi + 1])
            case 2: rLo -= 1; for cc in c0...c1 { scan(cellStart[cc * g + rLo], cellStart[cc * g + rLo + 1]) }
            default: rHi += 1; for cc in c0...c1 { scan(cellStart[cc * g + rHi], cellStart[cc * g + rHi + 1]) }
            }
        }
        // ε = k-th smallest distance to the other samples = (k+1)-th including self's 0.
        let eps = ksg2 ? near.kth : list[k]
        switch algorithm {
        case .ksg1:
            let (nx, ny) = _sortedCounts(xs, ys, n: n, x: x, y: y, rx: eps, ry: eps, strict: true)
            hist[nx + 1] += 1
            hist[ny + 1] += 1
        case .joint:
            let (nx, ny) = _sortedCounts(xs, ys, n: n, x: x, y: y, rx: eps, ry: eps, strict: false)
            hist[nx] += 1
            hist[ny] += 1
        case .ksg2:
            // Neighbour set = the k nearest, or, when the k-th distance is tied, every j with
            // joint distance ≤ ε (the documented tie rule); all lie in the explored box. The
            // sample itself (and any exact duplicate) has dx = dy = 0 and changes no maximum.
            var (ex, ey) = near.marginalMaxima
            if near.kthIsTied {
                ex = 0; ey = 0
                for cc in c0...c1 {
                    for q in Int(cellStart[cc * g + rLo])..<Int(cellStart[cc * g + rHi + 1]) {
                        let dx = abs(gx[q] - x), dy = abs(gy[q] - y)
                        if (dx < dy ? dy : dx) <= eps { ex = ex < dx ? dx : ex; ey = ey < dy ? dy : ey }
                    }
                }
            }
            let (nx, ny) = _sortedCounts(xs, ys, n: n, x: x, y: y, rx: ex, ry: ey, strict: false)
            hist[nx] += 1
            hist[ny] += 1
        }
    }
}
