// Internal: KSG neighbour counts by exact blocked brute force, for pairs whose joint
// dimension is high enough that a k-d tree no longer prunes (see `KSG.NeighbourSearch`).
// Every query's marginal max-norm distances to all n samples are computed by the vector
// kernel `mib_maxnorm_block_f64` (CMIKernels/maxnorm.c), a block of queries at a time;
// the k-th joint distance, the KSG-2 marginal maxima and the marginal counts are then read
// off those rows. The distances are the same floating-point values the tree search
// computes (|a − b| per coordinate, maximum over coordinates, exact), and every rule below
// restates the tree search's rule as a set predicate, so the histogram — hence Î — is
// bit-identical to `_ksgTreeHistogram`'s.
import CMIKernels

/// Queries per kernel call (a multiple of the kernel's 4-query micro-tile).
private let _bruteBlock = 32

/// Candidates of `values` (n rows of d, row-major) packed in panels of 8, dimension by
/// dimension; the padding lanes of the last panel repeat sample n − 1 (their outputs are
/// never read).
private func _packPanels(_ values: UnsafePointer<Double>, n: Int, d: Int) -> [Double] {
    let panels = (n + 7) / 8
    return [Double](unsafeUninitializedCapacity: panels * 8 * d) { buf, count in
        for p in 0..<panels {
            let base = p * 8 * d
            for lane in 0..<8 {
                let row = values + min(p * 8 + lane, n - 1) * d
                for k in 0..<d { buf[base + k * 8 + lane] = row[k] }
            }
        }
        count = panels * 8 * d
    }
}

/// Fills `hist` (and `khist` for the mixed estimator) exactly as `_ksgTreeHistogram` does.
///
/// - Complexity: O(n²·(d_x + d_y)) time; O(n·(d_x + d_y) + 64·n) extra memory.
func _ksgBruteForceHistogram(
    x: KSG.Prepared, y: KSG.Prepared, k: Int, algorithm: KSGAlgorithm,
    hist: UnsafeMutablePointer<Int32>, khist: UnsafeMutablePointer<Int32>?
) {
    let n = x.count, dx = x.dimension, dy = y.dimension
    let xValues = x.values, yValues = y.values
    let panels = (n + 7) / 8, stride = panels * 8
    let packedX = xValues.withUnsafeBufferPointer { _packPanels($0.baseAddress!, n: n, d: dx) }
    let packedY = yValues.withUnsafeBufferPointer { _packPanels($0.baseAddress!, n: n, d: dy) }
    let rows = UnsafeMutablePointer<Double>.allocate(capacity: 2 * _bruteBlock * stride)
    defer { rows.deallocate() }
    let top = UnsafeMutablePointer<Double>.allocate(capacity: k)
    defer { top.deallocate() }
    xValues.withUnsafeBufferPointer { xv in
      yValues.withUnsafeBufferPointer { yv in
        packedX.withUnsafeBufferPointer { px in
          packedY.withUnsafeBufferPointer { py in
            var i0 = 0
            while i0 < n {
                let nq = min(_bruteBlock, n - i0)
                let ax = rows, ay = rows + _bruteBlock * stride
                ax.update(repeating: 0, count: 2 * _bruteBlock * stride)
                mib_maxnorm_block_f64(ax, stride, xv.baseAddress! + i0 * dx, nq, px.baseAddress!, panels, dx)
                mib_maxnorm_block_f64(ay, stride, yv.baseAddress! + i0 * dy, nq, py.baseAddress!, panels, dy)
                for b in 0..<nq {
                    _bruteRow(i: i0 + b, n: n, k: k, algorithm: algorithm, ax: ax + b * stride, ay: ay + b * stride,
                              top: top, hist: hist, khist: khist)
                }
                i0 += nq
            }
          }
        }
      }
    }
}

/// One sample's histogram entries from its marginal distance rows (self at index i).
@inline(__always)
private func _bruteRow(
    i: Int, n: Int, k: Int, algorithm: KSGAlgorithm,
    ax: UnsafeMutablePointer<Double>, ay: UnsafeMutablePointer<Double>, top: UnsafeMutablePointer<Double>,
    hist: UnsafeMutablePointer<Int32>, khist: UnsafeMutablePointer<Int32>?
) {
    // ε = the k-th smallest joint distance over j ≠ i (the tree's list.dist[k − 1]).
    // Self is set to +∞ in both rows for the selection and the maxima, restored for counts.
    ax[i] = .infinity
    ay[i] = .infinity
    for s in 0..<k { top[s] = .infinity }
    let last = k - 1
    for j in 0..<n {
        let a = ax[j], c = ay[j]
        let d = a < c ? c : a
        if d < top[last] {
            var pos = last
            while pos > 0 && top[pos - 1] > d { top[pos] = top[pos - 1]; pos -= 1 }
            top[pos] = d
        }
    }
    let eps = top[last]
    var rx = eps, ry = eps
    if algorithm == .ksg2 {
        // The tree takes the maxima over the k nearest, or over every j with joint
        // distance ≤ ε when the k-th is tied; both are the set {j ≠ i : d_ij ≤ ε}.
        rx = 0; ry = 0
        for j in 0..<n {
            let a = ax[j], c = ay[j]
            if (a < c ? c : a) <= eps { rx = rx < a ? a : rx; ry = ry < c ? c : ry }
        }
    }
    ax[i] = 0
    ay[i] = 0
    if let khist {
        if eps == 0 {
            // m: exact joint duplicates, self included; n_x, n_y: equal values, self excluded.
            var m = 0, nx = -1, ny = -1
            for j in 0..<n {
                let zx = ax[j] <= 0, zy = ay[j] <= 0
                nx &+= zx ? 1 : 0
                ny &+= zy ? 1 : 0
                m &+= (zx && zy) ? 1 : 0
            }
            hist[nx + 1] += 1
            hist[ny + 1] += 1
            khist[m] += 1
            return
        }
        khist[k] += 1
    }
    var nx = 0, ny = 0
    if algorithm == .ksg1 {
        // Strict: j ≠ i with distance < r (a strict zero radius holds nothing).
        for j in 0..<n {
            nx &+= ax[j] < rx ? 1 : 0
            ny &+= ay[j] < ry ? 1 : 0
        }
        nx -= 0 < rx ? 1 : 0
        ny -= 0 < ry ? 1 : 0
        hist[nx + 1] += 1
        hist[ny + 1] += 1
    } else {
        for j in 0..<n {
            nx &+= ax[j] <= rx ? 1 : 0
            ny &+= ay[j] <= ry ? 1 : 0
        }
        hist[nx - 1] += 1
        hist[ny - 1] += 1
    }
}
