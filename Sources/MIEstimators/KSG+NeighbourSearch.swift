#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension KSG {
    /// The neighbour search of pairs in which some variable has more than one dimension
    /// (scalar pairs always use the rank grid). Both searches are exact and bit-identical:
    /// the k-th joint distance, the KSG-2 marginal maxima, every marginal count — so every
    /// estimate — are the same bits whichever runs; only the time differs.
    public enum NeighbourSearch: String, CaseIterable, Sendable {
        /// ``tree`` or ``bruteForce`` by ``usesBruteForce(samples:jointDimension:)``.
        case automatic
        /// A k-d tree over the joint rows per pair and each variable's own tree for the
        /// marginal counts: O(n log n) expected at low dimension, degrading towards n² at
        /// high dimension (boxes stop pruning).
        case tree
        /// Blocked brute force over all n² pairs of samples with vector instructions:
        /// O(n²·(d_x + d_y)), independent of the data's shape.
        case bruteForce

        /// Joint dimension from which brute force is chosen whatever n is (measured;
        /// samples/benchmarks/RESULTS.md, "KSG neighbour search"). A variable of at least
        /// this many dimensions is prepared without its own k-d tree under ``automatic``
        /// and ``bruteForce`` (no pair of it would use the tree).
        public static let alwaysBruteForceDimension = 24

        /// True when the automatic choice is brute force for a pair of n samples whose
        /// two variables have `jointDimension` = d_x + d_y dimensions in all.
        ///
        /// The rule is the measured crossover (samples/benchmarks/RESULTS.md, "KSG neighbour
        /// search", Gaussian data, one thread): brute force costs ≈ n²·(c + d) and the tree
        /// grows faster than n log n as d rises; they cost the same near (d, n) = (6, 1,000),
        /// (8, 4,000), (11, 16,000), so brute force runs when d ≥ 24 or when d ≥ 6 and
        /// n ≤ 1,000·2^(0.8·(d − 6)). Monotone: more dimensions or fewer samples never switch
        /// brute force off.
        /// - Complexity: O(1).
        public static func usesBruteForce(samples n: Int, jointDimension d: Int) -> Bool {
            if d >= alwaysBruteForceDimension { return true }
            if d < 6 { return false }
            return Double(n) <= 1_000 * exp2(0.8 * Double(d - 6))
        }
    }

    /// Whether this estimator's pair (x, y) runs the brute-force search.
    func usesBruteForce(_ x: Prepared, _ y: Prepared) -> Bool {
        // A variable prepared without its tree (see `alwaysBruteForceDimension`) has only brute force.
        if (x.dimension > 1 && x.tree == nil) || (y.dimension > 1 && y.tree == nil) { return true }
        switch neighbourSearch {
        case .tree: return false
        case .bruteForce: return true
        case .automatic:
            return NeighbourSearch.usesBruteForce(samples: x.count, jointDimension: x.dimension + y.dimension)
        }
    }

    /// Whether ``prepare(_:)`` builds a d-dimensional variable's own k-d tree.
    func buildsTree(dimension d: Int) -> Bool {
        switch neighbourSearch {
        case .tree: return true
        case .bruteForce: return false
        case .automatic: return d < NeighbourSearch.alwaysBruteForceDimension
        }
    }
}
