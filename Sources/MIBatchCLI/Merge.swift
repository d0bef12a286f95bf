import ArgumentParser
import Foundation
import MIBatch

/// `mibatch merge`: combine shard outputs.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shard files of one run (or of one network) into one file.",
        discussion: """
            Refuses shards computed from different input data or options (naming the first \
            difference). When shards are missing it names them and prints the --array= list to \
            resubmit, exits with status 4, and writes nothing unless --partial is given (then \
            missing pairs have status 0). Shards of 'mibatch network --shard I/N' merge into the \
            network the unsharded command writes, with its --adjacency and --export files.
            """
    )

    @Argument(help: "Shard files written by 'mibatch run' or 'mibatch network' with --shard I/N (or in a SLURM array).")
    var shards: [String]

    @Option(name: [.short, .customLong("output")], help: "Merged output file (written atomically).")
    var output: String

    @Flag(help: "Write the merged file even when shards are missing.")
    var partial = false

    @Option(help: ArgumentHelp("Deflate level 0-9 of the merged /mi and /status (after byte shuffle), or none.", valueName: "LEVEL|none"))
    var compression: OutputCompression = .default

    @Flag(help: "Replace OUTPUT if it exists.")
    var force = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        do {
            let outcome = try Merge.run(shards, output: output, partial: partial, force: force,
                                    compression: compression, commandLine: CommandLine.arguments)
            if let missing = outcome.missing {
                FileHandle.standardError.write(Data("mibatch: error: \(missing)\n".utf8))
                if !quiet { print("mibatch: wrote partial \(outcome.output): \(outcome.merged) of \(outcome.expected) shards, \(outcome.missingCells) pairs missing") }
                throw ExitCode(ExitStatus.incomplete)
            }
            if !quiet { print("mibatch: wrote \(outcome.output): \(outcome.merged) shards, \(outcome.filledCells) \(outcome.counted)") }
        } catch let error as MIBatchError {
            FileHandle.standardError.write(Data("mibatch: error: \(error)\n".utf8))
            throw ExitCode(error.exitStatus)
        }
    }
}
