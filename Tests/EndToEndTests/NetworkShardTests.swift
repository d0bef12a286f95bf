import Foundation
import HDF5
import Testing

/// `mibatch network --shard I/N` and `mibatch merge` of its shards: the network of the
/// unsharded command, bit for bit, for every split; missing or mismatched shards refused.
@Suite struct NetworkShardTests {
    static let methodArguments = ["--method", "aracne,clr,mrnet", "--min-mi", "0.02"]

    /// `/adjacency/METHOD` as bit patterns.
    static func adjacency(_ path: String) throws -> [String: [UInt64]] {
        let file = try File.open(path)
        var result: [String: [UInt64]] = [:]
        for method in ["aracne", "clr", "mrnet"] { result[method] = try file.dataset("/adjacency/" + method).readAll().map(\.bitPattern) }
        return result
    }

    @Test func everySplitMergesToTheUnshardedNetwork() throws {
        let (directory, mi) = try NetworkCommandTests.miFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let whole = path("whole.h5")
        let reference = try runMibatch(["network", mi] + Self.methodArguments + ["--adjacency", "--export", "tsv", "-o", whole])
        #expect(reference.status == 0, "\(reference.stderr)")
        let edges = try NetworkCommandTests.edges(whole), adjacency = try Self.adjacency(whole)
        #expect(edges["/edges/mrnet/weight"].map { $0.count > 10 } == true, "too few MRNET edges for the comparison to mean anything")

        // 7 shards of 60 targets cut correlated pairs (16, 17), (24, 25), (50, 51) in two, so
        // MRNET's two directions of those pairs come from different shards.
        for count in [2, 7] {
            var parts: [String] = []
            for index in 1...count {
                // One shard spills MRNET's matrix to a scratch file (16K), the others keep it in memory.
                let memory = index == count ? ["--memory", "16K"] : []
                let result = try runMibatch(["network", mi] + Self.methodArguments + memory
                                            + ["--adjacency", "--export", "tsv", "--shard", "\(index)/\(count)", "-o", path("net\(count).h5")])
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout.contains("shard \(index)/\(count)"), "\(result.stdout)")
                parts.append(path(String(format: "net\(count).shard-%04d-of-%04d.h5", index, count)))
            }
            let shardFile = try File.open(parts[0])
            #expect(shardFile.contains("/edges/aracne/weight") && !shardFile.contains("/adjacency/aracne"), "a shard writes its edges, merge the adjacency")
            #expect(!FileManager.default.fileExists(atPath: path("net\(count).shard-0001-of-\(String(format: "%04d", count)).aracne.tsv")))
            let merged = path("merged\(count).h5")
            let result = try runMibatch(["merge"] + parts.reversed() + ["-o", merged])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try NetworkCommandTests.edges(merged) == edges, "\(count) shards merged to other edges than the unsharded run")
            #expect(try Self.adjacency(merged) == adjacency, "\(count) shards merged to another adjacency")
            for method in ["aracne", "clr", "mrnet"] {
                #expect(try String(contentsOfFile: path("merged\(count).\(method).tsv"), encoding: .utf8)
                        == String(contentsOfFile: path("whole.\(method).tsv"), encoding: .utf8), "\(method).tsv of \(count) shards")
            }
            let file = try File.open(merged)
            #expect(try file.attribute("shard") == nil && file.attribute("merge_outputs") == nil)
            if case let .string(sources)? = try file.attribute("merged_from") {
                #expect(sources.split(separator: "\n").count == count)
            } else {
                Issue.record("merged_from missing")
            }
            let summary = try runMibatch(["inspect", parts[1]])
            #expect(summary.stdout.contains("shard") && summary.stdout.contains("mibatch merge"), "\(summary.stdout)")

            // inspect --json of the merged network agrees with the file.
            let json = try runMibatch(["inspect", merged, "--json", "--top", "3"])
            #expect(json.status == 0, "\(json.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["kind"] as? String == "network" && object["nodes"] as? Int == 60)
            #expect((object["merged_from"] as? [String])?.count == count && object["shard"] is NSNull)
            let mrnet = try #require((object["edges"] as? [String: Any])?["mrnet"] as? [String: Any])
            let weights = try file.dataset("/edges/mrnet/weight").readAll(), names = try file.dataset("/edges/mrnet/row_name").readStrings()
            #expect(mrnet["count"] as? Int == weights.count)
            let top = try #require(mrnet["top"] as? [[String: Any]])
            // (Foundation's JSON parser may round the last digit: compare to 1e-14.)
            #expect(top.count == 3 && abs((top.first?["weight"] as? Double ?? .nan) - weights[0]) < 1e-14 && top.first?["row_name"] as? String == names[0])
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("mrnet-rows") || $0.hasSuffix(".tmp") }
        #expect(left.isEmpty, "scratch files left behind: \(left)")
    }

    @Test func missingOrMismatchedShardsAreRefused() throws {
        let (directory, mi) = try NetworkCommandTests.miFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        // Shards 1 and 3 of 3 through a SLURM array (--shards 3, task ids 0 and 2).
        for id in ["0", "2"] {
            let result = try runMibatch(["network", mi, "--method", "aracne,mrnet", "--shards", "3", "-o", path("net.h5"), "--quiet"],
                                        environment: ["SLURM_ARRAY_TASK_ID": id])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let first = path("net.shard-0001-of-0003.h5"), third = path("net.shard-0003-of-0003.h5")
        #expect(FileManager.default.fileExists(atPath: first) && FileManager.default.fileExists(atPath: third))
        let merged = path("merged.h5")
        try expectRefused(["merge", first, third, "-o", merged], output: merged, status: 4, mentions: ["2/3", "--array=1"])
        try expectRefused(["merge", first, third, "--partial", "-o", merged], output: merged, status: 64, mentions: ["--partial"])

        // Shard 2/3 with another --min-mi is another network.
        let other = try runMibatch(["network", mi, "--method", "aracne,mrnet", "--min-mi", "0.05", "--shard", "2/3", "-o", path("net.h5"), "--quiet"])
        #expect(other.status == 0, "\(other.stderr)")
        try expectRefused(["merge", first, path("net.shard-0002-of-0003.h5"), third, "-o", merged], output: merged, status: 65,
                          mentions: ["parameters"])
        try expectRefused(["merge", first, first, third, "-o", merged], output: merged, status: 65, mentions: ["twice"])
        try expectRefused(["merge", first, mi, "-o", merged], output: merged, status: 65, mentions: ["not a shard file of mibatch network"])
    }
}
