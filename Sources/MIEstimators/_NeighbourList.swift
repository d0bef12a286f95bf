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
        filled > k && dist[k] == dist[k - 1]
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

/// Marginal neighbour count in a sorted 1-D column, excluding the sample itself.
///
/// Counts positions p ≠ `rank` with `|xs[p] − x| < radius` (strict) or `≤ radius`, where
/// the difference is the same floating-point subtraction a brute-force loop performs.
/// Because rounding is monotone, that predicate is monotone on each side of `rank`, so
/// two binary searches give exactly the brute-force count (no epsilon anywhere).
@inline(__always)
func _sortedCount(
    _ xs: UnsafePointer<Double>, n: Int, rank: Int, x: Double, radius: Double, strict: Bool
) -> Int {
    // Right side: positions rank+1 ..< n, predicate "xs[p] − x within radius" true-then-false.
    var base = rank + 1
    var len = n - base
    if len > 0 {
        while len > 1 {
            let half = len >> 1
            let d = xs[base + half] - x
            let inside = strict ? d < radius : d <= radius
            base = inside ? base + half : base
            len -= half
        }
        let d = xs[base] - x
        base += (strict ? d < radius : d <= radius) ? 1 : 0
    }
    let right = base - (rank + 1)
    // Left side: positions 0 ..< rank, predicate "x − xs[p] within radius" false-then-true.
    // Count of the true suffix = rank − (first true position).
    var lo = 0
    len = rank
    if len > 0 {
        while len > 1 {
            let half = len >> 1
            let d = x - xs[lo + half - 1]
            let inside = strict ? d < radius : d <= radius
            lo = inside ? lo : lo + half
            len -= half
        }
        let d = x - xs[lo]
        lo += (strict ? d < radius : d <= radius) ? 0 : 1
    }
    return right + (rank - lo)
}
