// Internal: KSG neighbour counts for a pair of scalar variables, using a grid over the
// two rank axes (cells of `w` consecutive ranks per axis) and marginal counts by binary
// search in each variable's sorted values. Exact: equals the brute-force counts.

/// Grid tuning: about `cellFactor` points per cell on average (w² / n).
let _gridCellFactor = 2.0

/// Fills `hist[m]` with how many marginal terms have digamma argument m (see `KSG`).
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
    let cellStart = UnsafeMutablePointer<Int32>.allocate(capacity: cells + 1)
    let gx = UnsafeMutablePointer<Double>.allocate(capacity: 2 * n)
    let gy = gx + n
    let gi = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    let bounds = UnsafeMutablePointer<Double>.allocate(capacity: 4 * g)
    let capacity = algorithm == .ksg2 ? k + 1 : k
    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 3 * capacity)
    defer {
        cellStart.deallocate(); gx.deallocate(); gi.deallocate(); bounds.deallocate(); scratch.deallocate()
    }
    // Counting sort of samples into column-major cells (column = x-rank / w, row = y-rank / w).
    cellStart.initialize(repeating: 0, count: cells + 1)
    for i in 0..<n { cellStart[Int(xr[i]) / w * g + Int(yr[i]) / w + 1] += 1 }
    for c in 0..<cells { cellStart[c + 1] += cellStart[c] }
    do {
        let fill = UnsafeMutablePointer<Int32>.allocate(capacity: cells)
        defer { fill.deallocate() }
        fill.initialize(from: cellStart, count: cells)
        for i in 0..<n {
            let c = Int(xr[i]) / w * g + Int(yr[i]) / w
            let p = Int(fill[c])
            fill[c] += 1
            gx[p] = xv[i]
            gy[p] = yv[i]
            gi[p] = Int32(i)
        }
    }
    // Value bounds of each column / row: all x in column c lie in [colLo[c], colHi[c]].
    let colLo = bounds, colHi = bounds + g, rowLo = bounds + 2 * g, rowHi = bounds + 3 * g
    for c in 0..<g {
        colLo[c] = xs[c * w]
        colHi[c] = xs[min((c + 1) * w, n) - 1]
        rowLo[c] = ys[c * w]
        rowHi[c] = ys[min((c + 1) * w, n) - 1]
    }
    var list = _NeighbourList(k: k, capacity: capacity, scratch: scratch)
    let strictStop = algorithm == .ksg2  // KSG-2 needs every point with d ≤ ε, not just ε
    let inf = Double.infinity

    for p in 0..<n {
        let x = gx[p], y = gy[p]
        let i = Int(gi[p])
        let c = Int(xr[i]) / w, r = Int(yr[i]) / w
        list.reset()
        @inline(__always) func scan(_ lo: Int, _ hi: Int) {
            var q = lo
            while q < hi {
                if q != p {
                    let dx = abs(gx[q] - x), dy = abs(gy[q] - y)
                    let d = dx < dy ? dy : dx
                    if list.filled < list.capacity || d < list.dist[list.capacity - 1] { list.offer(d, dx, dy) }
                }
                q += 1
            }
        }
        scan(Int(cellStart[c * g + r]), Int(cellStart[c * g + r + 1]))
        var c0 = c, c1 = c, r0 = r, r1 = r
        while true {
            let bL = c0 > 0 ? x - colHi[c0 - 1] : inf
            let bR = c1 < g - 1 ? colLo[c1 + 1] - x : inf
            let bD = r0 > 0 ? y - rowHi[r0 - 1] : inf
            let bU = r1 < g - 1 ? rowLo[r1 + 1] - y : inf
            var m = bL, side = 0
            if bR < m { m = bR; side = 1 }
            if bD < m { m = bD; side = 2 }
            if bU < m { m = bU; side = 3 }
            if m == inf { break }
            if list.filled >= k {
                let e = list.dist[k - 1]
                if strictStop ? m > e : m >= e { break }
            }
            switch side {
            case 0: c0 -= 1; scan(Int(cellStart[c0 * g + r0]), Int(cellStart[c0 * g + r1 + 1]))
            case 1: c1 += 1; scan(Int(cellStart[c1 * g + r0]), Int(cellStart[c1 * g + r1 + 1]))
            case 2: r0 -= 1; for cc in c0...c1 { scan(Int(cellStart[cc * g + r0]), Int(cellStart[cc * g + r0 + 1])) }
            default: r1 += 1; for cc in c0...c1 { scan(Int(cellStart[cc * g + r1]), Int(cellStart[cc * g + r1 + 1])) }
            }
        }
        let eps = list.dist[k - 1]
        switch algorithm {
        case .ksg1:
            hist[_sortedCount(xs, n: n, rank: Int(xr[i]), x: x, radius: eps, strict: true) + 1] += 1
            hist[_sortedCount(ys, n: n, rank: Int(yr[i]), x: y, radius: eps, strict: true) + 1] += 1
        case .joint:
            hist[_sortedCount(xs, n: n, rank: Int(xr[i]), x: x, radius: eps, strict: false)] += 1
            hist[_sortedCount(ys, n: n, rank: Int(yr[i]), x: y, radius: eps, strict: false)] += 1
        case .ksg2:
            var (ex, ey) = list.marginalMaxima
            if list.kthIsTied {
                // Tie rule: the neighbour set is every j ≠ i with d ≤ ε; all lie in the explored box.
                ex = 0; ey = 0
                for cc in c0...c1 {
                    for q in Int(cellStart[cc * g + r0])..<Int(cellStart[cc * g + r1 + 1]) where q != p {
                        let dx = abs(gx[q] - x), dy = abs(gy[q] - y)
                        if (dx < dy ? dy : dx) <= eps { ex = max(ex, dx); ey = max(ey, dy) }
                    }
                }
            }
            hist[_sortedCount(xs, n: n, rank: Int(xr[i]), x: x, radius: ex, strict: false)] += 1
            hist[_sortedCount(ys, n: n, rank: Int(yr[i]), x: y, radius: ey, strict: false)] += 1
        }
    }
}
