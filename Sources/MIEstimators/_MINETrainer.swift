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

/// One training run: the network, the index buffers and the DV evaluation set, all
/// allocated once; `run()` trains and returns the averaged DV bound.
struct _MINETrainer<T: _MINEScalar> {
    let p: MINE.Parameters
    let x: UnsafePointer<Double>, dx: Int
    let y: UnsafePointer<Double>, dy: Int
    let train: [Int32]      // sample indices used for training
    let evaluation: [Int32] // sample indices on which the DV bound is evaluated
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
        let ne = evaluation.count
        let evalPerm = UnsafeMutablePointer<Int32>.allocate(capacity: ne)
        let fMarginal = UnsafeMutablePointer<Double>.allocate(capacity: ne)
        defer { order.deallocate(); perm.deallocate(); dOut.deallocate(); evalPerm.deallocate(); fMarginal.deallocate() }
        for q in 0..<train.count { order[q] = train[q] }
        for q in 0..<ne { evalPerm[q] = evaluation[q] }
        var evalRNG = generator(.evaluationPermutation)
        evalRNG.mineShuffle(evalPerm, count: ne)

        var position = train.count  // forces a shuffle before the first batch
        var logEMA = 0.0
        var correction1 = 1.0, correction2 = 1.0
        var evalSum = 0.0, evalCount = 0
        let firstEval = p.steps - (p.averageLast - 1) * p.evaluationInterval
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
                evalSum += evaluate(net, evalPerm: evalPerm, fMarginal: fMarginal)
                evalCount += 1
            }
        }
        return evalSum / Double(evalCount)
    }

    /// DV bound on the evaluation set: mean f(x_i, y_i) − log mean f(x_i, y_π(i)), π the
    /// fixed evaluation permutation; in chunks of the network's row capacity.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func evaluate(_ net: _MINENetwork<T>, evalPerm: UnsafePointer<Int32>, fMarginal: UnsafeMutablePointer<Double>) -> Double {
        let ne = evaluation.count
        let half = net.rowCapacity / 2
        let input = net.act[0].baseAddress!, f = net.out.baseAddress!
        var jointSum = 0.0
        var start = 0
        while start < ne {
            let m = min(half, ne - start)
            for q in 0..<m {
                let i = Int(evaluation[start + q])
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
