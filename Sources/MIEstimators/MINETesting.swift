/// Test hooks into MINE's statistics network (SPI, not part of the stable API): a
/// Double-precision network with the production forward/backward kernel, for gradient
/// checks against finite differences.
///
/// Use with `@_spi(MINETesting) import MIEstimators`.
@_spi(MINETesting) public final class MINENetworkProbe {
    let net: _MINENetwork<Double>
    /// Number of input rows the probe evaluates at once.
    public let rows: Int
    /// Layer widths: input, hidden…, 1.
    public var sizes: [Int] { net.sizes }

    /// A network with `sizes` (input width first, output width 1), initialised as in
    /// ``MINE`` from `SeededGenerator(seed: seed, stream: 0)`, and room for `rows` rows.
    ///
    /// - Precondition: valid sizes (last is 1), `rows >= 1`.
    /// - Complexity: O(number of parameters + rows · Σ sizes).
    public init(sizes: [Int], rows: Int, seed: UInt64) {
        net = _MINENetwork<Double>(sizes: sizes, rowCapacity: rows)
        self.rows = rows
        var g = SeededGenerator(seed: seed, stream: 0)
        net.initialize(using: &g)
    }

    /// All weights and biases, layer by layer (`W_l` row-major, `s_l × s_{l+1}`, then `b_l`).
    public var parameters: [Double] {
        get { Array(net.params) }
        set {
            precondition(newValue.count == net.parameterCount)
            for q in 0..<newValue.count { net.params[q] = newValue[q] }
            net.refreshTransposed()
        }
    }

    /// Network outputs f(row) for `input` (row-major, `rows × sizes[0]`).
    ///
    /// - Complexity: one forward pass.
    public func outputs(_ input: [Double]) -> [Double] {
        precondition(input.count == rows * net.sizes[0])
        for q in 0..<input.count { net.act[0][q] = input[q] }
        net.forward(rows: rows)
        return Array(net.out[0..<rows])
    }

    /// ∂(Σ_i c_i f(row_i)) / ∂parameters from the hand-written backward pass.
    ///
    /// - Complexity: one forward and one backward pass.
    public func gradient(_ input: [Double], weights c: [Double]) -> [Double] {
        precondition(c.count == rows)
        _ = outputs(input)
        c.withUnsafeBufferPointer { net.backward(rows: rows, dOut: $0.baseAddress!) }
        return Array(net.grads)
    }

    /// ∂loss/∂parameters of the plain DV loss −(mean f_joint − log mean e^{f_product}) for
    /// `input` whose first `rows/2` rows are joint and last `rows/2` product samples,
    /// through the trainer's own output-gradient code (EMA rate 0).
    ///
    /// - Precondition: `rows` even.
    /// - Complexity: one forward and one backward pass.
    public func dvLossGradient(_ input: [Double]) -> [Double] {
        precondition(rows % 2 == 0)
        _ = outputs(input)
        let b = rows / 2
        var dOut = [Double](repeating: 0, count: rows)
        let f = UnsafePointer(net.out.baseAddress!)
        dOut.withUnsafeMutableBufferPointer { d in
            _mineFillDVGradient(f, batch: b, logDenominator: _mineLogMeanExp(f + b, count: b), into: d.baseAddress!)
        }
        dOut.withUnsafeBufferPointer { net.backward(rows: rows, dOut: $0.baseAddress!) }
        return Array(net.grads)
    }
}
