import ArgumentParser
import Foundation
import MIBatch

/// `mibatch plan`: show what `run` would do, without computing.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the execution plan of a run (variables, pairs, tiles, memory, cost) without computing."
    )

    @OptionGroup var options: RunOptions

    @Flag(name: .customLong("no-calibration"), help: "Skip the short calibration on the data (about a second) that projects the run's time and output size.")
    var noCalibration = false

    func run() throws {
        do {
            let configuration = try options.configuration()
            let clock = ContinuousClock(), start = clock.now
            let prepared = try Job.prepare(configuration)
            let setup = (clock.now - start).seconds
            let shards = options.shards ?? (configuration.shard.count > 1 ? configuration.shard.count : nil)
            print(PlanReport.text(source: prepared.source, plan: prepared.plan, shards: shards, configuration: configuration))
            if !prepared.selection.steps.isEmpty { print("variable selection: \(prepared.selection.description)") }
            if !noCalibration {
                do {
                    let projection = try Projection.measure(configuration, source: prepared.source, plan: prepared.plan, shards: shards, setup: setup)
                    projection.lines.forEach { print($0) }
                } catch {
                    print("projected time: unavailable (the calibration could not read the data: \(error))")
                }
            }
        } catch {
            FileHandle.standardError.write(Data("mibatch: error: \(error)\n".utf8))
            throw ExitCode(error.exitStatus)
        }
    }
}
