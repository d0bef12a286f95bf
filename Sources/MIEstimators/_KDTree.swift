// Internal: an immutable k-d tree under the max-norm, used for joint k-NN search (built per
// pair) and for marginal range counts of multi-dimensional variables (built once per
// variable). All pruning uses bounding boxes compared with the same floating-point
// subtractions a brute-force loop performs; rounding is monotone, so every answer equals
// the brute-force answer exactly.

final class _KDTree: Sendable {
    let count: Int
    let dim: Int
    static let leafSize = 32
    /// Points in tree order, row-major (`count * dim`).
    let points: [Double]
    /// Tree position → original sample index.
    let original: [Int32]
    /// Node v covers tree positions nodeStart[v] ..< nodeEnd[v]; children 2v+1, 2v+2.
    let nodeStart: [Int32]
    let nodeEnd: [Int32]
    /// Node v's tight bounding box: lo at `v*2*dim`, hi at `v*2*dim + dim`.
    let boxes: [Double]

    /// Builds the tree over `n` rows of `dim` values (row-major).
    /// - Complexity: O(n·dim·log n) expected.
    init(values: UnsafeBufferPointer<Double>, count n: Int, dim: Int) {
        precondition(n < Int(Int32.max))
        count = n
        self.dim = dim
        var levels = 0
        var size = n
        while size > _KDTree.leafSize { size = (size + 1) / 2; levels += 1 }
        let nodes = (1 << (levels + 1)) - 1
        var perm = [Int32](unsafeUninitializedCapacity: n) { b, c in
            for i in 0..<n { b[i] = Int32(i) }
            c = n
        }
        var starts = [Int32](repeating: 0, count: nodes)
        var ends = [Int32](repeating: 0, count: nodes)
        var box = [Double](repeating: 0, count: nodes * 2 * dim)
        perm.withUnsafeMutableBufferPointer { pm in
            starts.withUnsafeMutableBufferPointer { st in
                ends.withUnsafeMutableBufferPointer { en in
                    box.withUnsafeMutableBufferPointer { bx in
                        var b = _KDBuilder(values: values, dim: dim, perm: pm, starts: st, ends: en, boxes: bx)
                        if n > 0 { b.build(node: 0, start: 0, end: n) }
                    }
                }
            }
        }
        var pts = [Double](repeating: 0, count: n * dim)
        for p in 0..<n {
            let i = Int(perm[p])
            for j in 0..<dim { pts[p * dim + j] = values[i * dim + j] }
        }
        points = pts
        original = perm
        nodeStart = starts
        nodeEnd = ends
        boxes = box
    }
}

private struct _KDBuilder {
    let values: UnsafeBufferPointer<Double>
    let dim: Int
    let perm: UnsafeMutableBufferPointer<Int32>
    let starts: UnsafeMutableBufferPointer<Int32>
    let ends: UnsafeMutableBufferPointer<Int32>
    let boxes: UnsafeMutableBufferPointer<Double>

    @inline(__always) func key(_ p: Int, _ j: Int) -> Double { values[Int(perm[p]) * dim + j] }

    mutating func build(node v: Int, start: Int, end: Int) {
        starts[v] = Int32(start)
        ends[v] = Int32(end)
        let lo = v * 2 * dim, hi = lo + dim
        for j in 0..<dim { boxes[lo + j] = .infinity; boxes[hi + j] = -.infinity }
        for p in start..<end {
            let row = Int(perm[p]) * dim
            for j in 0..<dim {
                let a = values[row + j]
                if a < boxes[lo + j] { boxes[lo + j] = a }
                if a > boxes[hi + j] { boxes[hi + j] = a }
            }
        }
        guard end - start > _KDTree.leafSize else { return }
        var split = 0
        var widest = -1.0
        for j in 0..<dim where boxes[hi + j] - boxes[lo + j] > widest {
            widest = boxes[hi + j] - boxes[lo + j]
            split = j
        }
        let mid = (start + end) / 2
        select(start, end - 1, mid, split)
        build(node: 2 * v + 1, start: start, end: mid)
        build(node: 2 * v + 2, start: mid, end: end)
    }

    /// Hoare quickselect (median-of-three pivot): afterwards keys at [l, kth) ≤ key(kth) ≤ keys at (kth, r].
    func select(_ left: Int, _ right: Int, _ kth: Int, _ j: Int) {
        var l = left, r = right
        while r > l {
            let m = l + (r - l) / 2
            let a = key(l, j), b = key(m, j), c = key(r, j)
            let pivot = max(min(a, b), min(max(a, b), c))
            var i = l, k = r
            while i <= k {
                while key(i, j) < pivot { i += 1 }
                while key(k, j) > pivot { k -= 1 }
                if i <= k { perm.swapAt(i, k); i += 1; k -= 1 }
            }
            if kth <= k { r = k } else if kth >= i { l = i } else { return }
        }
    }
}

/// Read-only view of a tree for queries (pointers obtained once per estimate call).
struct _KDView {
    let dim: Int
    let points: UnsafePointer<Double>
    let starts: UnsafePointer<Int32>
    let ends: UnsafePointer<Int32>
    let boxes: UnsafePointer<Double>

    /// Max-norm distance lower bound from q to node v's box.
    @inline(__always) func lowerBound(_ v: Int, _ q: UnsafePointer<Double>) -> Double {
        let lo = boxes + v * 2 * dim, hi = lo + dim
        var lb = 0.0
        for j in 0..<dim {
            let g = q[j] < lo[j] ? lo[j] - q[j] : (q[j] > hi[j] ? q[j] - hi[j] : 0)
            lb = lb < g ? g : lb
        }
        return lb
    }

    /// Max-norm distance upper bound from q to any point in node v's box.
    @inline(__always) func upperBound(_ v: Int, _ q: UnsafePointer<Double>) -> Double {
        let lo = boxes + v * 2 * dim, hi = lo + dim
        var ub = 0.0
        for j in 0..<dim {
            let g = Swift.max(hi[j] - q[j], q[j] - lo[j])
            ub = ub < g ? g : ub
        }
        return ub
    }

    @inline(__always) func isLeaf(_ v: Int) -> Bool {
        Int(ends[v]) - Int(starts[v]) <= _KDTree.leafSize
    }

    /// Number of tree points (the query point included, if it is in the tree) within
    /// max-norm distance `radius` of `q` (non-strict: `≤ radius`). For a strict count
    /// pass `radius.nextDown`: for doubles, d < r ⇔ d ≤ r.nextDown, exactly.
    func rangeCount(_ v: Int, _ q: UnsafePointer<Double>, _ radius: Double) -> Int {
        let lo = boxes + v * 2 * dim, hi = lo + dim
        var inside = true
        for j in 0..<dim {
            let qj = q[j]
            // Every point p of the box has fl(p_j − q_j) ≥ fl(lo_j − q_j), etc. (monotone rounding).
            if lo[j] - qj > radius || qj - hi[j] > radius { return 0 }
            inside = inside && hi[j] - qj <= radius && qj - lo[j] <= radius
        }
        let s = Int(starts[v]), e = Int(ends[v])
        if inside { return e - s }
        if e - s > _KDTree.leafSize {
            return rangeCount(2 * v + 1, q, radius) + rangeCount(2 * v + 2, q, radius)
        }
        var c = 0
        for p in s..<e {
            let row = points + p * dim
            var d = 0.0
            for j in 0..<dim {
                let a = abs(row[j] - q[j])
                d = d < a ? a : d
            }
            c &+= d <= radius ? 1 : 0
        }
        return c
    }
}

extension _KDTree {
    /// Runs `body` with a query view whose pointers stay valid for the call.
    func withView<R>(_ body: (_KDView) throws -> R) rethrows -> R {
        try points.withUnsafeBufferPointer { pts in
            try nodeStart.withUnsafeBufferPointer { st in
                try nodeEnd.withUnsafeBufferPointer { en in
                    try boxes.withUnsafeBufferPointer { bx in
                        try body(_KDView(dim: dim, points: pts.baseAddress!, starts: st.baseAddress!,
                                         ends: en.baseAddress!, boxes: bx.baseAddress!))
                    }
                }
            }
        }
    }
}
