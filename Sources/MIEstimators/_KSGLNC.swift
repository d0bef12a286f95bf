// Internal: the local non-uniformity correction (LNC) of Gao, Ver Steeg and Galstyan 2015,
// per sample, on caller-provided scratch (nothing is allocated per sample).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scratch for one LNC pass over n samples of a d-dimensional joint space with k neighbours.
struct _LNCScratch {
    let k: Int
    let d: Int
    /// k nearest distances, ascending.
    let nd: UnsafeMutablePointer<Double>
    /// Their sample indices.
    let ni: UnsafeMutablePointer<Int>
    /// k × d neighbour offsets z_j − z_i.
    let diff: UnsafeMutablePointer<Double>
    /// d × d matrix (the local scatter, rotated in place by Jacobi).
    let a: UnsafeMutablePointer<Double>
    /// d × d eigenvectors (columns).
    let v: UnsafeMutablePointer<Double>

    init(k: Int, d: Int) {
        self.k = k
        self.d = d
        nd = .allocate(capacity: k)
        ni = .allocate(capacity: k)
        diff = .allocate(capacity: k * d)
        a = .allocate(capacity: d * d)
        v = .allocate(capacity: d * d)
    }

    func deallocate() {
        nd.deallocate(); ni.deallocate(); diff.deallocate(); a.deallocate(); v.deallocate()
    }
}

/// The k nearest neighbours of sample `i` (self excluded) in max-norm over the n × d rows
/// `z`, ascending by distance, ties by sample index (exact brute force).
@inline(__always)
private func _lncNeighbours(_ z: UnsafePointer<Double>, n: Int, i: Int, _ s: _LNCScratch) {
    let d = s.d, k = s.k
    var filled = 0
    let q = z + i * d
    for j in 0..<n where j != i {
        let row = z + j * d
        let bound = filled == k ? s.nd[k - 1] : Double.infinity
        var dist = 0.0
        var c = 0
        while c < d {
            let e = abs(row[c] - q[c])
            if e > dist { dist = e; if dist >= bound { break } }
            c += 1
        }
        if dist >= bound { continue }
        // Insert (dist, j): strictly smaller than the k-th, so earlier indices stay first on ties.
        var p = filled == k ? k - 1 : filled
        if filled < k { filled += 1 }
        while p > 0 && s.nd[p - 1] > dist {
            s.nd[p] = s.nd[p - 1]; s.ni[p] = s.ni[p - 1]; p -= 1
        }
        s.nd[p] = dist; s.ni[p] = j
    }
}

/// Per-sample LNC terms into `terms` (n of them): log V(i) − log V̄(i) when
/// V̄(i)/V(i) < α, else 0. V(i) is the bounding box of the k nearest neighbours (max-norm,
/// self excluded) about sample i, Π_c max_j |z_jc − z_ic|; V̄(i) the box about i aligned with
/// the principal axes of the k offsets (eigenvectors of Σ_j (z_j − z_i)(z_j − z_i)ᵀ),
/// Π_c max_j |v_cᵀ(z_j − z_i)|. Both are half-widths, so the 2^d factors cancel. A sample
/// whose either box has zero volume (repeated values, neighbours in a subspace) gets 0.
///
/// - Precondition: n > k ≥ d ≥ 1; `z` holds n × d rows.
/// - Complexity: O(n²·d) for the neighbours plus O(n·(k·d² + d³)) for the boxes.
func _lncTerms(_ z: UnsafePointer<Double>, n: Int, d: Int, k: Int, logAlpha: Double,
               terms: UnsafeMutablePointer<Double>) {
    let s = _LNCScratch(k: k, d: d)
    defer { s.deallocate() }
    for i in 0..<n {
        _lncNeighbours(z, n: n, i: i, s)
        let q = z + i * d
        var logBox = 0.0
        for c in 0..<d {
            var m = 0.0
            for j in 0..<k {
                let e = z[s.ni[j] * d + c] - q[c]
                s.diff[j * d + c] = e
                m = max(m, abs(e))
            }
            logBox += log(m)
        }
        guard logBox.isFinite else { terms[i] = 0; continue }
        for r in 0..<d {
            for c in 0...r {
                var acc = 0.0
                for j in 0..<k { acc += s.diff[j * d + r] * s.diff[j * d + c] }
                s.a[r * d + c] = acc
                s.a[c * d + r] = acc
            }
        }
        _jacobiEigen(s.a, s.v, s.d)
        var logPCA = 0.0
        for c in 0..<d {
            var m = 0.0
            for j in 0..<k {
                var p = 0.0
                for r in 0..<d { p += s.v[r * d + c] * s.diff[j * d + r] }
                m = max(m, abs(p))
            }
            logPCA += log(m)
        }
        guard logPCA.isFinite else { terms[i] = 0; continue }
        terms[i] = logPCA < logBox + logAlpha ? logBox - logPCA : 0
    }
}
