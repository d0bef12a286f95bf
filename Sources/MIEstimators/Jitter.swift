extension VariableData {
    /// Returns a copy with seeded **uniform** noise added to every entry, to break ties in
    /// discrete or rounded data.
    ///
    /// Entry `(i, j)` becomes `v + scale · s · u`, with `u` uniform in [−1, 1) and
    /// `s = Normalization.globalLinf.statistic(of: self)` — the variable's spread
    /// (mean over samples of the max-norm distance to the per-dimension mean), not its
    /// mean, so the noise is relative and shift-free. Draws come from
    /// `SeededGenerator(seed: seed, stream: variableIndex)` in row-major order, so the noise
    /// depends only on `(seed, variableIndex)` and the shape — identical for any thread
    /// count, pair order or sharding.
    ///
    /// Guarantees: `|jittered − original| ≤ scale · s` entry-wise (up to one rounding of the
    /// sum); `scale == 0`, an empty variable, or a variable with zero/non-finite spread
    /// (constant, or containing NaN/∞) is returned unchanged — a constant variable stays
    /// constant and is still reported as such by ``Normalization``.
    ///
    /// - Precondition: `scale >= 0` and finite.
    /// - Complexity: O(n·d).
    public func jittered(scale: Double, seed: UInt64, variableIndex: UInt64) -> VariableData {
        precondition(scale >= 0 && scale.isFinite, "jittered: scale must be finite and >= 0")
        guard scale > 0, count > 0,
            let s = Normalization.globalLinf.statistic(of: self), s > 0, s.isFinite
        else { return self }
        let amplitude = scale * s
        var rng = SeededGenerator(seed: seed, stream: variableIndex)
        var out = values
        for idx in out.indices {
            out[idx] += amplitude * rng.nextSignedUnit()
        }
        return VariableData(count: count, dimension: dimension, values: out)
    }
}
