import Foundation

/// The heatmap's colour scale: viridis (perceptually uniform, readable in grey and by
/// colour-blind readers) from `minimum` to `maximum`, with distinct colours for pairs that
/// failed and pairs that are not computed (the diagonal of an all-pairs matrix, missing shards).
public struct ColorScale: Sendable {
    /// The value drawn at the bottom of the scale (darkest purple).
    public var minimum: Double
    /// The value drawn at the top of the scale (brightest yellow).
    public var maximum: Double

    /// Status 2 (failed), or a computed cell holding NaN: red, outside viridis.
    public static let failed = RGB(215, 38, 40)
    /// Status 0 (not computed, and the diagonal): light grey.
    public static let notComputed = RGB(217, 217, 217)

    /// Matplotlib's viridis at ten evenly spaced points (CC0), interpolated linearly.
    static let anchors: [RGB] = [
        RGB(0x44, 0x01, 0x54), RGB(0x48, 0x28, 0x78), RGB(0x3E, 0x4A, 0x89), RGB(0x31, 0x68, 0x8E), RGB(0x26, 0x82, 0x8E),
        RGB(0x1F, 0x9E, 0x89), RGB(0x35, 0xB7, 0x79), RGB(0x6D, 0xCD, 0x59), RGB(0xB4, 0xDE, 0x2C), RGB(0xFD, 0xE7, 0x25),
    ]

    /// A scale over the finite `values` (0 to their maximum, or their minimum when below 0;
    /// 0 to 1 when there are none or all are equal to 0).
    public init<Values: Sequence<Double>>(values: Values) {
        var low = 0.0
        var largest: Double? = nil
        for value in values where value.isFinite {
            low = min(low, value)
            largest = max(largest ?? value, value)
        }
        var high = largest ?? 1
        if high <= low { high = low + 1 }
        minimum = low
        maximum = high
    }

    /// The colour of `t` in 0…1 along viridis.
    public static func viridis(_ t: Double) -> RGB {
        let position = min(1, max(0, t)) * Double(anchors.count - 1)
        let index = min(anchors.count - 2, Int(position))
        let fraction = position - Double(index)
        let a = anchors[index], b = anchors[index + 1]
        func mix(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Double(x) + (Double(y) - Double(x)) * fraction).rounded()) }
        return RGB(mix(a.red, b.red), mix(a.green, b.green), mix(a.blue, b.blue))
    }

    /// The colour of a cell from its value and status code.
    public func color(value: Double, status: UInt8) -> RGB {
        switch status {
        case PairStatus.computed.rawValue:
            return value.isFinite ? Self.viridis((value - minimum) / (maximum - minimum)) : Self.failed
        case PairStatus.notComputed.rawValue: return Self.notComputed
        default: return Self.failed
        }
    }
}

/// Axis ticks at "nice" round numbers.
enum Ticks {
    /// About `count` values that are multiples of 1, 2 or 5 × 10^k covering [low, high].
    static func nice(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
        guard high > low, low.isFinite, high.isFinite else { return [low] }
        let raw = (high - low) / Double(max(1, count))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var ticks: [Double] = []
        var value = (low / step).rounded(.up) * step
        while value <= high + step * 1e-9 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return ticks
    }

    /// A tick label with at most 3 significant digits.
    static func label(_ value: Double) -> String { String(format: "%.3g", value) }
}
