import Foundation

/// The information plane of a rectangular run with two row variables X and Y
/// (`--x-vars X,Y --y-vars T1,T2,...`): one point per column T at (I(X;T), I(T;Y)),
/// labelled with T's name, in the column order of the file.
public enum InformationPlaneFigure {
    /// Whether `result` has the information-plane shape: rectangular with exactly 2 rows.
    public static func applies(to result: ResultFile) -> Bool { !result.isAllPairs && result.rows == 2 }

    /// The scatter plot. Pairs that are not computed or failed are left out and counted in
    /// a note under the plot.
    public static func scene(_ result: ResultFile, title: String) -> Scene {
        let width = max(760, 100 + BitmapFont.textWidth(title) * Raster.scale(forSize: 14)), height = 560
        let left = 80.0, top = 50.0, plotWidth = 560.0, plotHeight = 420.0
        var scene = Scene(width: width, height: height)
        var points: [(x: Double, y: Double, name: String)] = []
        var skipped = 0
        for column in 0..<result.columns {
            let x = result[0, column], y = result[1, column]
            if result.statusCode(0, column) == PairStatus.computed.rawValue, result.statusCode(1, column) == PairStatus.computed.rawValue,
               x.isFinite, y.isFinite {
                points.append((x, y, result.columnNames[column]))
            } else {
                skipped += 1
            }
        }
        func range(_ values: [Double]) -> (Double, Double) {
            let low = min(0, values.min() ?? 0), high = max(values.max() ?? 1, low + 1e-12)
            let pad = (high - low) * 0.08
            return (low == 0 ? 0 : low - pad, high + pad)
        }
        let (x0, x1) = range(points.map(\.x)), (y0, y1) = range(points.map(\.y))
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - (y - y0) / (y1 - y0) * plotHeight }

        scene.elements.append(.text(x: left, y: 24, text: title, size: 14, anchor: .start, vertical: false, color: .black))
        scene.elements.append(.rect(x: left, y: top, width: plotWidth, height: plotHeight, fill: nil, stroke: .grey))
        for tick in Ticks.nice(x0, x1) {
            scene.elements.append(.line(x1: px(tick), y1: top + plotHeight, x2: px(tick), y2: top + plotHeight + 5, color: .grey, width: 1))
            scene.elements.append(.text(x: px(tick), y: top + plotHeight + 18, text: Ticks.label(tick), size: 10, anchor: .middle, vertical: false, color: .black))
        }
        for tick in Ticks.nice(y0, y1) {
            scene.elements.append(.line(x1: left - 5, y1: py(tick), x2: left, y2: py(tick), color: .grey, width: 1))
            scene.elements.append(.text(x: left - 8, y: py(tick) + 3.5, text: Ticks.label(tick), size: 10, anchor: .end, vertical: false, color: .black))
        }
        let xName = result.rowNames[0], yName = result.rowNames[1]
        scene.elements.append(.text(x: left + plotWidth / 2, y: top + plotHeight + 40, text: "I(\(xName); T) (\(result.units))",
                                    size: 12, anchor: .middle, vertical: false, color: .black))
        scene.elements.append(.text(x: 22, y: top + plotHeight / 2, text: "I(T; \(yName)) (\(result.units))",
                                    size: 12, anchor: .middle, vertical: true, color: .black))
        for (index, point) in points.enumerated() {
            let color = ColorScale.viridis(points.count > 1 ? Double(index) / Double(points.count - 1) * 0.85 : 0.4)
            scene.elements.append(.circle(x: px(point.x), y: py(point.y), radius: 6, fill: color, stroke: .black))
            scene.elements.append(.text(x: px(point.x) + 9, y: py(point.y) - 6, text: point.name, size: 10, anchor: .start, vertical: false, color: .black))
        }
        if skipped > 0 {
            scene.elements.append(.text(x: left, y: top + plotHeight + 58, text: "\(skipped) of \(result.columns) variables not shown (failed or not computed)",
                                        size: 10, anchor: .start, vertical: false, color: ColorScale.failed))
        }
        return scene
    }
}
