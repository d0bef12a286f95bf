#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A correction added to the KSG estimate (`--ksg-correction`). Raw values are the CLI spellings.
public enum KSGCorrection: String, CaseIterable, Codable, Sendable {
    /// The KSG estimate as it is (default).
    case none
    /// The local non-uniformity correction of Gao, Ver Steeg and Galstyan (2015),
    /// ``KSG/lncCorrection(_:_:)``: for strongly dependent variables, whose k nearest
    /// neighbours lie along a thin, tilted region of the max-norm box that KSG assumes
    /// uniformly filled.
    case lnc
}

extension KSG {
    /// α_{k,d} of NPEET_LNC's `alpha.xlsx` (the reference implementation of Gao et al. 2015),
    /// `alphaTable[d - 2][k - d - 1]` for d = 2 … 10 and k = d + 1 … 20: the ratio V̄/V below
    /// which a sample is corrected. The sheet's header names its first column k and its
    /// second d; its values only make sense the other way round (k + 1 points span at most
    /// a k-dimensional box, so its k < d rows would be degenerate; and α falls with d and
    /// rises with k, as the ε-quantile of V̄/V for uniform data must), so it is read with
    /// rows d and columns k.
    static let alphaTable: [[Double]] = [
        [0.182223965479, 0.284369546188, 0.372004034419, 0.442893795925, 0.503244036771, 0.554523151827,
         0.594569019178, 0.630902908893, 0.660294600173, 0.689290423104, 0.711052405321, 0.735075139036,
         0.751907531843, 0.767808699046, 0.782447912599, 0.795362142338, 0.806728145082, 0.817251548953],
        [0.077829985907, 0.167277001441, 0.250140617664, 0.320279614808, 0.384474207022, 0.441995979538,
         0.489971768442, 0.532177849697, 0.568560797838, 0.603990156769, 0.636592811145, 0.660155642844,
         0.683953930522, 0.706157499348, 0.724844457459, 0.743606285364, 0.757282904602],
        [], // d = 4: not in the sheet
        [0.023952619188, 0.067077191343, 0.123341088270, 0.180215310865, 0.239441779467, 0.297637315473,
         0.351355337464, 0.404193649384, 0.451739048113, 0.498457905644, 0.538888511595, 0.578157850022,
         0.614936802537, 0.651597960681, 0.679499742115],
        [], [], [], [], // d = 6 … 9: not in the sheet
        [0.003733654747, 0.014748465086, 0.034749181939, 0.063109183452, 0.100471443397, 0.147693944204,
         0.200195808062, 0.261373834651, 0.325363236978, 0.398082082626],
    ]

    /// The LNC threshold α for k neighbours in a d-dimensional joint space from NPEET_LNC's
    /// table (``alphaTable``), or `nil` where the table has no entry (d = 2, 3, 5, 10 with
    /// d < k ≤ 20). The recipe behind it (Gao et al. 2015, §4): α_{k,d} is a small
    /// quantile of V̄/V for uniformly distributed samples, where no correction is due.
    /// - Complexity: O(1).
    public static func lncAlpha(k: Int, dimension d: Int) -> Double? {
        guard d >= 2, d - 2 < alphaTable.count, k > d else { return nil }
        let row = alphaTable[d - 2]
        return k - d - 1 < row.count ? row[k - d - 1] : nil
    }

    /// The mean LNC term (1/n)·Σ_i max(0, log V(i) − log V̄(i)) over the samples with
    /// V̄(i)/V(i) < α, in nats: V(i) is the bounding box about sample i of its k nearest
    /// neighbours in the joint max-norm (the neighbourhood KSG uses), V̄(i) the box about i
    /// aligned with the principal axes of those k offsets (Gao, Ver Steeg and Galstyan 2015;
    /// NPEET_LNC's `mi_LNC`, whose box spans every coordinate of X and Y). It is never
    /// negative and is added to the KSG estimate. α is `lncAlpha`, or ``lncAlpha(k:dimension:)``
    /// when `nil`. Samples whose boxes have zero volume (repeated values) get no term.
    ///
    /// Deterministic: the same samples give the same bits (terms summed in ascending order,
    /// so a permutation of the samples that keeps every neighbour set gives the same bits).
    ///
    /// - Throws: ``EstimationError/lncUnavailable(k:dimension:)`` when k < d_x + d_y (the
    ///   k offsets cannot span the joint space), or when α is `nil` and the table has no
    ///   entry for (k, d_x + d_y).
    /// - Complexity: O(n²·d + n·(k·d² + d³)), d = d_x + d_y (exact brute-force neighbours);
    ///   allocates O(n·d) per call, nothing per sample.
    public func lncCorrection(_ x: Prepared, _ y: Prepared) throws(EstimationError) -> Double {
        let n = x.count, dx = x.dimension, dy = y.dimension, d = dx + dy
        guard k >= d, let alpha = lncAlpha ?? Self.lncAlpha(k: k, dimension: d) else {
            throw .lncUnavailable(k: k, dimension: d)
        }
        guard n > k else { throw .tooFewSamples(count: n, required: k + 1) }
        let xv = x.values, yv = y.values
        var joint = [Double](repeating: 0, count: n * d)
        for i in 0..<n {
            for j in 0..<dx { joint[i * d + j] = xv[i * dx + j] }
            for j in 0..<dy { joint[i * d + dx + j] = yv[i * dy + j] }
        }
        var terms = [Double](repeating: 0, count: n)
        joint.withUnsafeBufferPointer { z in
            terms.withUnsafeMutableBufferPointer { t in
                _lncTerms(z.baseAddress!, n: n, d: d, k: k, logAlpha: log(alpha), terms: t.baseAddress!)
            }
        }
        terms.sort()
        var sum = 0.0
        for t in terms where t > 0 { sum += t }
        return sum / Double(n)
    }
}
