import Foundation
import HDF5
import Testing

/// `mibatch network` end to end: the built binary on a real `mibatch run` output.
@Suite struct NetworkCommandTests {
    /// An all-pairs gcmi output of 60 variables (30 correlated pairs) in a new directory.
    static func miFile(permutations: Int? = nil) throws -> (directory: URL, mi: String) {
        let directory = makeTemporaryDirectory()
        let input = directory.appendingPathComponent("in.h5").path, mi = directory.appendingPathComponent("mi.h5").path
        try writeCorrelatedPairs(to: input, samples: 300, rhos: (0..<30).map { 0.3 + 0.02 * Double($0) }, seed: 19)
        var arguments = ["run", input, "--dataset", "/data", "--estimator", "gcmi", "-o", mi, "--quiet"]
        if let permutations { arguments += ["--permutations", String(permutations)] }
        let result = try runMibatch(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return (directory, mi)
    }

    /// Every dataset under /edges as bit patterns (strings as UTF-8).
    static func edges(_ path: String) throws -> [String: [UInt64]] {
        let file = try File.open(path)
        var result: [String: [UInt64]] = [:]
        for (object, kind) in try file.objects() where kind == .dataset && object.hasPrefix("/edges/") {
            let dataset = try file.dataset(object)
            result[object] = object.hasSuffix("_name") ? try dataset.readStrings().flatMap { Array($0.utf8).map(UInt64.init) + [0] }
                : try dataset.readAll().map(\.bitPattern)
        }
        return result
    }

    @Test func sameEdgesForEveryMemoryBudget() throws {
        let (directory, mi) = try Self.miFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        var reference: [String: [UInt64]]? = nil
        // 16K: bands of 2 rows and MRNET's 60 × 60 matrix (28 KiB) spilled to a scratch file;
        // 48K: bands of 3 rows, the matrix in memory; 200K: 29 rows; 1G: one band.
        for memory in ["16K", "48K", "200K", "1G"] {
            let output = directory.appendingPathComponent("net-\(memory).h5").path
            let result = try runMibatch(["network", mi, "--method", "aracne,clr,mrnet", "--min-mi", "0.02", "--memory", memory, "-o", output])
            #expect(result.status == 0, "\(result.stderr)")
            let edges = try Self.edges(output)
            #expect(edges["/edges/aracne/weight"].map { !$0.isEmpty } == true, "no ARACNE edges: the comparison would be empty")
            #expect(edges["/edges/mrnet/weight"].map { !$0.isEmpty } == true, "no MRNET edges: the comparison would be empty")
            if let reference { #expect(edges == reference, "--memory \(memory) changed the edges") } else { reference = edges }
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("mrnet-rows") }
        #expect(left.isEmpty, "MRNET's scratch file was left behind: \(left)")
    }

    @Test func fdrNetworkOpensInNetworkxAsGraphML() throws {
        let (directory, mi) = try Self.miFile(permutations: 2000)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("net.h5").path
        let result = try runMibatch(["network", mi, "--method", "aracne", "--fdr", "0.05", "-o", output, "--export", "graphml", "--export", "tsv"])
        #expect(result.status == 0, "\(result.stderr)")
        let graphml = directory.appendingPathComponent("net.aracne.graphml").path
        let script = """
            import sys, h5py, networkx as nx, numpy as np
            g = nx.read_graphml(sys.argv[1]); f = h5py.File(sys.argv[2], "r"); e = f["edges/aracne"]
            names = [s.decode() for s in f["nodes"][:]]
            assert g.number_of_nodes() == len(names), (g.number_of_nodes(), len(names))
            assert g.number_of_edges() == len(e["weight"]) > 0, (g.number_of_edges(), len(e["weight"]))
            label = nx.get_node_attributes(g, "name")
            for r, c, w, q in zip(e["row"][:], e["column"][:], e["weight"][:], e["qvalue"][:]):
                d = g.edges[f"n{r}", f"n{c}"]
                assert d["weight"] == w and d["qvalue"] == q and q <= 0.05, (d, w, q)
                assert label[f"n{r}"] == names[r]
            assert list(e["weight"][:]) == sorted(e["weight"][:], reverse=True)
            print(g.number_of_edges())
            """
        try runPython(script, [graphml, output])
        let tsv = try String(contentsOfFile: directory.appendingPathComponent("net.aracne.tsv").path, encoding: .utf8)
        #expect(tsv.hasPrefix("source\ttarget\tweight\tmi\tqvalue\n"))
        let inspect = try runMibatch(["inspect", output])
        #expect(inspect.status == 0 && inspect.stdout.contains("network of 60 nodes") && inspect.stdout.contains("aracne:"), "\(inspect.stdout)")
        let figure = directory.appendingPathComponent("net.svg").path
        let plot = try runMibatch(["plot", output, "-o", figure])
        #expect(plot.status == 0, "\(plot.stderr)")
        #expect(try String(contentsOfFile: figure, encoding: .utf8).contains("aracne network"))
    }

    @Test func badInputIsRefusedWithOneLineAndNoOutput() throws {
        let (directory, mi) = try Self.miFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("net.h5").path
        let input = directory.appendingPathComponent("in.h5").path
        try expectRefused(["network", input, "-o", output], output: output, status: 65, mentions: ["not a mibatch output"])
        let shard = directory.appendingPathComponent("part.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "--estimator", "gcmi", "--shard", "2/3", "-o", shard, "--quiet"]).status == 0)
        try expectRefused(["network", directory.appendingPathComponent("part.shard-0002-of-0003.h5").path, "-o", output],
                          output: output, status: 65, mentions: ["partial", "shard 2/3", "mibatch merge"])
        let partialMerge = directory.appendingPathComponent("merged.h5").path
        _ = try runMibatch(["merge", directory.appendingPathComponent("part.shard-0002-of-0003.h5").path, "-o", partialMerge, "--partial", "--quiet"])
        try expectRefused(["network", partialMerge, "-o", output], output: output, status: 65, mentions: ["partial"])
        let regulators = directory.appendingPathComponent("tfs.txt").path
        try "# regulators\nvar_0\nNO_SUCH_GENE\n".write(toFile: regulators, atomically: true, encoding: .utf8)
        let names = try File.open(mi).dataset("/var_i").readStrings()
        try "\(names[0])\nNO_SUCH_GENE\n".write(toFile: regulators, atomically: true, encoding: .utf8)
        try expectRefused(["network", mi, "--regulators", regulators, "-o", output], output: output, status: 65, mentions: ["NO_SUCH_GENE", "1 regulator name"])
        try expectRefused(["network", mi, "--fdr", "0.05", "-o", output], output: output, status: 65, mentions: ["/qvalue"])
    }

    @Test func regulatorModeKeepsOnlyEdgesTouchingARegulator() throws {
        let (directory, mi) = try Self.miFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let names = try File.open(mi).dataset("/var_i").readStrings()
        let regulators = directory.appendingPathComponent("tfs.txt").path
        let chosen = Set(names.enumerated().filter { $0.offset % 4 == 0 }.map(\.element))
        try chosen.sorted().joined(separator: "\n").write(toFile: regulators, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("net.h5").path
        let result = try runMibatch(["network", mi, "--method", "aracne,clr", "--min-mi", "0.02", "--regulators", regulators, "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let file = try File.open(output)
        for method in ["aracne", "clr"] {
            let rows = try file.dataset("/edges/\(method)/row_name").readStrings(), columns = try file.dataset("/edges/\(method)/column_name").readStrings()
            #expect(!rows.isEmpty)
            #expect(zip(rows, columns).allSatisfy { chosen.contains($0) || chosen.contains($1) })
        }
    }
}
