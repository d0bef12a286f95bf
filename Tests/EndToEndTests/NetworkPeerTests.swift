import Foundation
import HDF5
import Testing

/// `mibatch network` against a peer: R's parmigene (Sales and Romualdi 2011, Debian's
/// r-cran-parmigene), run on the same MI matrix read with hdf5r, the way an R user would.
///
/// parmigene's `aracne.a(mi, eps)` and `mrnet(mi)` are minet's definitions (its MRNET stops at
/// the first score ≤ 0 where ours stops at the first < 0: they differ only on an exact zero
/// score). Its `clr` is not minet's (population variance with the zero diagonal, and
/// √(z_i⁴ + z_j⁴)), so CLR is checked against the definition in MINetworkTests only.
@Suite struct NetworkPeerTests {
    @Test func aracneAndMrnetEqualParmigeneEdgeForEdge() throws {
        let directory = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        // A random regulatory tree of 48 genes (each gene 0.8 × a random earlier gene + noise):
        // indirect pairs are correlated too, so ARACNE's DPI has triangles to prune.
        _ = try runPython("""
            import sys, h5py, numpy as np
            rng = np.random.default_rng(20)
            n, p = 400, 48
            x = rng.standard_normal((n, p))
            for j in range(1, p):
                x[:, j] += 0.8 * x[:, rng.integers(0, j)]
            with h5py.File(sys.argv[1], "w") as f:
                f["data"] = x
            """, [path("in.h5")])
        let run = try runMibatch(["run", path("in.h5"), "--dataset", "/data", "--estimator", "gcmi", "-o", path("mi.h5"), "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let network = try runMibatch(["network", path("mi.h5"), "--method", "aracne,mrnet", "--dpi-tolerance", "0.01", "-o", path("net.h5"), "--quiet"])
        #expect(network.status == 0, "\(network.stderr)")

        // parmigene's upper-triangle non-zero entries as "METHOD row column weight" (0-based, hex floats).
        let script = path("peer.R")
        try """
            suppressMessages({ library(hdf5r); library(parmigene) })
            f <- H5File$new(commandArgs(trailingOnly = TRUE)[1], mode = "r")
            mi <- t(f[["mi"]]$read())
            f$close_all()
            diag(mi) <- 0
            for (method in c("aracne", "mrnet")) {
                net <- if (method == "aracne") aracne.a(mi, 0.01) else mrnet(mi)
                for (i in 1:(nrow(net) - 1)) for (j in (i + 1):ncol(net)) if (net[i, j] != 0)
                    cat(method, i - 1, j - 1, sprintf("%a", net[i, j]), "\\n")
            }
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let peer = try runProcess("/usr/bin/env", ["Rscript", script, path("mi.h5")])
        #expect(peer.status == 0, "Rscript with parmigene failed (run .ci/setup-tests to install r-cran-parmigene): \(peer.stderr)")
        var expected: [String: [String: Double]] = [:]
        for line in peer.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 4, let weight = Double(String(fields[3])) else { Issue.record("unreadable line: \(line)"); continue }
            expected[String(fields[0]), default: [:]]["\(fields[1]) \(fields[2])"] = weight
        }

        let file = try File.open(path("net.h5"))
        let mi = try File.open(path("mi.h5")).dataset("/mi").readAll()
        let p = 48
        for method in ["aracne", "mrnet"] {
            let rows = try file.dataset("/edges/\(method)/row").readAll().map { Int($0) }
            let columns = try file.dataset("/edges/\(method)/column").readAll().map { Int($0) }
            let weights = try file.dataset("/edges/\(method)/weight").readAll()
            var ours: [String: Double] = [:]
            for k in rows.indices { ours["\(rows[k]) \(columns[k])"] = weights[k] }
            let theirs = expected[method] ?? [:]
            #expect(theirs.count > p / 2, "parmigene's \(method) gave \(theirs.count) edges: too few to compare")
            #expect(Set(ours.keys) == Set(theirs.keys),
                    "\(method): only ours \(Set(ours.keys).subtracting(theirs.keys).sorted()), only parmigene's \(Set(theirs.keys).subtracting(ours.keys).sorted())")
            for (pair, weight) in ours { if let other = theirs[pair] { #expect(abs(weight - other) <= 1e-12, "\(method) \(pair): \(weight) vs parmigene \(other)") } }
        }
        // ARACNE pruned something: fewer edges than pairs with positive MI.
        var positive = 0
        for i in 0..<p { for j in (i + 1)..<p where mi[i * p + j] > 0 { positive += 1 } }
        #expect((expected["aracne"]?.count ?? 0) < positive / 2, "ARACNE pruned too little for the comparison to test the DPI")
    }
}
