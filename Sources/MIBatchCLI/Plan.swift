import ArgumentParser
import Foundation
import MIBatch

/// `mibatch plan`: show what `run` would do, without computing.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the execution plan of a run (variables, pairs, tiles, memory, cost) without computing."
    )

    @OptionGroup var options: RunOptions

    func run() throws {
        do {
            let configuration = try options.configuration()
            let prepared = try Job.prepare(configuration)
            print(PlanReport.text(source: prepared.source, plan: prepared.plan,
                                  shards: options.shards ?? (configuration.shard.count > 1 ? configuration.shard.count : nil)))
            if !prepared.selection.steps.isEmpty { print("variable selection: \(prepared.selection.description)") }
        } catch {
            FileHandle.standardError.write(Data("mibatch: error: \(error)\n".utf8))
            throw ExitCode(error.exitStatus)
        }
    }
}
