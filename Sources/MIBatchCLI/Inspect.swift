import ArgumentParser
import Foundation
import MIBatch

/// `mibatch inspect`: summarise a mibatch output, or list any HDF5 file.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise a mibatch output (estimator, input, shards, status, range, top pairs), or list any HDF5 file.",
        discussion: """
            For a mibatch output: estimator and parameters, input file, datasets, shape, dtype \
            and digest, shard(s), pair status counts, value range and the --top pairs by MI, \
            then its datasets. --json prints the same as one JSON object with sorted keys \
            (documented in mibatch(1)). A network file (mibatch network): methods, parameters, \
            input, shard, edge counts and the --top edges of each method (--json: kind "network"). \
            Any other HDF5 file: its datasets and root attributes.
            """
    )

    @Argument(help: "HDF5 file to describe.")
    var file: String

    @Option(help: ArgumentHelp("Number of pairs with the largest MI to list.", valueName: "K"))
    var top: Int = 10

    @Flag(help: "Print a JSON object (sorted keys) instead of text; the file must be a mibatch output.")
    var json = false

    @Flag(help: "Also print every root attribute (the full provenance).")
    var attributes = false

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top must be at least 0 (got \(top))") }
    }

    func run() throws {
        do {
            if NetworkSummary.isNetwork(file) {
                if json {
                    print(try NetworkSummary.json(file, top: top).rendered())
                    return
                }
                print(try NetworkSummary.text(file, top: top))
                print(try Inspector.describe(file, attributes: attributes))
                return
            }
            if json || ResultFile.isOutput(file) {
                let summary = OutputSummary(try ResultFile.read(file), top: top)
                if json {
                    print(summary.json.rendered())
                    return
                }
                print(Inspector.summary(summary))
                print(try Inspector.describe(file, attributes: attributes))
            } else {
                print(file)
                print(try Inspector.describe(file))
            }
        } catch {
            FileHandle.standardError.write(Data("mibatch: error: \(error)\n".utf8))
            throw ExitCode(error.exitStatus)
        }
    }
}
