extension MINE {
    /// The optimiser that trains the statistics network.
    public enum Optimizer: String, CaseIterable, Codable, Sendable {
        /// Adam (Kingma & Ba), PyTorch's formula with bias correction; uses `beta1`,
        /// `beta2`, `epsilon`.
        case adam
        /// Plain (stochastic) gradient descent θ ← θ − lr · g, as in the paper's setting.
        case sgd
    }

    /// Which network's bound MINE reports, and on which samples.
    public enum Checkpoint: String, CaseIterable, Codable, Sendable {
        /// The old rule: the bound on the evaluation set (all samples, or the held-out ones
        /// with ``Parameters/holdoutFraction`` > 0) averaged over the last
        /// ``Parameters/averageLast`` evaluations. On the training samples it overestimates
        /// (the network fits their noise); on held-out samples after the full training it
        /// underestimates (the overfitted network is worse than a constant).
        case last
        /// Cross-validated early stopping: the held-out samples (``Parameters/holdoutFraction``
        /// > 0) are split in two seeded halves and the bound on each is computed every
        /// ``Parameters/evaluationInterval`` steps (ending at the last step). Half A chooses
        /// the window of ``Parameters/averageLast`` consecutive checkpoints where its mean
        /// bound is highest; half B's mean bound over that window is one estimate, and the
        /// roles swapped give another; the reported value is their mean. No estimate is
        /// evaluated on samples that trained or chose its network.
        case crossValidated = "cross-validated"
    }

    /// Every training parameter of MINE. The engine records all of them in the provenance.
    ///
    /// Defaults ("MINE-Global-Corrected" when the engine also applies global
    /// normalization): two hidden layers of 64, Adam with lr 10⁻³, batch 256, 2,000 steps,
    /// EMA rate 0.01; 40% of the samples held out, the DV bound reported by
    /// cross-validated early stopping (``Checkpoint/crossValidated``) over windows of
    /// 10 evaluations, one every 20 steps over the whole training. The old defaults (full-data bound
    /// averaged over the last 10 evaluations, 20 steps apart) are `holdoutFraction: 0,
    /// checkpoint: .last, averageLast: 10, evaluationInterval: 20`; they read
    /// independent 5-D groups (n = 2,000) at +0.32 nats on average (issue 20,
    /// samples/benchmarks/mine_defaults.py).
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
        /// sample for training and two for evaluation, two per half when cross-validated),
        /// split in two halves with ``Checkpoint/crossValidated``. Range `0 ..< 1`.
        public var holdoutFraction: Double
        /// The reported value is the mean of the DV bound over this many evaluations,
        /// made after steps `steps − k · evaluationInterval`, k = 0 … `averageLast − 1`
        /// (so the last one is on the final network). ≥ 1.
        public var averageLast: Int
        /// Steps between two of the averaged evaluations. ≥ 1, and
        /// `(averageLast − 1) · evaluationInterval < steps`.
        public var evaluationInterval: Int
        /// Which network's bound is reported (``Checkpoint``); `.crossValidated` needs
        /// `holdoutFraction > 0`.
        public var checkpoint: Checkpoint

        /// Creates a parameter set; every argument defaults to the documented default.
        public init(
            hidden: [Int] = [64, 64], learningRate: Double = 1e-3,
            beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
            batchSize: Int = 256, steps: Int = 2000, optimizer: Optimizer = .adam,
            emaRate: Double = 0.01, holdoutFraction: Double = 0.4,
            averageLast: Int = 10, evaluationInterval: Int = 20, checkpoint: Checkpoint = .crossValidated
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
            self.checkpoint = checkpoint
        }

        enum CodingKeys: String, CodingKey {
            case hidden, learningRate, beta1, beta2, epsilon, batchSize, steps, optimizer, emaRate
            case holdoutFraction, averageLast, evaluationInterval, checkpoint
        }

        /// Decodes a recorded parameter set; one recorded before `checkpoint` existed
        /// (issue 20) was run with ``Checkpoint/last``, so a missing key reads `.last`.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            hidden = try c.decode([Int].self, forKey: .hidden)
            learningRate = try c.decode(Double.self, forKey: .learningRate)
            beta1 = try c.decode(Double.self, forKey: .beta1)
            beta2 = try c.decode(Double.self, forKey: .beta2)
            epsilon = try c.decode(Double.self, forKey: .epsilon)
            batchSize = try c.decode(Int.self, forKey: .batchSize)
            steps = try c.decode(Int.self, forKey: .steps)
            optimizer = try c.decode(Optimizer.self, forKey: .optimizer)
            emaRate = try c.decode(Double.self, forKey: .emaRate)
            holdoutFraction = try c.decode(Double.self, forKey: .holdoutFraction)
            averageLast = try c.decode(Int.self, forKey: .averageLast)
            evaluationInterval = try c.decode(Int.self, forKey: .evaluationInterval)
            checkpoint = try c.decodeIfPresent(Checkpoint.self, forKey: .checkpoint) ?? .last
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
            if checkpoint == .crossValidated && holdoutFraction == 0 {
                return "cross-validated checkpoint needs a holdout fraction > 0 (or checkpoint last)"
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
