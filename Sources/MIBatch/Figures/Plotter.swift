import Foundation

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

    /// Plots `input` (a mibatch output) to `output` (`.svg` or `.png`), written atomically;
    /// an existing figure is replaced, the input never.
    ///
    /// - Throws: `.invalidOption` for another extension, `--information-plane` on a file that
    ///   is not 2 × m rectangular, or `--cluster` above ``Clustering/maximumVariables``;
    ///   `.notAnOutput`/`.hdf5` for the input; `.outputIsInput`; `.cannotCreateOutput` when
    ///   writing fails.
    public static func plot(input: String, output: String, cluster: Bool, informationPlane: Bool) throws(MIBatchError) {
        guard let format = Format(rawValue: URL(fileURLWithPath: output).pathExtension.lowercased()) else {
            throw .invalidOption("plot: -o must end in .svg or .png (got \(output))")
        }
        if OutputWriter.isSameFile(input, output) { throw .outputIsInput(path: output) }
        let result = NetworkSummary.isNetwork(input) ? try NetworkSummary.matrix(input) : try ResultFile.read(input)
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
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw .cannotCreateOutput(path: output, reason: (error as NSError).localizedDescription)
        }
    }
}
