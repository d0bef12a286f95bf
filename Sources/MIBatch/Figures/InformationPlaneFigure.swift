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

/// `mibatch plot` end to end: read a result, lay out the figure, write SVG or PNG.
public enum Plotter {
    /// Output formats, chosen by the file extension.
    public enum Format: String, Sendable { case svg, png }

    /// The title: estimator, samples and variables, e.g. `KSG-2 (k=3, global-linf), n = 2000, 12 variables`.
    public static func title(_ result: ResultFile) -> String {
        let summary = OutputSummary(result, top: 0)
        let shape = summary.inputDatasets.first?.shape ?? []
        let transposed = result.attributes["input_layout"] == "variables x samples"
        let samples = shape.isEmpty ? nil : (transposed && shape.count > 1 ? shape[1] : shape[0])
        let size = result.isAllPairs ? "\(result.rows) variables" : "\(result.rows) x \(result.columns) variables"
        return [result.attributes["estimator"] ?? "MI", samples.map { "n = \($0)" }, size].compactMap { $0 }.joined(separator: ", ")
    }

    /// Plots `input` (a mibatch output) to `output` (`.svg` or `.png`).
    ///
    /// - Throws: `.invalidOption` for another extension, `--information-plane` on a file that
    ///   is not 2 × m rectangular, or `--cluster` above ``Clustering/maximumVariables``;
    ///   `.notAnOutput`/`.hdf5` for the input; `.cannotCreateOutput` when writing fails.
    public static func plot(input: String, output: String, cluster: Bool, informationPlane: Bool) throws(MIBatchError) {
        guard let format = Format(rawValue: URL(fileURLWithPath: output).pathExtension.lowercased()) else {
            throw .invalidOption("plot: -o must end in .svg or .png (got \(output))")
        }
        let result = try ResultFile.read(input)
        let scene: Scene
        if informationPlane {
            guard InformationPlaneFigure.applies(to: result) else {
                throw .invalidOption("plot --information-plane: \(input) is \(result.rows) x \(result.columns) \(result.isAllPairs ? "all pairs" : "rectangular"); it needs a rectangular run with exactly 2 rows (--x-vars X,Y --y-vars T1,...)")
            }
            scene = InformationPlaneFigure.scene(result, title: "Information plane: " + title(result))
        } else {
            var rows = Array(0..<result.rows), columns = Array(0..<result.columns)
            if cluster {
                guard max(result.rows, result.columns) <= Clustering.maximumVariables else {
                    throw .invalidOption("plot --cluster: at most \(Clustering.maximumVariables) variables per axis (this file has \(max(result.rows, result.columns)))")
                }
                if result.isAllPairs {
                    rows = Clustering.order(distances: Clustering.distances(mi: result.values, status: result.status, count: result.rows), count: result.rows)
                    columns = rows
                } else {
                    rows = Clustering.order(distances: Clustering.profileDistances(result.values, rows: result.rows, columns: result.columns), count: result.rows)
                    let transposed = (0..<(result.rows * result.columns)).map { result.values[($0 % result.rows) * result.columns + $0 / result.rows] }
                    columns = Clustering.order(distances: Clustering.profileDistances(transposed, rows: result.columns, columns: result.rows), count: result.columns)
                }
            }
            scene = HeatmapFigure.scene(result, rowOrder: rows, columnOrder: columns, title: title(result) + (cluster ? ", clustered" : ""))
        }
        let bytes = format == .svg ? Array(scene.svg.utf8) : scene.png
        guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
            throw .cannotCreateOutput(path: output, reason: "cannot write the file")
        }
    }
}
