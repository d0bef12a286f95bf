import ArgumentParser
import MIBatch

/// The `mibatch` command: mutual-information matrices from HDF5 data.
@main
struct MIBatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mibatch",
        abstract: "Compute mutual-information matrices from HDF5 datasets.",
        discussion: """
            Reads a 2-D dataset (samples × variables), estimates the mutual information of every \
            pair of variables with a scale-invariant estimator, and writes the matrix with its \
            provenance to a new HDF5 file. See mibatch(1).
            """,
        version: Provenance.versionLine,
        subcommands: [Run.self, Plan.self, MergeCommand.self, NetworkCommand.self, Inspect.self, PlotCommand.self]
    )
}
