// Internal: KSG neighbour counts when either variable has more than one dimension.
// Joint k-NN by a k-d tree over the concatenated (x, y) rows, built per pair; marginal
// counts by binary search (1-D variable) or range counting in the variable's own k-d tree
// (built once in `prepare`). Exact: equals the brute-force counts.

/// k-NN search state over a joint tree whose first `dx` coordinates are X.
private struct _JointSearch {
    let view: _KDView
    let dx: Int
    let strictStop: Bool
    var list: _NeighbourList
    var q: UnsafePointer<Double>
    var selfPos: Int

    @inline(__always) func split(_ row: UnsafePointer<Double>) -> (Double, Double) {
        var ax = 0.0, ay = 0.0
        for j in 0..<dx { let a = abs(row[j] - q[j]); ax = ax < a ? a : ax }
        for j in dx..<view.dim { let a = abs(row[j] - q[j]); ay = ay < a ? a : ay }
        return (ax, ay)
    }

    @inline(__always) func pruned(_ lb: Double) -> Bool {
        let e = list.kth
        return strictStop ? lb > e : lb >= e
    }

    mutating func knn(_ v: Int) {
        if view.isLeaf(v) {
            for p in Int(view.starts[v])..<Int(view.ends[v]) where p != selfPos {
                let (ax, ay) = split(view.points + p * view.dim)
                let d = ax < ay ? ay : ax
                if list.filled < list.capacity || d < list.dist[list.capacity - 1] { list.offer(d, ax, ay) }
            }
            return
        }
        let a = 2 * v + 1, b = 2 * v + 2
        let la = view.lowerBound(a, q), lb = view.lowerBound(b, q)
        let (first, lf, second, ls) = la <= lb ? (a, la, b, lb) : (b, lb, a, la)
        if !pruned(lf) { knn(first) }
        if !pruned(ls) { knn(second) }
    }

    /// Max marginal distances over every j ≠ self with joint distance ≤ eps (KSG-2 ties).
    func tiedMaxima(_ v: Int, _ eps: Double, _ ex: inout Double, _ ey: inout Double) {
        if view.lowerBound(v, q) > eps { return }
        if !view.isLeaf(v) {
            tiedMaxima(2 * v + 1, eps, &ex, &ey)
            tiedMaxima(2 * v + 2, eps, &ex, &ey)
            return
        }
        for p in Int(view.starts[v])..<Int(view.ends[v]) where p != selfPos {
            let (ax, ay) = split(view.points + p * view.dim)
            if (ax < ay ? ay : ax) <= eps { ex = max(ex, ax); ey = max(ey, ay) }
        }
    }
}

/// Marginal count (self excluded) for sample `i` of a prepared variable.
@inline(__always)
private func _marginalCount(
    _ v: KSG.Prepared, _ view: _KDView?, values: UnsafePointer<Double>,
    sorted: UnsafePointer<Double>?,
    i: Int, radius: Double, strict: Bool
) -> Int {
    let d = v.dimension
    if let sorted {
        return _sortedCount(sorted, n: v.count, x: values[i], radius: radius, strict: strict)
    }
    // d < r ⇔ d ≤ r.nextDown for doubles; a strict zero radius contains nothing, not even self.
    if strict && !(radius > 0) { return 0 }
    return view!.rangeCount(0, values + i * d, strict ? radius.nextDown : radius) - 1
}

/// Fills `hist[m]` with how many marginal terms have digamma argument m (see `KSG`). With
/// `khist` (the mixed estimator, KSG-1 counts): a sample whose k-th joint distance is 0 gets
/// k̃ = its exact joint duplicates (self included) in `khist` and n_x, n_y = the samples
/// equal to it in each variable; every other sample gets k̃ = k.
func _ksgTreeHistogram(
    x: KSG.Prepared, y: KSG.Prepared, k: Int, algorithm: KSGAlgorithm,
    hist: UnsafeMutablePointer<Int32>, khist: UnsafeMutablePointer<Int32>?
) {
    let n = x.count, dx = x.dimension, dy = y.dimension, dj = dx + dy
    var joint = [Double](repeating: 0, count: n * dj)
    let xValues = x.values, yValues = y.values
    for i in 0..<n {
        for j in 0..<dx { joint[i * dj + j] = xValues[i * dx + j] }
        for j in 0..<dy { joint[i * dj + dx + j] = yValues[i * dy + j] }
    }
    let tree = joint.withUnsafeBufferPointer { _KDTree(values: $0, count: n, dim: dj) }
    let capacity = algorithm == .ksg2 ? k + 1 : k
    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 3 * capacity)
    defer { scratch.deallocate() }
    tree.withView { jv in
        x.withUnsafeParts { xvals, xsorted, xview in
            y.withUnsafeParts { yvals, ysorted, yview in
                var s = _JointSearch(
                    view: jv, dx: dx, strictStop: algorithm == .ksg2,
                    list: _NeighbourList(k: k, capacity: capacity, scratch: scratch),
                    q: jv.points, selfPos: 0)
                for p in 0..<n {
                    let i = Int(tree.original[p])
                    s.q = jv.points + p * dj
                    s.selfPos = p
                    s.list.reset()
                    s.knn(0)
                    let eps = s.list.dist[k - 1]
                    var rx = eps, ry = eps
                    if algorithm == .ksg2 {
                        (rx, ry) = s.list.marginalMaxima
                        if s.list.kthIsTied {
                            rx = 0; ry = 0
                            s.tiedMaxima(0, eps, &rx, &ry)
                        }
                    }
                    if let khist {
                        if eps == 0 {
                            let m = jv.rangeCount(0, s.q, 0)
                            let nx = _marginalCount(x, xview, values: xvals, sorted: xsorted, i: i, radius: 0, strict: false)
                            let ny = _marginalCount(y, yview, values: yvals, sorted: ysorted, i: i, radius: 0, strict: false)
                            hist[nx + 1] += 1
                            hist[ny + 1] += 1
                            khist[m] += 1
                            continue
                        }
                        khist[k] += 1
                    }
                    let strict = algorithm == .ksg1
                    let nx = _marginalCount(x, xview, values: xvals, sorted: xsorted,
                                            i: i, radius: rx, strict: strict)
                    let ny = _marginalCount(y, yview, values: yvals, sorted: ysorted,
                                            i: i, radius: ry, strict: strict)
                    let shift = strict ? 1 : 0
                    hist[nx + shift] += 1
                    hist[ny + shift] += 1
                }
            }
        }
    }
}
