#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Purposes of the random streams of one pair (see ``MINE/estimate(_:_:seed:pair:)``).
enum _MINEStream: UInt64 {
    case initialWeights = 1, batches = 2, evaluationPermutation = 3, holdoutSplit = 4
}

extension SeededGenerator {
    /// Uniform integer in 0..<bound (Lemire's multiply-shift with rejection; unbiased, and
    /// fixed here so results never depend on the standard library's algorithm).
    mutating func mineBounded(_ bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// Fisher–Yates shuffle of `a[0..<count]`, from the last position down.
    mutating func mineShuffle(_ a: UnsafeMutablePointer<Int32>, count: Int) {
        var i = count - 1
        while i > 0 {
            let j = mineBounded(i + 1)
            let t = a[i]; a[i] = a[j]; a[j] = t
            i -= 1
        }
    }
}

/// log(e^a + e^b) without overflow.
@inline(__always) func _mineLogAddExp(_ a: Double, _ b: Double) -> Double {
    let m = max(a, b)
    if m == -.infinity { return m }
    return m + log(exp(a - m) + exp(b - m))
}

/// log((1/count) Σ_q e^{f[q]}) by log-sum-exp, summed in Double in index order.
func _mineLogMeanExp<T: _MINEScalar>(_ f: UnsafePointer<T>, count: Int) -> Double {
    var fMax = -Double.infinity
    for q in 0..<count { fMax = max(fMax, Double(f[q])) }
    if !fMax.isFinite { return fMax }
    var s = 0.0
    for q in 0..<count { s += exp(Double(f[q]) - fMax) }
    return fMax + log(s) - log(Double(count))
}

/// ∂loss/∂f for the DV loss −(mean f_joint − log mean e^{f_marginal}) of a batch whose
/// first `batch` outputs are joint rows and next `batch` product rows:
/// −1/b for joint rows, e^{f_q − logDenominator} / b for product rows. With
/// `logDenominator` = ``_mineLogMeanExp(_:count:)`` of the product rows this is the exact
/// gradient; with the log of the EMA it is the bias-corrected one.
func _mineFillDVGradient<T: _MINEScalar>(
    _ f: UnsafePointer<T>, batch b: Int, logDenominator: Double, into dOut: UnsafeMutablePointer<T>
) {
    let invB = 1.0 / Double(b)
    for q in 0..<b {
        dOut[q] = T(-invB)
        dOut[b + q] = T(invB * exp(Double(f[b + q]) - logDenominator))
    }
}

/// One training run: the network, the index buffers and the DV evaluation sets, all
/// allocated once; `run()` trains and returns the reported DV bound (see ``MINE/Checkpoint``).
struct _MINETrainer<T: _MINEScalar> {
    let p: MINE.Parameters
    let x: UnsafePointer<Double>, dx: Int
    let y: UnsafePointer<Double>, dy: Int
    let train: [Int32]          // sample indices used for training
    let evaluation: [[Int32]]   // sample indices of each set the DV bound is evaluated on (1, or 2 when cross-validated)
    var streamBase: UInt64, seed: UInt64

    /// A generator for one purpose of this pair.
    func generator(_ s: _MINEStream) -> SeededGenerator {
        SeededGenerator(seed: seed, stream: SeededGenerator.mix64(streamBase ^ s.rawValue))
    }

    /// Writes input row `[x_i, y_j]` of `net.act[0]` at `row`.
    @inline(__always) func fill(_ a: UnsafeMutablePointer<T>, row: Int, x i: Int, y j: Int) {
        let r = a + row * (dx + dy)
        let xi = x + i * dx, yj = y + j * dy
        for q in 0..<dx { r[q] = T(xi[q]) }
        for q in 0..<dy { r[dx + q] = T(yj[q]) }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func run() -> Double {
        let b = min(p.batchSize, train.count)
        let rows = 2 * b
        let net = _MINENetwork<T>(sizes: [dx + dy] + p.hidden + [1], rowCapacity: rows)
        var initRNG = generator(.initialWeights)
        net.initialize(using: &initRNG)
        var rng = generator(.batches)
        // Buffers, allocated once.
        let order = UnsafeMutablePointer<Int32>.allocate(capacity: train.count)
        let perm = UnsafeMutablePointer<Int32>.allocate(capacity: b)
        let dOut = UnsafeMutablePointer<T>.allocate(capacity: rows)
        let largest = evaluation.map(\.count).max()!
        let evalPerms = evaluation.map { UnsafeMutablePointer<Int32>.allocate(capacity: $0.count) }
        let fMarginal = UnsafeMutablePointer<Double>.allocate(capacity: largest)
        defer {
            order.deallocate(); perm.deallocate(); dOut.deallocate(); fMarginal.deallocate()
            for e in evalPerms { e.deallocate() }
        }
        for q in 0..<train.count { order[q] = train[q] }
        // One fixed permutation per evaluation set, drawn set after set from one stream
        // (with a single set, the permutation of the full-data/holdout evaluation).
        var evalRNG = generator(.evaluationPermutation)
        for (s, set) in evaluation.enumerated() {
            for q in 0..<set.count { evalPerms[s][q] = set[q] }
            evalRNG.mineShuffle(evalPerms[s], count: set.count)
        }

        var position = train.count  // forces a shuffle before the first batch
        var logEMA = 0.0
        var correction1 = 1.0, correction2 = 1.0
        // The bound on each evaluation set at every checkpoint, oldest first.
        var curves = [[Double]](repeating: [], count: evaluation.count)
        let crossValidated = p.checkpoint == .crossValidated
        let firstEval = crossValidated ? 1 : p.steps - (p.averageLast - 1) * p.evaluationInterval
        let input = net.act[0].baseAddress!
        for step in 1...p.steps {
            // Batch: the next b indices of an epoch-wise shuffle of the training set.
            if position + b > train.count {
                rng.mineShuffle(order, count: train.count)
                position = 0
            }
            for q in 0..<b { perm[q] = Int32(q) }
            rng.mineShuffle(perm, count: b)
            for q in 0..<b {
                let i = Int(order[position + q])
                fill(input, row: q, x: i, y: i)
                fill(input, row: b + q, x: i, y: Int(order[position + Int(perm[q])]))
            }
            position += b
            net.forward(rows: rows)
            let f = UnsafePointer(net.out.baseAddress!)
            let logBatchMean = _mineLogMeanExp(f + b, count: b)  // log of the batch mean of e^f
            let r = p.emaRate
            if r > 0 {
                logEMA = step == 1 ? logBatchMean : _mineLogAddExp(log1p(-r) + logEMA, log(r) + logBatchMean)
            }
            _mineFillDVGradient(f, batch: b, logDenominator: r > 0 ? logEMA : logBatchMean, into: dOut)
            net.backward(rows: rows, dOut: dOut)
            switch p.optimizer {
            case .adam:
                correction1 *= p.beta1; correction2 *= p.beta2
                net.adamStep(
                    lr: p.learningRate, beta1: p.beta1, beta2: p.beta2, epsilon: p.epsilon,
                    correction1: 1 - correction1, correction2: 1 - correction2)
            case .sgd:
                net.sgdStep(lr: p.learningRate)
            }
            if step >= firstEval && (p.steps - step) % p.evaluationInterval == 0 {
                for s in evaluation.indices {
                    curves[s].append(evaluate(net, set: evaluation[s], evalPerm: evalPerms[s], fMarginal: fMarginal))
                }
            }
        }
        if crossValidated { return _mineCrossValidated(curves[0], curves[1], window: p.averageLast) }
        var evalSum = 0.0
        for v in curves[0] { evalSum += v }
        return evalSum / Double(curves[0].count)
    }

    /// DV bound on one evaluation set: mean f(x_i, y_i) − log mean f(x_i, y_π(i)), π the
    /// set's fixed evaluation permutation; in chunks of the network's row capacity.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func evaluate(
        _ net: _MINENetwork<T>, set: [Int32], evalPerm: UnsafePointer<Int32>, fMarginal: UnsafeMutablePointer<Double>
    ) -> Double {
        let ne = set.count
        let half = net.rowCapacity / 2
        let input = net.act[0].baseAddress!, f = net.out.baseAddress!
        var jointSum = 0.0
        var start = 0
        while start < ne {
            let m = min(half, ne - start)
            for q in 0..<m {
                let i = Int(set[start + q])
                fill(input, row: q, x: i, y: i)
                fill(input, row: m + q, x: i, y: Int(evalPerm[start + q]))
            }
            net.forward(rows: 2 * m)
            for q in 0..<m {
                jointSum += Double(f[q])
                let v = Double(f[m + q])
                fMarginal[start + q] = v
            }
            start += m
        }
        return jointSum / Double(ne) - _mineLogMeanExp(UnsafePointer(fMarginal), count: ne)
    }
}

/// The cross-validated report of two held-out halves' bound curves `a`, `b` (one value per
/// checkpoint, oldest first, equal lengths ≥ `window`): half A chooses the window of
/// `window` consecutive checkpoints where its mean bound is highest (the earliest such),
/// and half B's mean bound over that window is one estimate; the roles swapped give the
/// other; the result is their mean. Neither estimate is evaluated on the samples that
/// chose its network, so for independent variables each is the DV bound of a network
/// fixed independently of its evaluation samples (≤ 0 in expectation, up to the
/// O(1/n) log-mean-exp bias). NaN if any evaluation is NaN (a diverged training).
///
/// - Complexity: O(checkpoints).
func _mineCrossValidated(_ a: [Double], _ b: [Double], window k: Int) -> Double {
    precondition(a.count == b.count && a.count >= k && k >= 1)
    if a.contains(where: \.isNaN) || b.contains(where: \.isNaN) { return .nan }
    func windowMeans(_ c: [Double]) -> [Double] {
        (0...(c.count - k)).map { w in
            var s = 0.0
            for q in w..<(w + k) { s += c[q] }
            return s / Double(k)
        }
    }
    let ma = windowMeans(a), mb = windowMeans(b)
    func best(_ m: [Double]) -> Int {
        var w = 0
        for q in 1..<m.count where m[q] > m[w] { w = q }
        return w
    }
    return 0.5 * (mb[best(ma)] + ma[best(mb)])
}
