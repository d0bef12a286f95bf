import CMIKernels

/// The unsafe core of the MINE trainer: an MLP statistics network whose parameters,
/// gradients, optimizer moments and activations live in buffers allocated once per
/// network (i.e. once per estimate). Nothing here allocates per step.
///
/// Layout (row-major everywhere; `s_0 = d_X + d_Y`, `s_1 … s_L` hidden, `s_{L+1} = 1`):
/// - parameters `[W_0, b_0, W_1, b_1, …, W_L, b_L]`, `W_l` is `s_l × s_{l+1}` (input-major, so a
///   sample's pre-activation is `b_l + Σ_k a_k · W_l[k, :]`, an axpy over contiguous memory);
/// - `transposed` holds every `W_l` transposed, refreshed after every update, so the
///   backward pass to the inputs of layer l is also a sum of contiguous rows (no horizontal
///   reductions);
/// - activations: `act[0]` the input rows, `act[l]` the post-ReLU outputs of hidden layer l,
///   `out` the scalar outputs; `delta[0]`, `delta[1]` are ping-pong buffers for ∂loss/∂z.
///
/// The three products (forward, weight gradient, input gradient) are linear combinations
/// of contiguous rows (``_mineCombineRows``, SIMD accumulators held in registers), summed
/// only over the nonzero multipliers — ReLU makes about half of them zero, which halves
/// the work. Nonzero lists are built branch-free. Summation order is fixed (no
/// reassociation, no FMA contraction), so results are bit-reproducible.
final class _MINENetwork<T: _MINEScalar> {
    let sizes: [Int]
    let rowCapacity: Int
    let parameterCount: Int
    let wOffset: [Int], bOffset: [Int]
    let params: UnsafeMutableBufferPointer<T>
    let grads: UnsafeMutableBufferPointer<T>
    let moment1: UnsafeMutableBufferPointer<T>
    let moment2: UnsafeMutableBufferPointer<T>
    let transposed: UnsafeMutableBufferPointer<T>  // every W_l transposed, same offsets as `params`
    let act: [UnsafeMutableBufferPointer<T>]       // act[l]: rowCapacity × sizes[l], l = 0…L
    let out: UnsafeMutableBufferPointer<T>         // rowCapacity
    let delta: [UnsafeMutableBufferPointer<T>]     // 2 × (rowCapacity × max hidden)
    /// nonzero[l][i · s_l ..< i · s_l + nonzeroCount[l][i]]: the k with act[l][i, k] ≠ 0, ascending
    let nonzero: [UnsafeMutablePointer<Int32>]
    let nonzeroCount: [UnsafeMutablePointer<Int32>]
    let scratch: UnsafeMutablePointer<T>           // one row of the widest layer
    let scratchIndex: UnsafeMutablePointer<Int32>  // one row of the widest layer
    /// Per input column q of a layer: the rows i with act[i, q] ≠ 0 (`columnRows[q · rowCapacity …]`),
    /// their count, and the values (`columnValues[q · rowCapacity + i]`), for the weight gradient.
    let columnRows: UnsafeMutablePointer<Int32>
    let columnCount: UnsafeMutablePointer<Int32>
    let columnValues: UnsafeMutablePointer<T>

    /// - Precondition: `sizes.count >= 2`, all sizes ≥ 1, last size 1, `rowCapacity >= 1`.
    init(sizes: [Int], rowCapacity: Int) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 >= 1 } && sizes.last == 1 && rowCapacity >= 1)
        self.sizes = sizes
        self.rowCapacity = rowCapacity
        var w = [Int](), b = [Int](), off = 0
        for l in 0..<(sizes.count - 1) {
            w.append(off); off += sizes[l] * sizes[l + 1]
            b.append(off); off += sizes[l + 1]
        }
        wOffset = w; bOffset = b; parameterCount = off
        func buffer(_ n: Int) -> UnsafeMutableBufferPointer<T> {
            let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0)
            return p
        }
        params = buffer(off); grads = buffer(off); moment1 = buffer(off); moment2 = buffer(off)
        transposed = buffer(off)
        act = (0..<(sizes.count - 1)).map { buffer(rowCapacity * sizes[$0]) }
        out = buffer(rowCapacity)
        let widest = sizes.dropFirst().max()!
        delta = [buffer(rowCapacity * widest), buffer(rowCapacity * widest)]
        nonzero = (0..<(sizes.count - 1)).map { .allocate(capacity: rowCapacity * sizes[$0]) }
        nonzeroCount = (0..<(sizes.count - 1)).map { _ in .allocate(capacity: rowCapacity) }
        let widestAll = max(widest, sizes[0])
        scratch = .allocate(capacity: widestAll)
        scratchIndex = .allocate(capacity: widestAll)
        let widestInput = sizes.dropLast().max()!
        columnRows = .allocate(capacity: widestInput * rowCapacity)
        columnCount = .allocate(capacity: widestInput)
        columnValues = .allocate(capacity: widestInput * rowCapacity)
    }

    deinit {
        for p in [params, grads, moment1, moment2, transposed, out] + act + delta { p.deallocate() }
        for p in nonzero + nonzeroCount { p.deallocate() }
        scratch.deallocate(); scratchIndex.deallocate()
        columnRows.deallocate(); columnCount.deallocate(); columnValues.deallocate()
    }

    /// Writes the positions q < count with `v[q] != 0` to `index` (ascending), without
    /// branches; returns how many.
    @inline(__always)
    static func compact(_ v: UnsafePointer<T>, _ count: Int, into index: UnsafeMutablePointer<Int32>) -> Int {
        if T.self == Float.self {
            return mib_compact_nonzero_f32(UnsafeRawPointer(v).assumingMemoryBound(to: Float.self), count, index)
        }
        var c = 0
        for q in 0..<count {
            index[c] = Int32(truncatingIfNeeded: q)
            c &+= T.nonzeroBit(v[q])
        }
        return c
    }

    /// Number of linear layers (L + 1).
    var layerCount: Int { sizes.count - 1 }

    /// Kaiming-uniform initialisation with a = √5 (PyTorch's `nn.Linear` default): every
    /// weight and bias of layer l is `bound · u`, `u` uniform in [−1, 1) from `rng`, with
    /// `bound = 1/√s_l` (s_l = fan-in). Draw order: layer by layer, W row-major, then b.
    /// Zeroes the optimizer moments.
    func initialize(using rng: inout SeededGenerator) {
        for l in 0..<layerCount {
            let bound = 1.0 / Double(sizes[l]).squareRoot()
            let count = sizes[l] * sizes[l + 1] + sizes[l + 1]
            for q in wOffset[l]..<(wOffset[l] + count) { params[q] = T(bound * rng.nextSignedUnit()) }
        }
        for q in 0..<parameterCount { moment1[q] = 0; moment2[q] = 0 }
        refreshTransposed()
    }

    /// Copies every `W_l` into `transposed` as `s_{l+1} × s_l`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func refreshTransposed() {
        for l in 0..<layerCount {
            let k = sizes[l], n = sizes[l + 1]
            let w = params.baseAddress! + wOffset[l], t = transposed.baseAddress! + wOffset[l]
            for r in 0..<k { for c in 0..<n { t[c * k + r] = w[r * n + c] } }
        }
    }

    /// Forward pass over the first `rows` rows of `act[0]`; writes `out[0..<rows]`.
    /// - Complexity: O(rows · Σ_l s_l s_{l+1}), less the skipped zero activations.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forward(rows: Int) {
        precondition(rows >= 0 && rows <= rowCapacity)
        let p = params.baseAddress!
        for l in 0..<layerCount {
            let k = sizes[l], n = sizes[l + 1]
            let w = p + wOffset[l], b = p + bOffset[l]
            let a = act[l].baseAddress!
            if l == layerCount - 1 {
                // scalar output: 4 partial sums per row (fixed order), no reassociation needed
                let o = out.baseAddress!
                for i in 0..<rows {
                    let ai = a + i * k
                    var s0 = T.zero, s1 = T.zero, s2 = T.zero, s3 = T.zero
                    var q = 0
                    while q + 4 <= k {
                        s0 += ai[q] * w[q]; s1 += ai[q + 1] * w[q + 1]
                        s2 += ai[q + 2] * w[q + 2]; s3 += ai[q + 3] * w[q + 3]
                        q += 4
                    }
                    while q < k { s0 += ai[q] * w[q]; q += 1 }
                    o[i] = b[0] + ((s0 + s1) + (s2 + s3))
                }
            } else {
                let z = act[l + 1].baseAddress!, t = scratch
                let nz = nonzero[l], nzc = nonzeroCount[l]
                for i in 0..<rows {
                    let zi = z + i * n, ai = a + i * k, idx = nz + i * k
                    let c = Self.compact(ai, k, into: idx)
                    nzc[i] = Int32(truncatingIfNeeded: c)
                    _mineCombineRows(into: t, count: n, start: b, rows: w, stride: n, coefficients: ai, index: idx, terms: c)
                    for j in 0..<n { zi[j] = max(t[j], 0) }
                }
            }
        }
        // nonzero pattern of the last hidden layer, for backward
        let k = sizes[layerCount - 1], a = act[layerCount - 1].baseAddress!
        for i in 0..<rows {
            nonzeroCount[layerCount - 1][i] = Int32(truncatingIfNeeded: Self.compact(a + i * k, k, into: nonzero[layerCount - 1] + i * k))
        }
    }

    /// Backward pass for the last `forward(rows:)`: given ∂loss/∂out in `dOut[0..<rows]`,
    /// overwrites `grads` with ∂loss/∂parameters (sum over the rows).
    /// - Complexity: about twice the forward pass.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backward(rows: Int, dOut: UnsafePointer<T>) {
        let g = grads.baseAddress!
        for q in 0..<parameterCount { g[q] = 0 }
        let L = layerCount - 1
        // output layer: gW_L[k] += d_i · a_i[k], gb_L += d_i, δ_{L−1}[i, k] = d_i · W_L[k] · 1[a_i[k] > 0]
        do {
            let k = sizes[L]
            let gw = g + wOffset[L], w = params.baseAddress! + wOffset[L]
            let a = act[L].baseAddress!
            var gb = T.zero
            for i in 0..<rows {
                let d = dOut[i]
                gb += d
                if d == 0 { continue }
                let ai = a + i * k
                for q in 0..<k { gw[q] += d * ai[q] }
            }
            g[bOffset[L]] = gb
            if L > 0 {
                let dl = delta[L & 1].baseAddress!
                for i in 0..<rows {
                    let d = dOut[i], ai = a + i * k, di = dl + i * k
                    for q in 0..<k { di[q] = T.masked(d * w[q], by: ai[q]) }
                }
            }
        }
        // hidden layers l = L−1 … 0: δ = delta[(l+1) & 1] is ∂loss/∂z_{l+1} (rows × s_{l+1})
        var l = L - 1
        while l >= 0 {
            let k = sizes[l], n = sizes[l + 1]
            let dz = delta[(l + 1) & 1].baseAddress!
            let a = act[l].baseAddress!
            let gw = g + wOffset[l], gb = g + bOffset[l]
            let nz = nonzero[l], nzc = nonzeroCount[l]
            // gW_l[q, :] = Σ_i a[i, q] · δ[i, :] over the rows with a[i, q] ≠ 0 (ascending i):
            // transpose the nonzero pattern into per-column row lists first.
            let colCount = columnCount, colRows = columnRows, colValue = columnValues
            for q in 0..<k { colCount[q] = 0 }
            for i in 0..<rows {
                let ai = a + i * k, idx = nz + i * k
                for u in 0..<Int(nzc[i]) {
                    let q = Int(idx[u]), c = Int(colCount[q])
                    colRows[q * rowCapacity + c] = Int32(truncatingIfNeeded: i)
                    colValue[q * rowCapacity + i] = ai[q]
                    colCount[q] = Int32(truncatingIfNeeded: c + 1)
                }
                let di = dz + i * n
                for j in 0..<n { gb[j] += di[j] }
            }
            for q in 0..<k {
                _mineCombineRows(
                    into: gw + q * n, count: n, start: nil, rows: dz, stride: n,
                    coefficients: colValue + q * rowCapacity, index: colRows + q * rowCapacity, terms: Int(colCount[q]))
            }
            if l > 0 {
                // δ_l[i, :] = (Σ_j δ_{l+1}[i, j] · Wᵀ_l[j, :]) masked by a_i > 0
                let wt = transposed.baseAddress! + wOffset[l]
                let dn = delta[l & 1].baseAddress!
                let t = scratch, jdx = scratchIndex
                for i in 0..<rows {
                    let di = dz + i * n, ai = a + i * k, ei = dn + i * k
                    let c = Self.compact(di, n, into: jdx)
                    _mineCombineRows(into: t, count: k, start: nil, rows: wt, stride: k, coefficients: di, index: jdx, terms: c)
                    for q in 0..<k { ei[q] = T.masked(t[q], by: ai[q]) }
                }
            }
            l -= 1
        }
    }

    /// Adam step on `grads` (PyTorch's formula): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
    /// θ ← θ − (lr / c₁) · m / (√v / √c₂ + ε), with c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func adamStep(lr: Double, beta1: Double, beta2: Double, epsilon: Double, correction1: Double, correction2: Double) {
        let p = params.baseAddress!, g = grads.baseAddress!
        let m = moment1.baseAddress!, v = moment2.baseAddress!
        let b1 = T(beta1), b2 = T(beta2), c1 = T(1 - beta1), c2 = T(1 - beta2)
        let step = T(lr / correction1), rootC2 = T(correction2.squareRoot()), eps = T(epsilon)
        for q in 0..<parameterCount {
            let gq = g[q]
            let mq = b1 * m[q] + c1 * gq
            let vq = b2 * v[q] + c2 * gq * gq
            m[q] = mq; v[q] = vq
            p[q] -= step * mq / (vq.squareRoot() / rootC2 + eps)
        }
        refreshTransposed()
    }

    /// Plain gradient-descent step θ ← θ − lr · g.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func sgdStep(lr: Double) {
        let p = params.baseAddress!, g = grads.baseAddress!
        let r = T(lr)
        for q in 0..<parameterCount { p[q] -= r * g[q] }
        refreshTransposed()
    }
}
