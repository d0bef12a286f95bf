// Internal: the mixed KSG of Gao, Kannan, Oh and Viswanath (2017) for a pair of scalar
// variables in which values repeat. Exact: every count equals the brute-force count.
//
// Per sample i: ρ_i = k-th smallest joint (max-norm) distance to the other samples. When
// ρ_i = 0 (at least k exact joint duplicates), k̃_i = m_i, the number of samples equal to i
// in both variables (i included), and n_x(i) = c_x(i) − 1, n_y(i) = c_y(i) − 1, the samples
// sharing i's x (y) value; otherwise k̃_i = k and n_x, n_y are KSG-1's strict counts within
// ρ_i. Î = ψ(n) + ⟨ψ(k̃)⟩ − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩. This fills the two histograms.
//
// Why it is fast on tied data, where a rank grid is not: a value shared by many samples (a
// *heavy* group: at least max(w, 2k + 2) samples, w the grid's band width) would make the
// grid's bands inside the group 0 apart, and every search would sweep the whole group.
// Instead:
//  - bands never split a group of equal values, and a heavy group is a band of its own;
//  - a cell whose two bands are both heavy holds one repeated joint point (a *pure* cell):
//    when it holds m ≥ k + 1 samples, each of them has ρ = 0 and its terms follow from m and
//    the two group sizes, so all m are counted at once and the grid keeps only k + 1 copies
//    (enough for any other sample's k nearest);
//  - a sample in a heavy x group (a *strip*: x fixed, y varying) finds its k nearest among
//    the strip's y values sorted — a two-pointer walk, O(k) — which is exact whenever the
//    k-th distance is at most the gap from x to the nearest other x value (no other
//    sample can be nearer); likewise for heavy y groups. Otherwise the grid search runs.

/// Per-axis structure of tied values: groups of equal values, tie-respecting bands, strips.
struct _TiedAxis {
    /// Number of bands.
    var bands = 0
    /// rank → band.
    let bandOf: UnsafeMutablePointer<Int32>
    /// band → first rank (`bands + 1` entries, the last = n).
    let bandStart: UnsafeMutablePointer<Int32>
    /// band → 1 if it is one heavy group.
    let heavy: UnsafeMutablePointer<UInt8>
    /// rank → first rank of its group of equal values, and one past its last.
    let groupLo: UnsafeMutablePointer<Int32>
    let groupHi: UnsafeMutablePointer<Int32>

    /// Builds groups and bands over the sorted values `xs[0 ..< n]`.
    init(_ xs: UnsafePointer<Double>, n: Int, w: Int, heavyAt: Int) {
        bandOf = .allocate(capacity: n)
        bandStart = .allocate(capacity: n + 1)
        heavy = .allocate(capacity: n + 1)
        groupLo = .allocate(capacity: n)
        groupHi = .allocate(capacity: n)
        var band = 0, open = 0  // current band index, its first rank
        var r = 0
        bandStart[0] = 0
        while r < n {
            var g1 = r + 1
            while g1 < n && xs[g1] == xs[r] { g1 += 1 }
            let g0 = r
            for t in g0..<g1 { groupLo[t] = Int32(g0); groupHi[t] = Int32(g1) }
            let size = g1 - g0
            let isHeavy = size >= heavyAt
            // Close the open band before a heavy group, or when this group would overfill it.
            if g0 > open && (isHeavy || g1 - open > w) {
                heavy[band] = 0
                band += 1
                bandStart[band] = Int32(g0)
                open = g0
            }
            for t in g0..<g1 { bandOf[t] = Int32(band) }
            if isHeavy {
                heavy[band] = 1
                band += 1
                bandStart[band] = Int32(g1)
                open = g1
            }
            r = g1
        }
        if open < n {
            heavy[band] = 0
            band += 1
            bandStart[band] = Int32(n)
        }
        bands = band
    }

    func deallocate() {
        bandOf.deallocate(); bandStart.deallocate(); heavy.deallocate()
        groupLo.deallocate(); groupHi.deallocate()
    }
}

/// Fills `hist[m]` (marginal digamma arguments) and `khist[m]` (the k̃ of each sample) for
/// the mixed estimator. `xs`/`ys`: values ascending; `xr`/`yr`: each sample's rank.
func _ksgMixedHistogram<Ranks: _RankReader>(
    n: Int, k: Int,
    xs: UnsafePointer<Double>, xr: Ranks,
    ys: UnsafePointer<Double>, yr: Ranks,
    hist: UnsafeMutablePointer<Int32>, khist: UnsafeMutablePointer<Int32>
) {
    if k == 3 {
        _mixedHistogram(_List4.self, n: n, k: k, xs: xs, xr: xr, ys: ys, yr: yr, hist: hist, khist: khist)
    } else {
        _mixedHistogram(_ListAny.self, n: n, k: k, xs: xs, xr: xr, ys: ys, yr: yr, hist: hist, khist: khist)
    }
}

@inline(__always)
private func _mixedHistogram<List: _KSGList, Ranks: _RankReader>(
    _: List.Type, n: Int, k: Int,
    xs: UnsafePointer<Double>, xr: Ranks,
    ys: UnsafePointer<Double>, yr: Ranks,
    hist: UnsafeMutablePointer<Int32>, khist: UnsafeMutablePointer<Int32>
) {
    let w = max(1, Int((Double(n) * _gridCellFactor).squareRoot()))
    let heavyAt = max(w, 2 * k + 2)
    let ax = _TiedAxis(xs, n: n, w: w, heavyAt: heavyAt)
    let ay = _TiedAxis(ys, n: n, w: w, heavyAt: heavyAt)
    defer { ax.deallocate(); ay.deallocate() }
    let gX = ax.bands, gY = ay.bands
    let cells = gX * gY
    let cap = Int32(k + 1)

    // Full counts per cell, then the stored counts (pure cells of ≥ k + 1 capped to k + 1).
    let full = UnsafeMutablePointer<Int32>.allocate(capacity: cells)
    let cellStart = UnsafeMutablePointer<Int32>.allocate(capacity: cells + 1)
    let rowStart = UnsafeMutablePointer<Int32>.allocate(capacity: cells + 1)
    let fill = UnsafeMutablePointer<Int32>.allocate(capacity: cells)
    defer { full.deallocate(); cellStart.deallocate(); rowStart.deallocate(); fill.deallocate() }
    full.initialize(repeating: 0, count: cells)
    for i in 0..<n {
        full[Int(ax.bandOf[xr[i]]) &* gY &+ Int(ay.bandOf[yr[i]])] &+= 1
    }
    @inline(__always) func isBulk(_ cx: Int, _ cy: Int) -> Bool {
        ax.heavy[cx] != 0 && ay.heavy[cy] != 0 && full[cx &* gY &+ cy] >= cap
    }
    // Pure cells of ≥ k + 1 samples: every sample has ρ = 0; count them all at once.
    cellStart[0] = 0
    for cx in 0..<gX {
        for cy in 0..<gY {
            let c = cx * gY + cy
            var stored = full[c]
            if isBulk(cx, cy) {
                let m = Int(full[c])
                let cxSize = Int(ax.bandStart[cx + 1] - ax.bandStart[cx])
                let cySize = Int(ay.bandStart[cy + 1] - ay.bandStart[cy])
                hist[cxSize] &+= Int32(m)
                hist[cySize] &+= Int32(m)
                khist[m] &+= Int32(m)
                stored = cap
            }
            cellStart[c + 1] = cellStart[c] + stored
        }
    }
    rowStart[0] = 0
    for cy in 0..<gY {
        for cx in 0..<gX {
            let c = cy * gX + cx
            rowStart[c + 1] = rowStart[c] + (cellStart[cx * gY + cy + 1] - cellStart[cx * gY + cy])
        }
    }
    let stored = Int(cellStart[cells])
    let gx = UnsafeMutablePointer<Double>.allocate(capacity: 4 * stored)
    let gy = gx + stored, hx = gy + stored, hy = hx + stored
    defer { gx.deallocate() }
    fill.update(from: cellStart, count: cells)
    for i in 0..<n {
        let rx = xr[i], ry = yr[i]
        let c = Int(ax.bandOf[rx]) &* gY &+ Int(ay.bandOf[ry])
        let p = Int(fill[c])
        if p == Int(cellStart[c + 1]) { continue }  // a capped pure cell already has k + 1
        fill[c] &+= 1
        gx[p] = xs[rx]
        gy[p] = ys[ry]
    }
    // Row-major copy: walk column-major cells, append each to its row-major slot.
    fill.update(from: rowStart, count: cells)
    for cx in 0..<gX {
        for cy in 0..<gY {
            let c = cx * gY + cy
            var q = Int(fill[cy * gX + cx])
            for p in Int(cellStart[c])..<Int(cellStart[c + 1]) { hx[q] = gx[p]; hy[q] = gy[p]; q += 1 }
        }
    }
    // Band value bounds with ∓∞ sentinels at −1 and g.
    let bounds = UnsafeMutablePointer<Double>.allocate(capacity: 2 * (gX + 2) + 2 * (gY + 2))
    defer { bounds.deallocate() }
    let colLo = bounds + 1, colHi = colLo + (gX + 2), rowLo = colHi + (gX + 2), rowHi = rowLo + (gY + 2)
    for c in 0..<gX { colLo[c] = xs[Int(ax.bandStart[c])]; colHi[c] = xs[Int(ax.bandStart[c + 1]) - 1] }
    for r in 0..<gY { rowLo[r] = ys[Int(ay.bandStart[r])]; rowHi[r] = ys[Int(ay.bandStart[r + 1]) - 1] }
    colHi[-1] = -.infinity; rowHi[-1] = -.infinity
    colLo[gX] = .infinity; rowLo[gY] = .infinity

    // Strips: the samples of each heavy band, sorted by the other variable (its values).
    let invX = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    let invY = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    let stripX = UnsafeMutablePointer<Double>.allocate(capacity: n)  // heavy-x strips: y values
    let stripY = UnsafeMutablePointer<Double>.allocate(capacity: n)  // heavy-y strips: x values
    let posX = UnsafeMutablePointer<Int32>.allocate(capacity: n)     // sample → position in its strip
    let posY = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    let offX = UnsafeMutablePointer<Int32>.allocate(capacity: gX + 1)
    let offY = UnsafeMutablePointer<Int32>.allocate(capacity: gY + 1)
    defer {
        invX.deallocate(); invY.deallocate(); stripX.deallocate(); stripY.deallocate()
        posX.deallocate(); posY.deallocate(); offX.deallocate(); offY.deallocate()
    }
    for i in 0..<n { invX[xr[i]] = Int32(i); invY[yr[i]] = Int32(i) }
    var o: Int32 = 0
    for c in 0..<gX { offX[c] = o; if ax.heavy[c] != 0 { o += ax.bandStart[c + 1] - ax.bandStart[c] } }
    offX[gX] = o
    o = 0
    for r in 0..<gY { offY[r] = o; if ay.heavy[r] != 0 { o += ay.bandStart[r + 1] - ay.bandStart[r] } }
    offY[gY] = o
    do {
        let cur = UnsafeMutablePointer<Int32>.allocate(capacity: max(gX, gY))
        defer { cur.deallocate() }
        cur.update(from: offX, count: gX)
        for ry in 0..<n {  // ascending y
            let i = Int(invY[ry]), c = Int(ax.bandOf[xr[i]])
            if ax.heavy[c] != 0 { let p = Int(cur[c]); cur[c] += 1; stripX[p] = ys[ry]; posX[i] = Int32(p) }
        }
        cur.update(from: offY, count: gY)
        for rx in 0..<n {  // ascending x
            let i = Int(invX[rx]), r = Int(ay.bandOf[yr[i]])
            if ay.heavy[r] != 0 { let p = Int(cur[r]); cur[r] += 1; stripY[p] = xs[rx]; posY[i] = Int32(p) }
        }
    }

    /// The k-th smallest |s[t] − v| over t ≠ pos in the sorted strip s[lo ..< hi] (k < hi − lo).
    @inline(__always) func stripKth(_ s: UnsafeMutablePointer<Double>, _ lo: Int, _ hi: Int, _ pos: Int, _ v: Double) -> Double {
        var a = pos - 1, b = pos + 1
        var d = 0.0
        for _ in 0..<k {
            let da = a >= lo ? v - s[a] : .infinity
            let db = b < hi ? s[b] - v : .infinity
            if da <= db { d = da; a -= 1 } else { d = db; b += 1 }
        }
        return d
    }
    /// Samples of the strip equal to v around pos, pos included.
    @inline(__always) func stripEqual(_ s: UnsafeMutablePointer<Double>, _ lo: Int, _ hi: Int, _ pos: Int, _ v: Double) -> Int {
        var m = 1
        var a = pos - 1
        while a >= lo && s[a] == v { m += 1; a -= 1 }
        var b = pos + 1
        while b < hi && s[b] == v { m += 1; b += 1 }
        return m
    }

    let listStorage = UnsafeMutablePointer<UInt64>.allocate(capacity: k + 1)
    defer { listStorage.deallocate() }
    var nearest = List(k: k, storage: listStorage)
    let infBits = Double.infinity.bitPattern

    for i in 0..<n {
        let xRank = xr[i], yRank = yr[i]
        let c = Int(ax.bandOf[xRank]), r = Int(ay.bandOf[yRank])
        if isBulk(c, r) { continue }
        let x = xs[xRank], y = ys[yRank]
        let gxLo = Int(ax.groupLo[xRank]), gxHi = Int(ax.groupHi[xRank])
        let gyLo = Int(ay.groupLo[yRank]), gyHi = Int(ay.groupHi[yRank])
        var rho = Double.nan
        var m = 0  // exact joint duplicates, self included (only needed when ρ = 0)
        if ax.heavy[c] != 0 {
            let lo = Int(offX[c]), hi = Int(offX[c + 1]), pos = Int(posX[i])
            let d = stripKth(stripX, lo, hi, pos, y)
            let gap = min(gxLo > 0 ? x - xs[gxLo - 1] : .infinity, gxHi < n ? xs[gxHi] - x : .infinity)
            if d <= gap {
                rho = d
                if d == 0 { m = stripEqual(stripX, lo, hi, pos, y) }
            }
        } else if ay.heavy[r] != 0 {
            let lo = Int(offY[r]), hi = Int(offY[r + 1]), pos = Int(posY[i])
            let d = stripKth(stripY, lo, hi, pos, x)
            let gap = min(gyLo > 0 ? y - ys[gyLo - 1] : .infinity, gyHi < n ? ys[gyHi] - y : .infinity)
            if d <= gap {
                rho = d
                if d == 0 { m = stripEqual(stripY, lo, hi, pos, x) }
            }
        }
        var xLo = 0, xHi = n, yLo = 0, yHi = n
        if rho.isNaN {
            // Grid search: the point's own cell, then grow the box one strip at a time on
            // the side nearest the point until no unexplored point can be nearer than ε.
            nearest.reset()
            @inline(__always) func scan(_ gx: UnsafeMutablePointer<Double>, _ gy: UnsafeMutablePointer<Double>, _ lo: Int32, _ hi: Int32) {
                for q in Int(lo)..<Int(hi) {
                    let dx = _distanceBits(gx[q], x), dy = _distanceBits(gy[q], y)
                    nearest.insert(dx < dy ? dy : dx)
                }
            }
            var c0 = c, c1 = c, rLo = r, rHi = r
            scan(gx, gy, cellStart[c &* gY &+ r], cellStart[c &* gY &+ r &+ 1])
            while true {
                let bL = (x - colHi[c0 &- 1]).bitPattern, bR = (colLo[c1 &+ 1] - x).bitPattern
                let bD = (y - rowHi[rLo &- 1]).bitPattern, bU = (rowLo[rHi &+ 1] - y).bitPattern
                let bLR = bL < bR ? bL : bR, bDU = bD < bU ? bD : bU
                let b = bLR < bDU ? bLR : bDU
                if b == infBits || b >= nearest.last { break }
                if b == bL {
                    c0 &-= 1; scan(gx, gy, cellStart[c0 &* gY &+ rLo], cellStart[c0 &* gY &+ rHi &+ 1])
                } else if b == bR {
                    c1 &+= 1; scan(gx, gy, cellStart[c1 &* gY &+ rLo], cellStart[c1 &* gY &+ rHi &+ 1])
                } else if b == bD {
                    rLo &-= 1; scan(hx, hy, rowStart[rLo &* gX &+ c0], rowStart[rLo &* gX &+ c1 &+ 1])
                } else {
                    rHi &+= 1; scan(hx, hy, rowStart[rHi &* gX &+ c0], rowStart[rHi &* gX &+ c1 &+ 1])
                }
            }
            rho = Double(bitPattern: nearest.last)
            if rho == 0 {
                // Every exact duplicate shares the point's cell (bands never split a group).
                m = 0
                for q in Int(cellStart[c &* gY &+ r])..<Int(cellStart[c &* gY &+ r &+ 1]) where gx[q] == x && gy[q] == y { m += 1 }
            } else {
                // Marginal windows: the box's bands when the next value beyond is provably
                // outside the strict radius.
                if c0 > 0 && !(x - colHi[c0 &- 1] < rho) { xLo = Int(ax.bandStart[c0]) }
                if c1 < gX - 1 && !(colLo[c1 &+ 1] - x < rho) { xHi = Int(ax.bandStart[c1 + 1]) }
                if rLo > 0 && !(y - rowHi[rLo &- 1] < rho) { yLo = Int(ay.bandStart[rLo]) }
                if rHi < gY - 1 && !(rowLo[rHi &+ 1] - y < rho) { yHi = Int(ay.bandStart[rHi + 1]) }
            }
        }
        if rho == 0 {
            hist[gxHi - gxLo] &+= 1
            hist[gyHi - gyLo] &+= 1
            khist[m] &+= 1
        } else {
            let (nx, ny) = _windowCounts(
                xs, xLo: xLo, xSelf: xRank, xHi: xHi, x: x, rx: rho,
                ys, yLo: yLo, ySelf: yRank, yHi: yHi, y: y, ry: rho, n: n, strict: true)
            hist[nx &+ 1] &+= 1
            hist[ny &+ 1] &+= 1
            khist[k] &+= 1
        }
    }
}
