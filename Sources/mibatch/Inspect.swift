import ArgumentParser
import Foundation
import MIBatch

/// `mibatch inspect`: describe an HDF5 file.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every dataset of an HDF5 file and, for a mibatch output, its provenance."
    )

    @Argument(help: "HDF5 file to describe.")
    var file: String

    func run() throws {
        do {
            print(try Inspector.describe(file))
        } catch {
            FileHandle.standardError.write(Data("mibatch: error: \(error)\n".utf8))
            throw ExitCode(error.exitStatus)
        }
    }
}
