// Internal: marginal neighbour counts by branch-free binary search in a variable's
// sorted values. Exact: each count equals the brute-force count, because the searches
// compare the same floating-point differences a brute-force loop computes.

/// All-ones if `a < r`, else 0, for finite `a`, `r` (never NaN): the exact difference
/// of two doubles is 0 only when they are equal (and then rounds to +0), and otherwise
/// rounds to a nonzero value of the same sign — so the sign bit of fl(a − r) is exactly
/// the comparison. Integer masks keep LLVM from turning binary searches into
/// unpredictable branches.
@inline(__always)
func _lessMask(_ a: Double, _ r: Double) -> Int {
    Int(bitPattern: UInt((a - r).bitPattern)) >> 63
}

/// Marginal neighbour count (self excluded) of one sample in a sorted 1-D column whose
/// position in it is unknown: ``_windowCounts`` over the whole column.
@inline(__always)
func _sortedCount(_ xs: UnsafePointer<Double>, n: Int, x: Double, radius: Double, strict: Bool) -> Int {
    _windowCounts(xs, xLo: 0, xSelf: 0, xHi: n, x: x, rx: radius,
                  xs, yLo: 0, ySelf: 0, yHi: n, y: x, ry: radius, n: n, strict: strict).0
}

/// Marginal neighbour counts (self excluded) of one sample, searching only a window of
/// each sorted column that is known to contain every neighbour.
///
/// Counts positions p with `|xs[p] − x| < rx` (strict) or `≤ rx`, where the difference
/// is the same floating-point subtraction a brute-force loop performs, and likewise in
/// `ys`. Over the sorted array, fl(xs[p] − x) is non-decreasing in p (rounding is
/// monotone), so the inside set is an interval [lo, hi) found by two binary searches per
/// column, all four interleaved, each step a load, subtractions and integer masking (no
/// branches). Equals the brute-force counts exactly.
///
/// Every position below `xLo` and at or above `xHi` must be outside the radius (the
/// caller proves it from the grid box; pass 0 and n otherwise). `xSelf` is the sample's
/// position (`xs[xSelf] == x`), or `xLo` when unknown. The upper end lies in [xSelf, xHi)
/// and the lower end in [xLo, xSelf], so each search covers about half the window: both
/// run over L = the longer half, from a start that is moved back (never forward) when it
/// would run past n — positions before a search's start still satisfy its predicate, so
/// the result is unchanged. ⌈log2 L⌉ steps.
@inline(__always)
func _windowCounts(
    _ xs: UnsafePointer<Double>, xLo: Int, xSelf: Int, xHi: Int, x: Double, rx: Double,
    _ ys: UnsafePointer<Double>, yLo: Int, ySelf: Int, yHi: Int, y: Double, ry: Double,
    n: Int, strict: Bool
) -> (Int, Int) {
    var xLen = max(xHi &- xSelf, xSelf &- xLo &+ 1), yLen = max(yHi &- ySelf, ySelf &- yLo &+ 1)
    var xh = min(xSelf, n &- xLen), xl = min(xLo, n &- xLen)
    var yh = min(ySelf, n &- yLen), yl = min(yLo, n &- yLen)
    if strict {
        while xLen > 1 || yLen > 1 {
            let hx = xLen >> 1, hy = yLen >> 1
            xh &+= hx & _lessMask(xs[xh &+ hx] - x, rx)
            xl &+= hx & ~_lessMask(x - xs[xl &+ hx], rx)
            yh &+= hy & _lessMask(ys[yh &+ hy] - y, ry)
            yl &+= hy & ~_lessMask(y - ys[yl &+ hy], ry)
            xLen &-= hx
            yLen &-= hy
        }
        xh &+= 1 & _lessMask(xs[xh] - x, rx)
        xl &+= 1 & ~_lessMask(x - xs[xl], rx)
        yh &+= 1 & _lessMask(ys[yh] - y, ry)
        yl &+= 1 & ~_lessMask(y - ys[yl], ry)
        return (rx > 0 ? xh &- xl &- 1 : 0, ry > 0 ? yh &- yl &- 1 : 0)
    } else {
        while xLen > 1 || yLen > 1 {
            let hx = xLen >> 1, hy = yLen >> 1
            xh &+= hx & ~_lessMask(rx, xs[xh &+ hx] - x)
            xl &+= hx & _lessMask(rx, x - xs[xl &+ hx])
            yh &+= hy & ~_lessMask(ry, ys[yh &+ hy] - y)
            yl &+= hy & _lessMask(ry, y - ys[yl &+ hy])
            xLen &-= hx
            yLen &-= hy
        }
        xh &+= 1 & ~_lessMask(rx, xs[xh] - x)
        xl &+= 1 & _lessMask(rx, x - xs[xl])
        yh &+= 1 & ~_lessMask(ry, ys[yh] - y)
        yl &+= 1 & _lessMask(ry, y - ys[yl])
        return (xh &- xl &- 1, yh &- yl &- 1)
    }
}
