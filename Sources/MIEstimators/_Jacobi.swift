/// Cyclic Jacobi eigen-decomposition of the d × d symmetric row-major matrix at `a`, in
/// place: on return the diagonal of `a` holds the eigenvalues and the columns of `v` (d × d,
/// row-major, overwritten) the eigenvectors. Sweeps until the off-diagonal mass is below
/// 2⁻¹⁰⁴ of the total, at most 64 sweeps; a fixed rotation order, so the same input gives
/// the same bits. Shared by ``Normalization`` (whitening's rank and canonical rotation) and
/// the LNC kernel (local principal axes), which calls it once per sample without allocating.
///
/// - Complexity: O(d³) per sweep.
func _jacobiEigen(_ a: UnsafeMutablePointer<Double>, _ v: UnsafeMutablePointer<Double>, _ d: Int) {
    for r in 0..<(d * d) { v[r] = 0 }
    for j in 0..<d { v[j * d + j] = 1 }
    var total = 0.0
    for r in 0..<(d * d) { total += a[r] * a[r] }
    for _ in 0..<64 {
        var off = 0.0
        for p in 0..<d { for q in 0..<d where q != p { off += a[p * d + q] * a[p * d + q] } }
        if !(off > total * 0x1p-104) { break }
        for p in 0..<d {
            for q in (p + 1)..<max(d, p + 1) where a[p * d + q] != 0 {
                let apq = a[p * d + q]
                let theta = (a[q * d + q] - a[p * d + p]) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<d {
                    let akp = a[k * d + p], akq = a[k * d + q]
                    a[k * d + p] = c * akp - s * akq
                    a[k * d + q] = s * akp + c * akq
                }
                for k in 0..<d {
                    let apk = a[p * d + k], aqk = a[q * d + k]
                    a[p * d + k] = c * apk - s * aqk
                    a[q * d + k] = s * apk + c * aqk
                }
                for k in 0..<d {
                    let vkp = v[k * d + p], vkq = v[k * d + q]
                    v[k * d + p] = c * vkp - s * vkq
                    v[k * d + q] = s * vkp + c * vkq
                }
            }
        }
    }
}
