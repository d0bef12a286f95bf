import Foundation

/// `mibatch plot`: the MI matrix as a heatmap with a colour bar and a legend for failed and
/// not computed pairs; variable names on the axes when there are at most
/// ``maximumLabelledVariables`` on that axis; optionally ordered by ``Clustering``.
public enum HeatmapFigure {
    /// Axes with more variables than this show index ticks instead of names.
    public static let maximumLabelledVariables = 60
    /// Largest side of the matrix area in pixels.
    static let plotSide = 720.0

    /// The layout of a heatmap of `result`: `order` (rows, columns) are the index orders
    /// drawn top to bottom and left to right.
    public static func scene(_ result: ResultFile, rowOrder: [Int], columnOrder: [Int], title: String) -> Scene {
        let rows = rowOrder.count, columns = columnOrder.count
        let showRowNames = rows <= maximumLabelledVariables, showColumnNames = columns <= maximumLabelledVariables
        let cell = min(showRowNames && showColumnNames ? 32 : plotSide, plotSide / Double(max(rows, columns)))
        let mapWidth = cell * Double(columns), mapHeight = cell * Double(rows)
        let labelSize = 10.0
        let charWidth = 6.0 * Double(Raster.scale(forSize: labelSize))
        func labelWidth(_ names: [String]) -> Double { Double(names.map(\.count).max() ?? 1) * charWidth + 10 }
        let left = max(50, showRowNames ? labelWidth(rowOrder.map { result.rowNames[$0] }) : 50)
        let top = 50.0
        let bottom = max(40, showColumnNames ? labelWidth(columnOrder.map { result.columnNames[$0] }) : 40)
        let barX = left + mapWidth + 30, barWidth = 18.0
        let titleWidth = Double(BitmapFont.textWidth(title) * Raster.scale(forSize: 14))
        let width = Int(max(barX + barWidth + 140, left + titleWidth + 20).rounded(.up))
        let height = Int((top + max(mapHeight, 240) + bottom).rounded(.up))
        var scene = Scene(width: width, height: height)

        let scale = ColorScale(values: zip(result.values, result.status).lazy.compactMap { $1 == PairStatus.computed.rawValue ? $0 : nil })
        // More cells than pixels: keep the cell under each pixel's centre (what drawing every
        // cell nearest-neighbour would show), so a 10,000 × 10,000 matrix becomes 720 × 720.
        func sampled(_ order: [Int], pixels: Double) -> [Int] {
            let count = min(order.count, max(1, Int(pixels.rounded())))
            guard count < order.count else { return order }
            return (0..<count).map { order[min(order.count - 1, Int((Double($0) + 0.5) / Double(count) * Double(order.count)))] }
        }
        let gridRows = sampled(rowOrder, pixels: mapHeight), gridColumns = sampled(columnOrder, pixels: mapWidth)
        var colors: [RGB] = []
        colors.reserveCapacity(gridRows.count * gridColumns.count)
        for row in gridRows {
            for column in gridColumns { colors.append(scale.color(value: result[row, column], status: result.statusCode(row, column))) }
        }
        scene.elements.append(.text(x: left, y: 24, text: title, size: 14, anchor: .start, vertical: false, color: .black))
        scene.elements.append(.cells(x: left, y: top, width: mapWidth, height: mapHeight, columns: gridColumns.count,
                                     rows: gridRows.count, colors: colors))
        scene.elements.append(.rect(x: left - 1, y: top - 1, width: mapWidth + 1, height: mapHeight + 1, fill: nil, stroke: .grey))

        // Axis labels: names, or index ticks.
        for (position, row) in rowOrder.enumerated() where showRowNames {
            scene.elements.append(.text(x: left - 5, y: top + (Double(position) + 0.5) * cell + 3.5, text: result.rowNames[row],
                                        size: labelSize, anchor: .end, vertical: false, color: .black))
        }
        for (position, column) in columnOrder.enumerated() where showColumnNames {
            scene.elements.append(.text(x: left + (Double(position) + 0.5) * cell + 3.5, y: top + mapHeight + 5, text: result.columnNames[column],
                                        size: labelSize, anchor: .end, vertical: true, color: .black))
        }
        if !showRowNames {
            for tick in Ticks.nice(0, Double(rows - 1)) where tick == tick.rounded() {
                let y = top + (tick + 0.5) * cell
                scene.elements.append(.line(x1: left - 4, y1: y, x2: left, y2: y, color: .grey, width: 1))
                scene.elements.append(.text(x: left - 6, y: y + 3.5, text: String(Int(tick)), size: labelSize, anchor: .end, vertical: false, color: .black))
            }
        }
        if !showColumnNames {
            for tick in Ticks.nice(0, Double(columns - 1)) where tick == tick.rounded() {
                let x = left + (tick + 0.5) * cell
                scene.elements.append(.line(x1: x, y1: top + mapHeight, x2: x, y2: top + mapHeight + 4, color: .grey, width: 1))
                scene.elements.append(.text(x: x, y: top + mapHeight + 16, text: String(Int(tick)), size: labelSize, anchor: .middle, vertical: false, color: .black))
            }
        }
        addColorBar(to: &scene, scale: scale, x: barX, y: top, width: barWidth, height: 200, units: result.units)
        return scene
    }

    /// A vertical colour bar (maximum at the top) with ticks, the units, and swatches for
    /// failed and not computed pairs below it.
    static func addColorBar(to scene: inout Scene, scale: ColorScale, x: Double, y: Double, width: Double, height: Double, units: String) {
        let steps = 200
        let colors = (0..<steps).map { ColorScale.viridis(1 - (Double($0) + 0.5) / Double(steps)) }
        scene.elements.append(.cells(x: x, y: y, width: width, height: height, columns: 1, rows: steps, colors: colors))
        scene.elements.append(.rect(x: x - 1, y: y - 1, width: width + 1, height: height + 1, fill: nil, stroke: .grey))
        for tick in Ticks.nice(scale.minimum, scale.maximum) {
            let ty = y + height * (1 - (tick - scale.minimum) / (scale.maximum - scale.minimum))
            scene.elements.append(.line(x1: x + width, y1: ty, x2: x + width + 4, y2: ty, color: .grey, width: 1))
            scene.elements.append(.text(x: x + width + 7, y: ty + 3.5, text: Ticks.label(tick), size: 10, anchor: .start, vertical: false, color: .black))
        }
        scene.elements.append(.text(x: x, y: y - 8, text: "MI (\(units))", size: 10, anchor: .start, vertical: false, color: .black))
        for (index, (label, color)) in [("failed", ColorScale.failed), ("not computed", ColorScale.notComputed)].enumerated() {
            let sy = y + height + 20 + Double(index) * 20
            scene.elements.append(.rect(x: x, y: sy, width: width, height: 12, fill: color, stroke: .grey))
            scene.elements.append(.text(x: x + width + 7, y: sy + 10, text: label, size: 10, anchor: .start, vertical: false, color: .black))
        }
    }
}
