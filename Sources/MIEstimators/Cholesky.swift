/// The lower Cholesky factor shared by GCMI's log-determinants and the whitening
/// normalization.
enum Cholesky {
    /// Lower factor L of the symmetric d×d matrix `a` (row-major), a = L·Lᵀ, or `nil` as
    /// soon as `accepts(j, pivot)` refuses the pivot of column j (the caller's test of
    /// numerical positive definiteness) before its square root is taken.
    ///
    /// - Complexity: O(d³).
    static func factor(_ a: [Double], dimension d: Int, accepts: (_ column: Int, _ pivot: Double) -> Bool) -> [Double]? {
        var l = a
        for j in 0..<d {
            var pivot = l[j * d + j]
            for k in 0..<j { pivot -= l[j * d + k] * l[j * d + k] }
            guard accepts(j, pivot) else { return nil }
            let root = pivot.squareRoot()
            l[j * d + j] = root
            for i in (j + 1)..<max(d, j + 1) {
                var value = l[i * d + j]
                for k in 0..<j { value -= l[i * d + k] * l[j * d + k] }
                l[i * d + j] = value / root
            }
        }
        // The strict upper triangle still holds `a`'s entries: clear it.
        for i in 0..<d { for j in (i + 1)..<max(d, i + 1) { l[i * d + j] = 0 } }
        return l
    }
}
