/// Vectorised building blocks of the MINE kernel and its scalar types.

import CMIKernels

/// The network's scalar type: Float (production) or Double (gradient checks).
protocol _MINEScalar: BinaryFloatingPoint, SIMDScalar, Codable {
    /// 1 if `v` is not ±0 (NaN and ±∞ count as nonzero), else 0; computed with integer
    /// arithmetic so that loops using it stay branch-free.
    static func nonzeroBit(_ v: Self) -> Int
    /// `v` if `a` is not ±0, else +0 (bitwise, branch-free): the ReLU mask for a ≥ 0.
    static func masked(_ v: Self, by a: Self) -> Self
}

extension Float: _MINEScalar {
    @inline(__always) static func nonzeroBit(_ v: Float) -> Int {
        Int(truncatingIfNeeded: ((v.bitPattern & 0x7FFF_FFFF) &+ 0x7FFF_FFFF) >> 31)
    }
    @inline(__always) static func masked(_ v: Float, by a: Float) -> Float {
        let keep = 0 &- (((a.bitPattern & 0x7FFF_FFFF) &+ 0x7FFF_FFFF) >> 31)
        return Float(bitPattern: v.bitPattern & keep)
    }
}

extension Double: _MINEScalar {
    @inline(__always) static func nonzeroBit(_ v: Double) -> Int {
        Int(truncatingIfNeeded: ((v.bitPattern & 0x7FFF_FFFF_FFFF_FFFF) &+ 0x7FFF_FFFF_FFFF_FFFF) >> 63)
    }
    @inline(__always) static func masked(_ v: Double, by a: Double) -> Double {
        let keep = 0 &- (((a.bitPattern & 0x7FFF_FFFF_FFFF_FFFF) &+ 0x7FFF_FFFF_FFFF_FFFF) >> 63)
        return Double(bitPattern: v.bitPattern & keep)
    }
}

/// `out[j] = start[j] (or 0) + Σ_{u < terms} c_u · rows[r_u · stride + j]` for j < count, where
/// `r_u = index[u]` and `c_u = coefficients[r_u]`: a linear combination of contiguous rows.
///
/// Each out[j] is summed in the order u = 0, 1, … (no reassociation, so the result is the
/// same bits as the naive loop), but 32 outputs at a time are kept in SIMD registers across
/// all terms, so each term costs only the loads of its row.
/// - Precondition: `out` does not overlap `rows`.
/// - Complexity: O(terms · count).
@_specialize(where T == Float)
@_specialize(where T == Double)
func _mineCombineRows<T: _MINEScalar>(
    into out: UnsafeMutablePointer<T>, count: Int, start: UnsafePointer<T>?,
    rows: UnsafePointer<T>, stride: Int, coefficients: UnsafePointer<T>,
    index: UnsafePointer<Int32>, terms: Int
) {
    if T.self == Float.self {
        // Production precision: the C kernel (AVX when the CPU has it; same bits as below).
        func f(_ p: UnsafePointer<T>) -> UnsafePointer<Float> { UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }
        mib_combine_rows_f32(
            UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self), count, start.map(f), f(rows),
            stride, f(coefficients), index, terms)
        return
    }
    typealias V = SIMD8<T>
    @inline(__always) func load(_ p: UnsafePointer<T>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<T>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
    var j0 = 0
    while j0 + 32 <= count {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
        if let s = start { a0 = load(s + j0); a1 = load(s + j0 + 8); a2 = load(s + j0 + 16); a3 = load(s + j0 + 24) }
        for u in 0..<terms {
            let r = Int(index[u])
            let c = V(repeating: coefficients[r])
            let p = rows + r * stride + j0
            a0 += c * load(p); a1 += c * load(p + 8); a2 += c * load(p + 16); a3 += c * load(p + 24)
        }
        store(a0, out + j0); store(a1, out + j0 + 8); store(a2, out + j0 + 16); store(a3, out + j0 + 24)
        j0 += 32
    }
    while j0 + 8 <= count {
        var a0 = V()
        if let s = start { a0 = load(s + j0) }
        for u in 0..<terms {
            let r = Int(index[u])
            a0 += V(repeating: coefficients[r]) * load(rows + r * stride + j0)
        }
        store(a0, out + j0)
        j0 += 8
    }
    for j in j0..<count {
        var a = start?[j] ?? 0
        for u in 0..<terms {
            let r = Int(index[u])
            a += coefficients[r] * rows[r * stride + j]
        }
        out[j] = a
    }
}
