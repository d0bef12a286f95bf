import Foundation

/// Selection statistics of a sparse source from its stored values alone.
extension SparseSource {
    /// ``VariableStatistics`` of every catalog variable in one pass over the stored values:
    /// the samples not stored are zeros, which count for the minimum (0) and enter the
    /// log1p variance as log1p(0) = 0.
    ///
    /// Per variable, stored values that are finite and above −1 are summarised by Welford's
    /// algorithm (mean, M2) and combined with the z implicit zeros as a second group of mean 0
    /// and M2 0 (Chan et al.): M2 = M2ₛ + meanₛ² · c · z / (c + z), variance M2 / (c + z − 1).
    /// The same quantity as ``VariableStatistics/init(_:)`` over the dense values, computed
    /// in another order, so it can differ from it in the last bits.
    ///
    /// - Complexity: O(stored values + variables axis) time; O(variables axis + `bandBytes`) memory.
    func variableStatistics(bandBytes: Int) throws(MIBatchError) -> [VariableStatistics] {
        let axis = catalog.datasets[0].variableAxis
        let byVariable = catalog.datasets[0].transposed == (matrix.compression == .rows)
        var stored = [Int](repeating: 0, count: axis)
        var nonZero = [Int](repeating: 0, count: axis)
        var minimum = [Double](repeating: .infinity, count: axis)
        var count = [Int](repeating: 0, count: axis)
        var mean = [Double](repeating: 0, count: axis)
        var m2 = [Double](repeating: 0, count: axis)
        try matrix.forEachBand(0..<matrix.majorCount, bandBytes: bandBytes) { band, offsets, indices, values in
            for (local, major) in band.enumerated() {
                for k in offsets[local]..<offsets[local + 1] {
                    let p = byVariable ? major : indices[k]
                    let x = values[k]
                    stored[p] += 1
                    guard x.isFinite else { continue }
                    if x != 0 { nonZero[p] += 1 }
                    minimum[p] = Swift.min(minimum[p], x)
                    guard x > -1 else { continue }
                    let y = x.isZero ? 0 : Foundation.log1p(x)
                    count[p] += 1
                    let delta = y - mean[p]
                    mean[p] += delta / Double(count[p])
                    m2[p] += delta * (y - mean[p])
                }
            }
        }
        let n = catalog.samples
        return catalog.variables.map { descriptor in
            let p = descriptor.columns.lowerBound
            let zeros = n - stored[p]
            let total = count[p] + zeros
            let spread = total > 0 ? m2[p] + mean[p] * mean[p] * Double(count[p]) * Double(zeros) / Double(total) : 0
            return VariableStatistics(nonZero: nonZero[p], log1pVariance: total > 1 ? spread / Double(total - 1) : 0,
                                      minimum: zeros > 0 ? Swift.min(minimum[p], 0) : minimum[p])
        }
    }
}
