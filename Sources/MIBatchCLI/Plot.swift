import ArgumentParser
import Foundation
import MIBatch

/// `mibatch plot`: draw a result as SVG or PNG.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a mibatch output as a heatmap (or an information plane), as SVG or PNG.",
        discussion: """
            The heatmap colours computed pairs on viridis from min(0, smallest) to the largest MI, \
            failed pairs red and pairs not computed (the diagonal, missing shards) light grey, with \
            a colour bar. Variable names label an axis of at most 60 variables. The format follows \
            the extension of -o (.svg or .png; both written by mibatch itself).
            """
    )

    @Argument(help: "A mibatch output (run or merge).")
    var file: String

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Figure to write: FILE.svg or FILE.png.", valueName: "FILE"))
    var output: String

    @Flag(help: "Order variables by average-linkage hierarchical clustering on 1 - MI/max MI (rectangular: on each side's MI profiles); deterministic.")
    var cluster = false

    @Flag(name: .customLong("information-plane"), help: "Scatter I(X;T) against I(T;Y), one point per column T, for a rectangular run with exactly 2 rows (--x-vars X,Y). Never automatic.")
    var informationPlane = false

    func validate() throws {
        if cluster && informationPlane { throw ValidationError("--cluster applies to the heatmap, not to --information-plane") }
    }

    func run() throws {
        do {
            try Plotter.plot(input: file, output: output, cluster: cluster, informationPlane: informationPlane)
        } catch {
            FileHandle.standardError.write(Data("mibatch: error: \(error)\n".utf8))
            throw ExitCode(error.exitStatus)
        }
    }
}
