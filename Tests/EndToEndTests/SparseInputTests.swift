import Foundation
import HDF5
import Testing

/// Damaged and unreadable sparse matrices are refused in one line naming the file and the
/// object, with no output; NaN in sparse data is located by its dense (cell, gene); a
/// streamed run over a sparse input gives the in-memory run's bits and leaves no scratch.
@Suite struct SparseInputTests {
    /// Writes `NAME.h5ad` in `dir`: a minimal AnnData file whose `X` is a CSR group of
    /// 2000 × 40 Poisson counts (h5py), broken as `kind` says; `dense.h5` holds `/x`.
    static let writer = """
        import sys
        import h5py, numpy as np, scipy.sparse as sp
        out, kind = sys.argv[1], sys.argv[2]
        rng = np.random.default_rng(5)
        x = rng.poisson(rng.gamma(2.0, 1.0, size=(2000, 1)) * rng.uniform(0.1, 1.5, size=(1, 40))).astype(np.float32)
        if kind == "nan":
            x[17, 5] = np.nan
        m = sp.csr_matrix(x) if kind != "csc" else sp.csc_matrix(x)
        indptr, indices = m.indptr.astype(np.int64), m.indices.astype(np.int32)
        if kind == "indptr":
            indptr[4] = indptr[5] + 3           # decreases after row 4
        if kind == "indices":
            indices[indptr[7]] = 40             # row 7 points past the 40 genes
        with h5py.File(f"{out}/{kind}.h5ad", "w") as f:
            f.attrs["encoding-type"] = "anndata"
            g = f.create_group("X")
            g.attrs["encoding-type"] = "csc_matrix" if kind == "csc" else "csr_matrix"
            if kind != "shape":
                g.attrs["shape"] = np.array(x.shape)
            g.create_dataset("data", data=m.data, **({"compression": "lzf"} if kind == "lzf" else {}))
            g["indices"], g["indptr"] = indices, indptr
            for frame, count, prefix in [("obs", 2000, "c"), ("var", 40, "g")]:
                fg = f.create_group(frame)
                fg.attrs["_index"] = "_index"
                fg["_index"] = np.array([f"{prefix}{i}" for i in range(count)], dtype="S")
        with h5py.File(f"{out}/dense.h5", "w") as f:
            f["x"] = x
        if kind == "external":   # X/data kept in another file, reached by an external link
            with h5py.File(f"{out}/values.h5", "w") as f:
                f["data"] = m.data
            with h5py.File(f"{out}/{kind}.h5ad", "a") as f:
                del f["X/data"]
                f["X/data"] = h5py.ExternalLink("values.h5", "/data")
        """

    @Test(arguments: [
        ("indptr", ["'/X/indptr'", "row 4", "not monotone"]),
        ("indices", ["'/X/indices'", "row 7", "outside 0..<40"]),
        ("shape", ["'/X'", "shape attribute"]),
        ("lzf", ["'/X/data'", "failed"]),
    ])
    func brokenSparseMatricesAreRefusedNamingTheObject(kind: String, mentions: [String]) throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard try runPython(Self.writer, [dir.path, kind]).status == 0 else { return }
        let file = dir.appendingPathComponent("\(kind).h5ad").path, output = dir.appendingPathComponent("out.h5").path
        try expectRefused(["run", file, "--dataset", "/X", "-o", output], output: output, status: 74, mentions: [file] + mentions)
        #expect(!FileManager.default.fileExists(atPath: output + ".scratch"))
    }

    /// As for dense datasets, values in other files are read only with --allow-external.
    @Test func sparseArraysInOtherFilesNeedAllowExternal() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard try runPython(Self.writer, [dir.path, "external"]).status == 0 else { return }
        let file = dir.appendingPathComponent("external.h5ad").path, output = dir.appendingPathComponent("out.h5").path
        try expectRefused(["run", file, "--dataset", "/X", "-o", output], output: output, status: 65,
                          mentions: [file, "'/X/data'", "external link", "--allow-external"])
        let dense = dir.appendingPathComponent("dense.h5").path
        try FormatTests.expectSame([file, "--dataset", "/X", "--allow-external"], [dense, "--dataset", "/x"], in: dir,
                                   names: (0..<40).map { "g\($0)" })
    }

    @Test func aNaNInSparseDataIsLocatedByCellAndGene() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard try runPython(Self.writer, [dir.path, "nan"]).status == 0 else { return }
        let file = dir.appendingPathComponent("nan.h5ad").path, output = dir.appendingPathComponent("out.h5").path
        try expectRefused(["run", file, "--dataset", "/X", "-o", output], output: output, status: 65,
                          mentions: [file, "'/X'", "NaN at column 5 (variable 'g5'), row 17"])
        let dropped = try runMibatch(["run", file, "--dataset", "/X", "--nan", "drop-rows", "-o", output])
        #expect(dropped.status == 0 && dropped.stderr.contains("dropped 1 of 2000"), "\(dropped.stderr)")
    }

    /// Under a budget that makes the engine stream (the plan says so), CSR and CSC runs give
    /// the in-memory bits and the dense copy's digest, and no `.scratch` file is left.
    @Test(arguments: ["csr", "csc"]) func streamedSparseRunsAreBitIdenticalToInMemoryRuns(kind: String) throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard try runPython(Self.writer, [dir.path, kind]).status == 0 else { return }
        let file = dir.appendingPathComponent("\(kind).h5ad").path, dense = dir.appendingPathComponent("dense.h5").path
        // The baseline grows with the threads: fix them so the budget streams on any machine.
        let budget = ["--memory", "47M", "--threads", "2"]
        let plan = try runMibatch(["plan", file, "--dataset", "/X", "-o", "unused.h5"] + budget)
        #expect(plan.status == 0 && plan.stdout.contains("streamed"), "the budget must make the run stream: \(plan.stdout)\(plan.stderr)")
        // Compressed by cell (CSR), every load would pass over all stored values: the plan
        // transposes into a column scratch (CSC loads read only their genes; whether a scratch
        // pays then depends on how often the blocks are reloaded).
        if kind == "csr" { #expect(plan.stdout.contains("scratch: "), "\(plan.stdout)") }
        let streamed = dir.appendingPathComponent("streamed.h5").path, held = dir.appendingPathComponent("held.h5").path
        let reference = dir.appendingPathComponent("dense-run.h5").path
        guard try FormatTests.run([file, "--dataset", "/X"] + budget, streamed),
              try FormatTests.run([file, "--dataset", "/X"], held),
              try FormatTests.run([dense, "--dataset", "/x"], reference) else { return }
        #expect(try miBits(streamed) == miBits(held))
        #expect(try miBits(held) == miBits(reference))
        #expect(try FormatTests.attribute(streamed, "input_digest") == FormatTests.attribute(reference, "input_digest"))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".scratch") }
        #expect(left.isEmpty, "left behind: \(left)")
    }
}
