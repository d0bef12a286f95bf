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
