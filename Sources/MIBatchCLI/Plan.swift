import ArgumentParser
import Foundation
import MIBatch

/// `mibatch plan`: show what `run` would do, without computing.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the execution plan of a run (variables, pairs, tiles, memory, cost) without computing."
    )

    @OptionGroup var options: RunOptions

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp(
        "The output the run would write. Optional: plan writes nothing, and the output only matters when resuming (plan then reports an existing OUTPUT.ckpt or OUTPUT) and for naming the column scratch file and shard outputs.",
        valueName: "output"))
    var output: String?

    @Flag(name: .customLong("no-calibration"), help: "Skip the short calibration on the data (about a second) that projects the run's time and output size.")
    var noCalibration = false

    func run() throws {
        do {
            let configuration = try options.configuration(output: output ?? "")
            let clock = ContinuousClock(), start = clock.now
            let prepared = try Job.prepare(configuration)
            let setup = (clock.now - start).seconds
            let shards = options.shards ?? (configuration.shard.count > 1 ? configuration.shard.count : nil)
            print(PlanReport.text(source: prepared.source, plan: prepared.plan, shards: shards, configuration: configuration))
            if !prepared.selection.steps.isEmpty { print("variable selection: \(prepared.selection.description)") }
            if let output { resumeLines(output: output, configuration: configuration).forEach { print($0) } }
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

    /// What a rerun would find under `output` (the shard's file when sharded): a checkpoint to
    /// resume from, or an existing output. Only file existence is checked: whether they match
    /// the input and options is known after the input digest, which `run` computes.
    func resumeLines(output: String, configuration: RunConfiguration) -> [String] {
        let path = configuration.shard.outputPath(for: output)
        let manager = FileManager.default
        if manager.fileExists(atPath: path + ".ckpt") {
            return ["resume: \(path).ckpt exists; run resumes from its finished pairs when it was written for the same input, options and shard (else it stops with status 65)"]
        }
        if manager.fileExists(atPath: path) {
            return ["resume: \(path) exists; run does nothing when it already holds this result (same input digest, options and shard)"]
        }
        return ["resume: no checkpoint \(path).ckpt; run starts afresh"]
    }
}
