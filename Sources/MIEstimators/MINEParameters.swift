extension MINE {
    /// The optimiser that trains the statistics network.
    public enum Optimizer: String, CaseIterable, Codable, Sendable {
        /// Adam (Kingma & Ba), PyTorch's formula with bias correction; uses `beta1`,
        /// `beta2`, `epsilon`.
        case adam
        /// Plain (stochastic) gradient descent θ ← θ − lr · g, as in the paper's setting.
        case sgd
    }

    /// Every training parameter of MINE. The engine records all of them in the provenance.
    ///
    /// Defaults ("MINE-Global-Corrected" when the engine also applies global
    /// normalization): two hidden layers of 64, Adam with lr 10⁻³, batch 256, 2,000 steps,
    /// EMA rate 0.01, DV bound on the full data averaged over the last 10 evaluations,
    /// one every 20 steps. With these, correlated Gaussians (n = 5,000, truth 0.5 and
    /// 2 nats, d = 1 and 5) are estimated within 15%, and independent scalar X, T within
    /// 0.05 nats (see the tests). With d = 5 + 5 independent dimensions and n = 5,000 the
    /// full-data value is biased up by overfitting (about +0.18 nats; a 20% holdout gives
    /// about −0.14).
    public struct Parameters: Codable, Equatable, Sendable {
        /// Widths of the hidden (ReLU) layers, input side first. Each ≥ 1, at least one layer.
        public var hidden: [Int]
        /// Step size of the optimiser (Adam: lr; SGD: the factor on the gradient).
        public var learningRate: Double
        /// Adam's decay rate of the first-moment average (ignored by SGD).
        public var beta1: Double
        /// Adam's decay rate of the second-moment average (ignored by SGD).
        public var beta2: Double
        /// Adam's ε, added to √v̂ in the denominator (ignored by SGD).
        public var epsilon: Double
        /// Samples per batch: `batchSize` joint samples plus as many product samples (the
        /// batch's y permuted). If the training set is smaller, the whole set is one batch.
        public var batchSize: Int
        /// Number of optimiser steps (one batch each).
        public var steps: Int
        /// The optimiser.
        public var optimizer: Optimizer
        /// Weight of the newest batch in the exponential moving average that replaces
        /// E[e^f] in the gradient (the bias-corrected gradient of Belghazi et al.):
        /// `ema_t = (1 − r)·ema_{t−1} + r·m_t`, `ema_1 = m_1`, where `m_t` is the batch mean of
        /// e^f over the product samples of step t (kept as a logarithm, so it cannot
        /// overflow). The gradient of log E[e^f] is then `(1/b) Σ_i e^{f_i} ∇f_i / ema_t`.
        /// `0` turns the correction off: the plain DV gradient ("biased" MINE), which is
        /// also what `r = 1` gives. Range 0…1.
        public var emaRate: Double
        /// Fraction of the samples held out (never trained on) to evaluate the DV bound.
        /// `0`: train and evaluate on the full data. Otherwise the held-out set is a
        /// seeded random subset of `⌊fraction · n⌋` samples (clamped to leave at least one
        /// sample for training and two for evaluation). Range `0 ..< 1`.
        public var holdoutFraction: Double
        /// The reported value is the mean of the DV bound over this many evaluations,
        /// made after steps `steps − k · evaluationInterval`, k = 0 … `averageLast − 1`
        /// (so the last one is on the final network). ≥ 1.
        public var averageLast: Int
        /// Steps between two of the averaged evaluations. ≥ 1, and
        /// `(averageLast − 1) · evaluationInterval < steps`.
        public var evaluationInterval: Int

        /// Creates a parameter set; every argument defaults to the documented default.
        public init(
            hidden: [Int] = [64, 64], learningRate: Double = 1e-3,
            beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
            batchSize: Int = 256, steps: Int = 2000, optimizer: Optimizer = .adam,
            emaRate: Double = 0.01, holdoutFraction: Double = 0,
            averageLast: Int = 10, evaluationInterval: Int = 20
        ) {
            self.hidden = hidden
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.batchSize = batchSize
            self.steps = steps
            self.optimizer = optimizer
            self.emaRate = emaRate
            self.holdoutFraction = holdoutFraction
            self.averageLast = averageLast
            self.evaluationInterval = evaluationInterval
        }

        /// The first problem with these parameters, as a message naming the parameter,
        /// or `nil` when they are valid. ``MINE/init(parameters:)`` requires `nil`.
        ///
        /// - Complexity: O(hidden.count).
        public var validationError: String? {
            if hidden.isEmpty || hidden.contains(where: { $0 < 1 }) {
                return "hidden layer widths must be >= 1, at least one layer (got \(hidden))"
            }
            if !(learningRate > 0 && learningRate.isFinite) { return "learning rate must be > 0 (got \(learningRate))" }
            if !(beta1 >= 0 && beta1 < 1) { return "beta1 must be in [0, 1) (got \(beta1))" }
            if !(beta2 >= 0 && beta2 < 1) { return "beta2 must be in [0, 1) (got \(beta2))" }
            if !(epsilon > 0 && epsilon.isFinite) { return "epsilon must be > 0 (got \(epsilon))" }
            if batchSize < 1 { return "batch size must be >= 1 (got \(batchSize))" }
            if steps < 1 { return "steps must be >= 1 (got \(steps))" }
            if !(emaRate >= 0 && emaRate <= 1) { return "EMA rate must be in [0, 1] (got \(emaRate))" }
            if !(holdoutFraction >= 0 && holdoutFraction < 1) {
                return "holdout fraction must be in [0, 1) (got \(holdoutFraction))"
            }
            if averageLast < 1 { return "averageLast must be >= 1 (got \(averageLast))" }
            if evaluationInterval < 1 { return "evaluation interval must be >= 1 (got \(evaluationInterval))" }
            if (averageLast - 1) * evaluationInterval >= steps {
                return "averaging \(averageLast) evaluations \(evaluationInterval) steps apart needs more than "
                    + "\((averageLast - 1) * evaluationInterval) steps (got \(steps))"
            }
            return nil
        }
    }
}
