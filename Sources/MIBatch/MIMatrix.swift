/// A computed MI matrix: its axes and every present ``MatrixLayer`` (`/mi` and `/status`
/// always; the others as the run's configuration asks).
public struct MIMatrix: Sendable {
    /// Names along the first axis (`/var_i`).
    public var rowNames: [String]
    /// Names along the second axis (`/var_j`).
    public var columnNames: [String]
    /// The row-major values of each present layer, `rowNames.count × columnNames.count` cells each.
    public var layers: MatrixLayers
    /// Failed cells by reason label (`FailureReason.label`), for the `failure_reasons`
    /// attribute of `/status`; a symmetric pair counts once.
    public var failureReasons: [String: Int] = [:]
    /// How `/pvalue` was computed (its `method` attribute), with `--permutations`.
    public var significanceMethod: String? = nil
    /// The adjustment of `/qvalue` (its `method` attribute), once added.
    public var correctionMethod: String? = nil
    /// The pairs of q ≤ Q (`--fdr Q`), written as `/edges`.
    public var edges: EdgeList? = nil
    /// The screening estimator's label (`/mi_screen`'s `estimator`), with `--screen`.
    public var screenEstimator: String? = nil

    /// A matrix of `layers`, which must hold every layer present ``LayerPresence/always``
    /// and only arrays of `rowNames.count × columnNames.count` cells.
    public init(rowNames: [String], columnNames: [String], layers: MatrixLayers, failureReasons: [String: Int] = [:]) {
        let cells = rowNames.count * columnNames.count
        for layer in MatrixLayer.all {
            precondition(layers.contains(layer) || !layer.spec.presence.isAlways, "a matrix needs \(layer)")
            precondition(layers[layer].map { $0.count == cells } ?? true, "\(layer) does not have \(cells) cells")
        }
        self.rowNames = rowNames
        self.columnNames = columnNames
        self.layers = layers
        self.failureReasons = failureReasons
    }

    /// Row-major `/mi` values in the configured units; NaN where not computed or failed.
    public var values: [Double] { layers.values(.mi)! }
    /// Row-major `/status` (``PairStatus`` raw values).
    public var status: [UInt8] { layers.values(.status)! }
    /// Row-major `/samples` (samples used per pair), present with `--nan pairwise` only.
    public var samples: [Int32]? { layers.values(.samples) }

    /// `/mi` at (i, j).
    public subscript(i: Int, j: Int) -> Double { values[i * columnNames.count + j] }
}
