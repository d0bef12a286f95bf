// Internal: KSG neighbour counts for a pair of scalar variables, using a grid over the
// two rank axes (cells of `w` consecutive ranks per axis) and marginal counts by binary
// search in each variable's sorted values. Exact: equals the brute-force counts.
//
// Why it is fast (measured with callgrind's branch simulator, see RESULTS.md): the work
// per sample is a few dozen candidates, so mispredicted branches, not arithmetic, set the
// pace. Distances are compared as the bit patterns of non-negative doubles (integer
// minima become conditional moves); band bounds carry ±∞ sentinels; the samples are
// stored twice (column-major and row-major cells) so each growth step of the search box
// is one contiguous run; the default k = 3 keeps its neighbour list in registers and inserts
// every candidate without a branch; the box starts as the 2 × 2 cells of the point's
// quadrant; the marginal searches only cover the box's bands.

/// Grid tuning: about `_gridCellFactor` points per cell on average (w² / n). Measured
/// flat between 1 and 4 for n = 5,000.
let _gridCellFactor = 2.0

/// Inserts `d` into the ascending list `a[0 ..< m]`, dropping the largest, without
/// branches: a'[s] = min(a[s], max(a[s−1], d)), a'[0] = min(a[0], d).
///
/// The list holds the bit patterns of non-negative doubles (+∞ included), which order
/// exactly like the doubles; integer minima and maxima compile to conditional moves,
/// where floating-point selects often become unpredictable branches.
@inline(__always)
func _insertSorted(_ a: UnsafeMutablePointer<UInt64>, _ m: Int, _ d: UInt64) {
    var s = m &- 1
    while s > 0 {
        let prev = a[s &- 1]
        let up = prev < d ? d : prev
        a[s] = up < a[s] ? up : a[s]
        s &-= 1
    }
    a[0] = d < a[0] ? d : a[0]
}

/// |a − b| as the bit pattern of a non-negative double (the sign bit cleared).
@inline(__always)
func _distanceBits(_ a: Double, _ b: Double) -> UInt64 {
    (a - b).bitPattern & 0x7FFF_FFFF_FFFF_FFFF
}

/// The k + 1 smallest joint distances seen so far (bit patterns, ascending; +∞ when unset),
/// the sample's own 0 included. Inserting a distance not below the largest leaves the list
/// unchanged, so the search inserts every candidate without a branch.
protocol _KSGList {
    init(k: Int, storage: UnsafeMutablePointer<UInt64>)
    /// Empties the list (every slot +∞).
    mutating func reset()
    /// Inserts `d`, dropping the largest: a'[s] = min(a[s], max(a[s−1], d)).
    mutating func insert(_ d: UInt64)
    /// The largest kept distance: the k-th nearest other sample's once k + 1 are in.
    var last: UInt64 { get }
}

/// k = 3 (the default): four values the compiler keeps in registers; each insertion is
/// seven integer minima/maxima (conditional moves).
struct _List4: _KSGList {
    var a0: UInt64 = .max, a1: UInt64 = .max, a2: UInt64 = .max, a3: UInt64 = .max
    @inline(__always) init(k: Int, storage: UnsafeMutablePointer<UInt64>) {}
    @inline(__always) mutating func reset() {
        let inf = Double.infinity.bitPattern
        a0 = inf; a1 = inf; a2 = inf; a3 = inf
    }
    @inline(__always) mutating func insert(_ d: UInt64) {
        let u3 = a2 < d ? d : a2, u2 = a1 < d ? d : a1, u1 = a0 < d ? d : a0
        a3 = u3 < a3 ? u3 : a3
        a2 = u2 < a2 ? u2 : a2
        a1 = u1 < a1 ? u1 : a1
        a0 = d < a0 ? d : a0
    }
    @inline(__always) var last: UInt64 { a3 }
}

/// Any k: the list in caller-provided scratch of k + 1 slots.
struct _ListAny: _KSGList {
    let a: UnsafeMutablePointer<UInt64>
    let m: Int
    @inline(__always) init(k: Int, storage: UnsafeMutablePointer<UInt64>) { a = storage; m = k + 1 }
    @inline(__always) mutating func reset() { a.update(repeating: Double.infinity.bitPattern, count: m) }
    @inline(__always) mutating func insert(_ d: UInt64) { if d < a[m &- 1] { _insertSorted(a, m, d) } }
    @inline(__always) var last: UInt64 { a[m &- 1] }
}

/// Fills `hist[m]` with how many marginal terms have digamma argument m (see `KSG`).
///
/// `xs`/`ys`: each variable's values ascending; `xr`/`yr`: each sample's rank in them
/// (so sample i's value is `xs[xr[i]]`), read from packed storage of any width.
func _ksgScalarHistogram<Ranks: _RankReader>(
    n: Int, k: Int, algorithm: KSGAlgorithm,
    xs: UnsafePointer<Double>, xr: Ranks,
    ys: UnsafePointer<Double>, yr: Ranks,
    hist: UnsafeMutablePointer<Int32>
) {
    if k == 3 {
        _gridHistogram(_List4.self, n: n, k: k, algorithm: algorithm,
                       xs: xs, xr: xr, ys: ys, yr: yr, hist: hist)
    } else {
        _gridHistogram(_ListAny.self, n: n, k: k, algorithm: algorithm,
                       xs: xs, xr: xr, ys: ys, yr: yr, hist: hist)
    }
}

@inline(__always)
private func _gridHistogram<List: _KSGList, Ranks: _RankReader>(
    _: List.Type, n: Int, k: Int, algorithm: KSGAlgorithm,
    xs: UnsafePointer<Double>, xr: Ranks,
    ys: UnsafePointer<Double>, yr: Ranks,
    hist: UnsafeMutablePointer<Int32>
) {
    let w = max(1, Int((Double(n) * _gridCellFactor).squareRoot()))
    let g = (n + w - 1) / w
    let cells = g * g
    // One allocation for all scratch: cell starts, fill cursors, band table, cell coords.
    let ints = UnsafeMutablePointer<Int32>.allocate(capacity: 3 * cells + 2 + 3 * n)
    let cellStart = ints, rowStart = ints + cells + 1, fill = rowStart + cells + 1, band = fill + cells
    let gxr = band + n, gyr = gxr + n  // ranks in cell order
    // The samples twice: column-major cells (a column strip of the box is one contiguous
    // run) and row-major cells (so is a row strip). Each growth step scans one run.
    let dbl = UnsafeMutablePointer<Double>.allocate(capacity: 4 * n + 4 * (g + 2))
    let gx = dbl, gy = dbl + n, hx = gy + n, hy = hx + n
    // Band value bounds, indexed −1 ... g: the sentinels ∓∞ make the distance to a
    // missing neighbour band +∞ without a branch.
    let colLo = dbl + 4 * n + 1, colHi = colLo + (g + 2), rowLo = colHi + (g + 2), rowHi = rowLo + (g + 2)
    // The k+1 smallest joint distances (bit patterns), the sample itself (0) included.
    let list = UnsafeMutablePointer<UInt64>.allocate(capacity: k + 1)
    // KSG-2: the marginal distances (bits) of every candidate that entered the list.
    let seenX = UnsafeMutablePointer<UInt64>.allocate(capacity: algorithm == .ksg2 ? 2 * n : 0)
    let seenY = seenX + (algorithm == .ksg2 ? n : 0)
    let ksg2 = algorithm == .ksg2
    defer { ints.deallocate(); dbl.deallocate(); list.deallocate(); seenX.deallocate() }

    // rank → column (or row) index, without divisions.
    var r0 = 0
    for c in 0..<g {
        let end = min(r0 + w, n)
        while r0 < end { band[r0] = Int32(c); r0 += 1 }
    }
    // Counting sorts of the samples into column-major and row-major cells: both histograms
    // in one pass; the column-major copy gathers the values by rank, the row-major copy is
    // then filled from it with sequential reads.
    cellStart.initialize(repeating: 0, count: 2 * cells + 2)
    for i in 0..<n {
        let cx = Int(band[xr[i]]), cy = Int(band[yr[i]])
        cellStart[cx &* g &+ cy &+ 1] &+= 1
        rowStart[cy &* g &+ cx &+ 1] &+= 1
    }
    for c in 0..<cells {
        cellStart[c &+ 1] &+= cellStart[c]
        rowStart[c &+ 1] &+= rowStart[c]
    }
    fill.update(from: cellStart, count: cells)
    for i in 0..<n {
        let rx = xr[i], ry = yr[i]
        let c = Int(band[rx]) &* g &+ Int(band[ry])
        let p = Int(fill[c])
        fill[c] &+= 1
        gx[p] = xs[rx]
        gy[p] = ys[ry]
        gxr[p] = Int32(truncatingIfNeeded: rx)
        gyr[p] = Int32(truncatingIfNeeded: ry)
    }
    fill.update(from: rowStart, count: cells)
    for p in 0..<n {
        let c = Int(band[Int(gyr[p])]) &* g &+ Int(band[Int(gxr[p])])
        let q = Int(fill[c])
        fill[c] &+= 1
        hx[q] = gx[p]
        hy[q] = gy[p]
    }
    // Value bounds: every x in column c lies in [colLo[c], colHi[c]]; likewise rows.
    for c in 0..<g {
        colLo[c] = xs[c * w]
        colHi[c] = xs[min((c + 1) * w, n) - 1]
        rowLo[c] = ys[c * w]
        rowHi[c] = ys[min((c + 1) * w, n) - 1]
    }
    colHi[-1] = -.infinity; rowHi[-1] = -.infinity
    colLo[g] = .infinity; rowLo[g] = .infinity
    let strictStop = algorithm == .ksg2  // KSG-2 needs every point with d ≤ ε, not just ε
    var nearest = List(k: k, storage: list)

    for p in 0..<n {
        let x = gx[p], y = gy[p]
        let xRank = Int(gxr[p]), yRank = Int(gyr[p])
        let c = Int(band[xRank]), r = Int(band[yRank])
        nearest.reset()
        var seen = 0
        @inline(__always) func scan(_ gx: UnsafeMutablePointer<Double>, _ gy: UnsafeMutablePointer<Double>, _ lo: Int32, _ hi: Int32) {
            // Every candidate is inserted (a no-op when it is not nearer than the k-th), so
            // the loop has no data-dependent branch.
            if ksg2 {
                // Also record every candidate (kept when within the final ε, ties included:
                // ε only shrinks, so the recorded set is a superset of the neighbour set).
                for q in Int(lo)..<Int(hi) {
                    let dx = _distanceBits(gx[q], x), dy = _distanceBits(gy[q], y)
                    let d = dx < dy ? dy : dx
                    seenX[seen] = dx
                    seenY[seen] = dy
                    seen &+= d <= nearest.last ? 1 : 0
                    nearest.insert(d)
                }
                return
            }
            for q in Int(lo)..<Int(hi) {
                let dx = _distanceBits(gx[q], x), dy = _distanceBits(gy[q], y)
                nearest.insert(dx < dy ? dy : dx)
            }
        }
        // The point's own cell, then grow the explored box one strip at a time on the side
        // nearest the point, until no unexplored point can be within ε (KSG-2: within or
        // at ε).
        // Start with the 2 × 2 cells around the point's quadrant of its cell (the first two
        // growth steps nearly always take the nearer column and the nearer row): two
        // contiguous runs and no unpredictable side choices. Integer flags keep it branch-free;
        // a missing neighbour band (distance +∞) is not taken.
        let infBits = Double.infinity.bitPattern
        let sL = (x - colHi[c &- 1]).bitPattern, sR = (colLo[c &+ 1] - x).bitPattern
        let sD = (y - rowHi[r &- 1]).bitPattern, sU = (rowLo[r &+ 1] - y).bitPattern
        let lft = sL <= sR ? 1 : 0, dwn = sD <= sU ? 1 : 0
        let growX = (sL < sR ? sL : sR) != infBits ? 1 : 0, growY = (sD < sU ? sD : sU) != infBits ? 1 : 0
        var c0 = c &- (growX & lft), c1 = c &+ (growX & (lft ^ 1))
        var rLo = r &- (growY & dwn), rHi = r &+ (growY & (dwn ^ 1))
        scan(gx, gy, cellStart[c0 &* g &+ rLo], cellStart[c0 &* g &+ rHi &+ 1])
        if c1 != c0 { scan(gx, gy, cellStart[c1 &* g &+ rLo], cellStart[c1 &* g &+ rHi &+ 1]) }
        while true {
            // Distances to the four neighbouring bands (non-negative, so compared as bits;
            // +∞ past the edges). Branch-free minimum; the side is decided only when growing.
            let bL = (x - colHi[c0 &- 1]).bitPattern, bR = (colLo[c1 &+ 1] - x).bitPattern
            let bD = (y - rowHi[rLo &- 1]).bitPattern, bU = (rowLo[rHi &+ 1] - y).bitPattern
            let bLR = bL < bR ? bL : bR, bDU = bD < bU ? bD : bU
            let b = bLR < bDU ? bLR : bDU
            if b == infBits { break }
            let e = nearest.last
            if strictStop ? b > e : b >= e { break }
            if b == bL {
                c0 &-= 1; scan(gx, gy, cellStart[c0 &* g &+ rLo], cellStart[c0 &* g &+ rHi &+ 1])
            } else if b == bR {
                c1 &+= 1; scan(gx, gy, cellStart[c1 &* g &+ rLo], cellStart[c1 &* g &+ rHi &+ 1])
            } else if b == bD {
                rLo &-= 1; scan(hx, hy, rowStart[rLo &* g &+ c0], rowStart[rLo &* g &+ c1 &+ 1])
            } else {
                rHi &+= 1; scan(hx, hy, rowStart[rHi &* g &+ c0], rowStart[rHi &* g &+ c1 &+ 1])
            }
        }
        // ε = k-th smallest distance to the other samples = (k+1)-th including self's 0.
        let eps = Double(bitPattern: nearest.last)
        let strict = algorithm == .ksg1
        var rx = eps, ry = eps
        if ksg2 {
            // ε_x, ε_y: the largest marginal distances over the neighbour set, which is every
            // j with joint distance ≤ ε — the k nearest, or all of them when the k-th distance
            // is tied (the documented tie rule). The box holds them all (strict stop above);
            // the sample itself and exact duplicates contribute 0. Branch-free pass over the
            // candidates recorded by the search.
            // Non-negative doubles order like their bit patterns: integer maxima compile to
            // conditional moves, with no floating-point dependency chain.
            let epsBits = nearest.last
            var bx: UInt64 = 0, by: UInt64 = 0
            for t in 0..<seen {
                let dx = seenX[t], dy = seenY[t]
                let keep: UInt64 = (dx < dy ? dy : dx) <= epsBits ? ~0 : 0
                let mx = dx & keep, my = dy & keep
                bx = bx < mx ? mx : bx
                by = by < my ? my : by
            }
            rx = Double(bitPattern: bx)
            ry = Double(bitPattern: by)
        }
        // Search windows: the box's column (row) bands, widened to the whole column when the
        // first value beyond a band edge is not provably outside the marginal radius.
        @inline(__always) func outside(_ dist: Double, _ radius: Double) -> Bool {
            strict ? !(dist < radius) : radius < dist
        }
        let xLo = c0 > 0 && outside(x - colHi[c0 &- 1], rx) ? c0 * w : 0
        let xHi = c1 < g - 1 && outside(colLo[c1 &+ 1] - x, rx) ? (c1 + 1) * w : n
        let yLo = rLo > 0 && outside(y - rowHi[rLo &- 1], ry) ? rLo * w : 0
        let yHi = rHi < g - 1 && outside(rowLo[rHi &+ 1] - y, ry) ? (rHi + 1) * w : n
        let (nx, ny) = _windowCounts(
            xs, xLo: xLo, xSelf: xRank, xHi: xHi, x: x, rx: rx,
            ys, yLo: yLo, ySelf: yRank, yHi: yHi, y: y, ry: ry, n: n, strict: strict)
        // KSG-1 uses ψ(n + 1); KSG-2 and joint use ψ(n).
        let shift = strict ? 1 : 0
        hist[nx &+ shift] &+= 1
        hist[ny &+ shift] &+= 1
    }
}
