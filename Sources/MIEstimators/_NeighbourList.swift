// Internal: the k (or k+1) smallest joint distances seen so far, with their marginal parts.

/// Sorted list of the `capacity` smallest offered distances (ties kept in offer order).
///
/// Storage is caller-provided scratch of `capacity` slots per array, so a search
/// allocates nothing. `kth` is the k-th smallest distance so far (∞ until k are known).
struct _NeighbourList {
    let k: Int
    let capacity: Int
    var filled = 0
    let dist: UnsafeMutablePointer<Double>
    let distX: UnsafeMutablePointer<Double>
    let distY: UnsafeMutablePointer<Double>

    init(k: Int, capacity: Int, scratch: UnsafeMutablePointer<Double>) {
        self.k = k
        self.capacity = capacity
        dist = scratch
        distX = scratch + capacity
        distY = scratch + 2 * capacity
    }

    @inline(__always) mutating func reset() { filled = 0 }

    /// The k-th smallest distance offered so far, +∞ if fewer than k.
    @inline(__always) var kth: Double { filled >= k ? dist[k - 1] : .infinity }

    /// Offers a candidate with joint distance `d = max(dx, dy)`.
    @inline(__always)
    mutating func offer(_ d: Double, _ dx: Double, _ dy: Double) {
        var pos: Int
        if filled < capacity {
            pos = filled
            filled += 1
        } else {
            guard d < dist[capacity - 1] else { return }
            pos = capacity - 1
        }
        while pos > 0 && dist[pos - 1] > d {
            dist[pos] = dist[pos - 1]
            distX[pos] = distX[pos - 1]
            distY[pos] = distY[pos - 1]
            pos -= 1
        }
        dist[pos] = d
        distX[pos] = dx
        distY[pos] = dy
    }

    /// True when the (k+1)-th smallest distance equals the k-th: the k-NN set is tied and
    /// the KSG-2 rule (all points within ε) needs a second pass. Needs capacity k + 1.
    @inline(__always) var kthIsTied: Bool {
        filled > k && dist[k] == dist[k - 1] && dist[k] < .infinity
    }

    /// Largest marginal distances among the first k entries.
    @inline(__always) var marginalMaxima: (Double, Double) {
        var ex = 0.0, ey = 0.0
        for s in 0..<min(k, filled) {
            ex = Swift.max(ex, distX[s])
            ey = Swift.max(ey, distY[s])
        }
        return (ex, ey)
    }
}

/// All-ones if `a < r`, else 0, for finite `a`, `r` (never NaN): the exact difference
/// of two doubles is 0 only when they are equal (and then rounds to +0), and otherwise
/// rounds to a nonzero value of the same sign — so the sign bit of fl(a − r) is exactly
/// the comparison. Integer masks keep LLVM from turning binary searches into
/// unpredictable branches.
@inline(__always)
func _lessMask(_ a: Double, _ r: Double) -> Int {
    Int(bitPattern: UInt((a - r).bitPattern)) >> 63
}

/// Marginal neighbour counts (self excluded) of one sample in two sorted 1-D columns.
///
/// Counts positions p with `|xs[p] − x| < rx` (strict) or `≤ rx`, where the difference
/// is the same floating-point subtraction a brute-force loop performs, and likewise in
/// `ys`. Over the whole sorted array, fl(xs[p] − x) is non-decreasing in p (rounding is
/// monotone), so the inside set is an interval [lo, hi) found by two binary searches;
/// all four searches run interleaved with a fixed step count and no branches. Equals
/// the brute-force counts exactly.
@inline(__always)
func _sortedCounts(
    _ xs: UnsafePointer<Double>, _ ys: UnsafePointer<Double>, n: Int,
    x: Double, y: Double, rx: Double, ry: Double, strict: Bool
) -> (Int, Int) {
    var xh = 0, xl = 0, yh = 0, yl = 0
    var len = n
    if strict {
        // hi: first p with ¬(xs[p] − x < r);  lo: first p with (x − xs[p] < r).
        while len > 1 {
            let half = len >> 1
            xh &+= half & _lessMask(xs[xh + half] - x, rx)
            xl &+= half & ~_lessMask(x - xs[xl + half], rx)
            yh &+= half & _lessMask(ys[yh + half] - y, ry)
            yl &+= half & ~_lessMask(y - ys[yl + half], ry)
            len -= half
        }
        xh &+= 1 & _lessMask(xs[xh] - x, rx)
        xl &+= 1 & ~_lessMask(x - xs[xl], rx)
        yh &+= 1 & _lessMask(ys[yh] - y, ry)
        yl &+= 1 & ~_lessMask(y - ys[yl], ry)
        // A zero radius contains nothing (not even the sample itself).
        return (rx > 0 ? xh - xl - 1 : 0, ry > 0 ? yh - yl - 1 : 0)
    } else {
        // a ≤ r  ⇔  ¬(r < a)
        while len > 1 {
            let half = len >> 1
            xh &+= half & ~_lessMask(rx, xs[xh + half] - x)
            xl &+= half & _lessMask(rx, x - xs[xl + half])
            yh &+= half & ~_lessMask(ry, ys[yh + half] - y)
            yl &+= half & _lessMask(ry, y - ys[yl + half])
            len -= half
        }
        xh &+= 1 & ~_lessMask(rx, xs[xh] - x)
        xl &+= 1 & _lessMask(rx, x - xs[xl])
        yh &+= 1 & ~_lessMask(ry, ys[yh] - y)
        yl &+= 1 & _lessMask(ry, y - ys[yl])
        return (xh - xl - 1, yh - yl - 1)
    }
}

/// Single-column form of ``_sortedCounts`` (self excluded).
@inline(__always)
func _sortedCount(_ xs: UnsafePointer<Double>, n: Int, x: Double, radius: Double, strict: Bool) -> Int {
    _sortedCounts(xs, xs, n: n, x: x, y: x, rx: radius, ry: radius, strict: strict).0
}
