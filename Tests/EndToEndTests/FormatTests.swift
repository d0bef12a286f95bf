import Foundation
import HDF5
import Testing

/// AnnData, 10x Genomics and loom files written by the real writers (anndata's
/// `write_h5ad`, h5py to the published Cell Ranger v3 layout, loompy) give bit for bit the
/// matrix of a dense HDF5 copy of the same values, with the file's names and the same
/// `input_digest`; their provenance says what was read.
///
/// Most runs name the matrix with `--dataset` (`/X`, `/matrix`), which reads it in the
/// file's format; without `--dataset` the detected format names its own matrix
/// (``formatsNameTheirMatrix(kind:)``).
@Suite struct FormatTests {
    /// Root attribute `name` of `path` as text.
    static func attribute(_ path: String, _ name: String) throws -> String? {
        guard let value = try File.open(path).attribute(name) else { return nil }
        if case let .string(text) = value { return text }
        return value.description
    }

    /// The `/var_i` names of an output.
    static func names(_ path: String) throws -> [String] { try File.open(path).dataset("/var_i").readStrings() }

    /// Runs `arguments` + `-o output --quiet` and expects success.
    @discardableResult
    static func run(_ arguments: [String], _ output: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        let result = try runMibatch(["run"] + arguments + ["-o", output, "--quiet"])
        #expect(result.status == 0, "mibatch \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        return result.status == 0
    }

    /// Both runs succeed and give the same `/mi` bits, `/var_i` names and `input_digest`.
    static func expectSame(_ format: [String], _ dense: [String], in dir: URL, names: [String]? = nil,
                           sameDigest: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let a = dir.appendingPathComponent("format-\(UUID().uuidString).h5").path
        let b = dir.appendingPathComponent("dense-\(UUID().uuidString).h5").path
        guard try run(format, a, sourceLocation: sourceLocation), try run(dense, b, sourceLocation: sourceLocation) else { return }
        #expect(try miBits(a) == miBits(b), "\(format) and \(dense) differ", sourceLocation: sourceLocation)
        #expect(try Self.names(a) == (names ?? Self.names(b)), sourceLocation: sourceLocation)
        if sameDigest {
            #expect(try attribute(a, "input_digest") == attribute(b, "input_digest"), sourceLocation: sourceLocation)
        }
    }

    /// anndata files: CSR, CSC and dense `X` of the same 120 × 12 float32 counts, a
    /// `counts` layer and a 15-gene raw matrix; `dense.h5` holds the dense copies.
    static let anndataWriter = """
        import sys
        import anndata, h5py, numpy as np, pandas as pd, scipy.sparse as sp
        out = sys.argv[1]
        rng = np.random.default_rng(7)
        def counts(n, p):
            latent = rng.gamma(2.0, 1.0, size=(n, 1))
            x = rng.poisson(latent * rng.uniform(0.3, 2.0, size=(1, p))).astype(np.float32)
            x[rng.random(x.shape) < 0.3] = 0
            return x
        x, layer, raw = counts(120, 12), counts(120, 12), counts(120, 15)
        obs = pd.DataFrame(index=[f"cell{i:03d}" for i in range(120)])
        var = pd.DataFrame(index=[f"G{j}" for j in range(12)])
        rawvar = pd.DataFrame(index=[f"R{j}" for j in range(15)])
        for kind, matrix in [("csr", sp.csr_matrix), ("csc", sp.csc_matrix), ("dense", np.asarray)]:
            a = anndata.AnnData(X=matrix(x), obs=obs, var=var)
            a.layers["counts"] = matrix(layer)
            a.raw = anndata.AnnData(X=matrix(raw), obs=obs, var=rawvar)
            a.write_h5ad(f"{out}/{kind}.h5ad")
        with h5py.File(f"{out}/dense.h5", "w") as f:
            f["x"], f["layer"], f["raw"] = x, layer, raw
            f["names"] = np.array(var.index, dtype="S")
            f["rawnames"] = np.array(rawvar.index, dtype="S")
        """

    @Test(arguments: ["csr", "csc", "dense"]) func anndataXReadsAsItsDenseCopy(kind: String) throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard try runPython(Self.anndataWriter, [dir.path]).status == 0 else { return }
        let file = dir.appendingPathComponent("\(kind).h5ad").path, dense = dir.appendingPathComponent("dense.h5").path
        // A dense X named by --dataset alone stays a dense dataset (as before): --format says AnnData.
        let format = kind == "dense" ? ["--format", "anndata"] : []
        try Self.expectSame([file, "--dataset", "/X"] + format, [dense, "--dataset", "/x", "--names", "/names"], in: dir,
                            names: (0..<12).map { "G\($0)" })
        let output = dir.appendingPathComponent("x.h5").path
        guard try Self.run([file, "--dataset", "/X"] + format, output) else { return }
        #expect(try Self.attribute(output, "input_format") == "anndata")
        #expect(try Self.attribute(output, "input_encoding") == ["csr": "csr_matrix", "csc": "csc_matrix", "dense": "array"][kind])
        #expect(try Self.attribute(output, "input_cells") == "120")
        #expect(try Self.attribute(output, "input_cell_names")?.hasPrefix("cell000, cell001, cell002, ...; sha256:") == true)
        #expect(try Self.attribute(output, "input_shape") == "120x12")
    }

    /// Without --dataset a detected format reads its main matrix: the same bits as naming it;
    /// a plain HDF5 file asks for --dataset or --var.
    @Test(arguments: ["csr", "csc", "dense"]) func formatsNameTheirMatrix(kind: String) throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard try runPython(Self.anndataWriter, [dir.path]).status == 0 else { return }
        let file = dir.appendingPathComponent("\(kind).h5ad").path
        try Self.expectSame([file], [file, "--dataset", "/X", "--format", "anndata"], in: dir, names: (0..<12).map { "G\($0)" })
        let raw = dir.appendingPathComponent("raw.h5").path
        guard try Self.run([file, "--raw"], raw) else { return }
        let inspect = try runMibatch(["inspect", raw])
        #expect(inspect.stdout.contains("(anndata, \(["csr": "csr_matrix", "csc": "csc_matrix", "dense": "array"][kind]!), 120 cells)"), "\(inspect.stdout)")
        #expect(!inspect.stdout.contains("selection "), "no selection was made")
        #expect(try Self.names(raw) == (0..<15).map { "R\($0)" })
        let dense = dir.appendingPathComponent("dense.h5").path, output = dir.appendingPathComponent("none.h5").path
        try expectRefused(["run", dense, "-o", output], output: output, status: 64,
                          mentions: [dense, "plain HDF5 datasets", "--dataset PATH", "--var PATH"])
    }

    @Test(arguments: ["csr", "dense"]) func anndataLayerAndRawReadAsTheirDenseCopies(kind: String) throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard try runPython(Self.anndataWriter, [dir.path]).status == 0 else { return }
        let file = dir.appendingPathComponent("\(kind).h5ad").path, dense = dir.appendingPathComponent("dense.h5").path
        try Self.expectSame([file, "--dataset", "/X", "--layer", "counts"], [dense, "--dataset", "/layer", "--names", "/names"], in: dir)
        try Self.expectSame([file, "--dataset", "/X", "--raw"], [dense, "--dataset", "/raw", "--names", "/rawnames"], in: dir,
                            names: (0..<15).map { "R\($0)" })
        try Self.expectSame([file, "--dataset", "/raw/X", "--format", "anndata"], [dense, "--dataset", "/raw", "--names", "/rawnames"], in: dir)
        let output = dir.appendingPathComponent("refused.h5").path
        try expectRefused(["run", file, "--dataset", "/X", "--layer", "spliced", "-o", output], output: output, status: 64,
                          mentions: [file, "no layer 'spliced'", "available: counts"])
    }

    /// Cells as variables (`--transpose`): named by `obs`, equal to the transposed dense copy.
    @Test func anndataTransposedMakesCellsTheVariables() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard try runPython(Self.anndataWriter, [dir.path]).status == 0 else { return }
        let file = dir.appendingPathComponent("csr.h5ad").path, dense = dir.appendingPathComponent("dense.h5").path
        let cells = (0..<10).map { String(format: "cell%03d", $0) }
        try Self.expectSame([file, "--dataset", "/X", "--transpose", "--x-vars", cells[..<5].joined(separator: ","),
                             "--y-vars", cells[5...].joined(separator: ",")],
                            [dense, "--dataset", "/x", "--transpose", "--x-vars", "v0,v1,v2,v3,v4", "--y-vars", "v5,v6,v7,v8,v9"],
                            in: dir, names: Array(cells[..<5]))
    }

    /// A hand-written AnnData file (h5py): a categorical `var` index (`categories` +
    /// `codes`) named by `_index`, duplicate gene names, `--format` overriding detection,
    /// and a format that does not fit the file refused naming it.
    @Test func categoricalIndexDuplicatesAndFormatOverride() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = """
            import sys
            import h5py, numpy as np, scipy.sparse as sp
            out = sys.argv[1]
            rng = np.random.default_rng(3)
            x = rng.poisson(2.0, size=(80, 5)).astype(np.float64)
            m = sp.csc_matrix(x)
            with h5py.File(f"{out}/cat.h5ad", "w") as f:
                g = f.create_group("X")
                g.attrs["encoding-type"], g.attrs["shape"] = "csc_matrix", np.array(x.shape)
                g["data"], g["indices"], g["indptr"] = m.data.astype(np.float32), m.indices.astype(np.uint16), m.indptr.astype(np.uint32)
                obs = f.create_group("obs"); obs.attrs["_index"] = "cell"
                obs["cell"] = np.array([f"c{i}" for i in range(80)], dtype=h5py.string_dtype())
                var = f.create_group("var"); var.attrs["_index"] = "symbol"
                sym = var.create_group("symbol")
                sym["categories"] = np.array(["ACTB", "GAPDH", "MT-CO1"], dtype=h5py.string_dtype())
                sym["codes"] = np.array([1, 0, 2, 0, 0], dtype=np.int8)
            with h5py.File(f"{out}/dense.h5", "w") as f:
                f["x"] = x.astype(np.float32)
            """
        guard try runPython(writer, [dir.path]).status == 0 else { return }
        let file = dir.appendingPathComponent("cat.h5ad").path, dense = dir.appendingPathComponent("dense.h5").path
        try Self.expectSame([file, "--dataset", "/X"], [dense, "--dataset", "/x"], in: dir,
                            names: ["GAPDH", "ACTB", "MT-CO1", "ACTB_2", "ACTB_3"])
        try Self.expectSame([file, "--dataset", "/X", "--format", "anndata"], [dense, "--dataset", "/x"], in: dir,
                            names: ["GAPDH", "ACTB", "MT-CO1", "ACTB_2", "ACTB_3"])
        let output = dir.appendingPathComponent("refused.h5").path
        try expectRefused(["run", file, "--dataset", "/X", "--format", "dense", "-o", output], output: output, status: 66,
                          mentions: [file, "'/X'", "not a dataset"])
        try expectRefused(["run", file, "--dataset", "/matrix", "--format", "10x", "-o", output], output: output, status: 66,
                          mentions: [file, "/matrix"])
        try expectRefused(["run", file, "--dataset", "/X", "--layer", "counts", "-o", output], output: output, status: 64,
                          mentions: [file, "no layer 'counts'", "the file has no layers"])
    }
}
