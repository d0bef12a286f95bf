import Foundation
import HDF5
import Testing

/// SIGKILL at several points of one computation, resuming each time: never a file under
/// the final name before the run completes, never a corrupt one, and the final matrix (and
/// `/samples`) bit-identical to an uninterrupted run.
///
/// Kill points are chosen by progress, not by time: each kill waits until the checkpoint
/// journal holds more than a given number of bytes (its header only, then growing shares
/// of the cells), so every resumed run has made progress before it is killed again.
@Suite struct KillLoopTests {
    func makeInput(_ dir: URL) throws -> String {
        let input = dir.appendingPathComponent("in.h5").path
        var random = TestRandom(seed: 77)
        let samples = 1200, columns = 56
        var values = (0..<(samples * columns)).map { _ in random.normal() }
        for index in stride(from: 17, to: values.count, by: 997) { values[index] = .nan }   // pairwise counts differ per pair
        try File.create(input, overwrite: true).createDataset("/data", type: .float64, shape: [samples, columns]).write(values)
        return input
    }

    func fileSize(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1 }

    @Test func sigkillAtSeveralPointsThenResumeGivesIdenticalBits() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try makeInput(dir)
        let options = ["--dataset", "/data", "--nan", "pairwise", "--quiet"]
        let reference = dir.appendingPathComponent("reference.h5").path
        let uninterrupted = try runMibatch(["run", input, "-o", reference, "--threads", "2"] + options)
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")

        let output = dir.appendingPathComponent("out.h5").path
        let checkpoint = output + ".ckpt"
        let cells = 56 * 55 / 2
        // Journal sizes to wait for before each kill: a header only (any size), then growing
        // shares of the 18-byte cell entries.
        let thresholds = [0] + [0.1, 0.3, 0.5, 0.7, 0.9].map { Int(Double(cells * 18) * $0) }
        var killed = 0
        var finishedEarly = false
        for threshold in thresholds {
            let process = Process()
            process.executableURL = mibatchExecutable
            process.arguments = ["run", input, "-o", output, "--threads", "1", "--checkpoint-interval", "0.05"] + options
            process.standardError = FileHandle.nullDevice
            try launch(process)
            while process.isRunning && fileSize(checkpoint) <= threshold { usleep(5_000) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .exit {
                // It finished before the kill landed: the file must then be complete.
                #expect(process.terminationStatus == 0)
                finishedEarly = true
                break
            }
            killed += 1
            #expect(!FileManager.default.fileExists(atPath: output), "no file under the final name after kill \(killed)")
            #expect(fileSize(checkpoint) > 0, "the journal survives a kill")
            let temporaries = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.filter { $0.hasSuffix(".tmp") } ?? []
            #expect(temporaries.count <= 1, "at most the killed run's own temporary: \(temporaries)")
        }
        #expect(killed >= 3, "the run was killed at several points (\(killed)); finished early: \(finishedEarly)")

        if !finishedEarly {
            let rerun = try runMibatch(["run", input, "-o", output, "--threads", "2"] + options)
            #expect(rerun.status == 0, "\(rerun.stderr)")
        }
        #expect(try miBits(output) == miBits(reference), "resumed result must equal the uninterrupted run bit for bit")
        #expect(try File.open(output).dataset("/samples").readAll() == (try File.open(reference).dataset("/samples").readAll()))
        #expect(try File.open(output).dataset("/status").readBytes() == (try File.open(reference).dataset("/status").readBytes()))
        #expect(!FileManager.default.fileExists(atPath: checkpoint), "journal removed after success")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.filter { $0.hasSuffix(".tmp") || $0.hasSuffix(".new") } ?? []
        #expect(left.isEmpty, "stale temporaries of killed runs are removed: \(left)")
    }
}
