import Foundation
import HDF5
import Testing

/// 10x Genomics files (h5py, the published Cell Ranger v3 layout, with int32, uint32 and
/// int64 indices), loom files (loompy) and scanpy's real `10x_pbmc68k_reduced.h5ad` read as
/// their dense copies (``FormatTests/expectSame(_:_:in:names:sameDigest:sourceLocation:)``).
@Suite struct TenXLoomFormatTests {
    /// 10 "Gene Expression" features (the 4th and 7th both named DUP) then 2 "Antibody
    /// Capture" ones, 150 barcodes; `dense.h5` holds `/ge` (cells × genes), `/all` (cells ×
    /// all features), `/ab` (cells × antibodies) and the expected unique names.
    static let tenXWriter = """
        import sys
        import h5py, numpy as np, scipy.sparse as sp
        out, index_type = sys.argv[1], sys.argv[2]
        rng = np.random.default_rng(10)
        latent = rng.gamma(2.0, 1.0, size=(150, 1))
        cells = rng.poisson(latent * rng.uniform(0.2, 2.0, size=(1, 12))).astype(np.int32)
        cells[rng.random(cells.shape) < 0.35] = 0
        m = sp.csc_matrix(cells.T)   # features x barcodes, one column per barcode
        names = ["A", "B", "C", "DUP", "E", "F", "DUP", "H", "I", "J", "CD3", "CD4"]
        with h5py.File(f"{out}/tenx.h5", "w") as f:
            g = f.create_group("matrix")
            g.create_dataset("data", data=m.data.astype(np.int32), compression="gzip", chunks=(64,))
            g.create_dataset("indices", data=m.indices.astype(index_type), compression="gzip", chunks=(64,))
            g.create_dataset("indptr", data=m.indptr.astype(index_type))
            g.create_dataset("shape", data=np.array(m.shape, dtype=np.int32))
            g.create_dataset("barcodes", data=np.array([f"BC{i:04d}-1" for i in range(150)], dtype="S"))
            features = g.create_group("features")
            features.create_dataset("name", data=np.array(names, dtype="S"))
            features.create_dataset("id", data=np.array([f"ENSG{j:05d}" for j in range(12)], dtype="S"))
            features.create_dataset("feature_type", data=np.array(["Gene Expression"] * 10 + ["Antibody Capture"] * 2, dtype="S"))
            features.create_dataset("genome", data=np.array(["GRCh38"] * 12, dtype="S"))
            f.attrs["filetype"] = "matrix"
        with h5py.File(f"{out}/dense.h5", "w") as f:
            f["ge"], f["all"], f["ab"] = cells[:, :10], cells, cells[:, 10:]
            f["genames"] = np.array(["A", "B", "C", "DUP", "E", "F", "DUP_2", "H", "I", "J"], dtype="S")
            f["abnames"] = np.array(["CD3", "CD4"], dtype="S")
        """

    @Test(arguments: ["int32", "uint32", "int64"]) func tenXReadsAsItsDenseCopy(indexType: String) throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard try runPython(Self.tenXWriter, [dir.path, indexType]).status == 0 else { return }
        let file = dir.appendingPathComponent("tenx.h5").path, dense = dir.appendingPathComponent("dense.h5").path
        // Genes only: same bits and names as the genes' dense copy; the digest covers every feature.
        try FormatTests.expectSame([file, "--dataset", "/matrix"], [dense, "--dataset", "/ge", "--names", "/genames"], in: dir,
                                   names: ["A", "B", "C", "DUP", "E", "F", "DUP_2", "H", "I", "J"], sameDigest: false)
        let output = dir.appendingPathComponent("genes.h5").path, all = dir.appendingPathComponent("all.h5").path
        guard try FormatTests.run([file, "--dataset", "/matrix"], output), try FormatTests.run([dense, "--dataset", "/all"], all) else { return }
        #expect(try FormatTests.attribute(output, "input_digest") == FormatTests.attribute(all, "input_digest"))
        #expect(try FormatTests.attribute(output, "input_format") == "10x")
        #expect(try FormatTests.attribute(output, "input_feature_type") == "Gene Expression")
        #expect(try FormatTests.attribute(output, "input_cells") == "150")
        #expect(try FormatTests.attribute(output, "input_cell_names")?.hasPrefix("BC0000-1, BC0001-1, BC0002-1, ...; sha256:") == true)
        #expect(try FormatTests.attribute(output, "input_shape") == "12x150")
        // The antibodies, by --feature-type (they sit after the genes: other variable indices).
        let antibodies = dir.appendingPathComponent("ab.h5").path
        guard try FormatTests.run([file, "--dataset", "/matrix", "--feature-type", "Antibody Capture"], antibodies) else { return }
        #expect(try FormatTests.names(antibodies) == ["CD3", "CD4"])
        let refused = dir.appendingPathComponent("refused.h5").path
        try expectRefused(["run", file, "--dataset", "/matrix", "--feature-type", "Peaks", "-o", refused], output: refused, status: 64,
                          mentions: [file, "no 'Peaks' features", "Gene Expression (10), Antibody Capture (2)"])
    }

    /// loompy's genes × cells `/matrix` and a layer, as the dense cells × genes copy.
    @Test func loomReadsAsItsDenseCopy() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = """
            import sys
            import h5py, loompy, numpy as np
            out = sys.argv[1]
            rng = np.random.default_rng(11)
            genes = rng.poisson(rng.gamma(2.0, 1.0, size=(1, 90)) * rng.uniform(0.2, 2.0, size=(8, 1))).astype(np.float32)
            spliced = rng.poisson(2.0, size=(8, 90)).astype(np.float32)
            names = np.array([f"L{j}" for j in range(8)])
            loompy.create(f"{out}/x.loom", {"": genes, "spliced": spliced}, {"Gene": names},
                          {"CellID": np.array([f"c{i}" for i in range(90)])})
            with h5py.File(f"{out}/dense.h5", "w") as f:
                f["x"], f["spliced"] = genes.T, spliced.T
                f["names"] = np.array(names, dtype="S")
            """
        guard try runPython(writer, [dir.path]).status == 0 else { return }
        let file = dir.appendingPathComponent("x.loom").path, dense = dir.appendingPathComponent("dense.h5").path
        try FormatTests.expectSame([file, "--format", "loom", "--dataset", "/matrix"], [dense, "--dataset", "/x", "--names", "/names"], in: dir,
                                   names: (0..<8).map { "L\($0)" })
        try FormatTests.expectSame([file, "--dataset", "/matrix", "--layer", "spliced"], [dense, "--dataset", "/spliced", "--names", "/names"], in: dir)
        let output = dir.appendingPathComponent("loom.h5").path
        guard try FormatTests.run([file, "--format", "loom", "--dataset", "/matrix"], output) else { return }
        #expect(try FormatTests.attribute(output, "input_format") == "loom")
        #expect(try FormatTests.attribute(output, "input_cells") == "90")
        #expect(try FormatTests.attribute(output, "input_layout") == "variables x samples")
        let refused = dir.appendingPathComponent("refused.h5").path
        try expectRefused(["run", file, "--dataset", "/matrix", "--layer", "unspliced", "-o", refused], output: refused, status: 64,
                          mentions: [file, "no layer 'unspliced'", "spliced"])
    }

    /// scanpy's bundled file (legacy encoding: dense `X`, `raw.X` an h5sparse CSR group,
    /// compound `var`/`raw.var`): through `X` and through the raw matrix (`--dataset /raw.X`
    /// and `--dataset /X --raw`), 4 × 6 genes each, as dense copies made with h5py/scipy.
    @Test func pbmc68kReducedReadsThroughXAndRaw() throws {
        let data = cachedTestDataPath("10x_pbmc68k_reduced.h5ad")
        try #require(FileManager.default.fileExists(atPath: data),
                     "\(data) is missing: run .ci/setup-tests (it extracts scanpy's 10x_pbmc68k_reduced.h5ad there)")
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dense = dir.appendingPathComponent("dense.h5").path
        let copy = """
            import sys
            import h5py, numpy as np, scipy.sparse as sp
            with h5py.File(sys.argv[1], "r") as f, h5py.File(sys.argv[2], "w") as out:
                out["x"] = f["X"][...]
                out["names"] = f["var"]["index"]
                raw = f["raw.X"]
                shape = tuple(raw.attrs["h5sparse_shape"])
                out["raw"] = sp.csr_matrix((raw["data"][...], raw["indices"][...], raw["indptr"][...]), shape=shape).toarray()
                out["rawnames"] = f["raw.var"]["index"]
                print(",".join(n.decode() for n in f["var"]["index"][:10]))
                print(",".join(n.decode() for n in f["raw.var"]["index"][:10]))
            """
        let made = try runPython(copy, [data, dense])
        let lines = made.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        guard made.status == 0, lines.count == 2, lines.allSatisfy({ $0.count == 10 }) else { return }
        func pairs(_ names: [String]) -> [String] {
            ["--x-vars", names[..<4].joined(separator: ","), "--y-vars", names[4...].joined(separator: ",")]
        }
        try FormatTests.expectSame([data, "--format", "anndata", "--dataset", "/X"] + pairs(lines[0]),
                                   [dense, "--dataset", "/x", "--names", "/names"] + pairs(lines[0]), in: dir, names: Array(lines[0][..<4]))
        for raw in [["--dataset", "/raw.X"], ["--dataset", "/X", "--raw"]] {
            try FormatTests.expectSame([data] + raw + pairs(lines[1]), [dense, "--dataset", "/raw", "--names", "/rawnames"] + pairs(lines[1]),
                                       in: dir, names: Array(lines[1][..<4]))
        }
        let output = dir.appendingPathComponent("raw.h5").path
        guard try FormatTests.run([data, "--dataset", "/raw.X"] + pairs(lines[1]), output) else { return }
        #expect(try FormatTests.attribute(output, "input_encoding") == "csr (h5sparse, legacy)")
        #expect(try FormatTests.attribute(output, "input_cells") == "700")
        #expect(try FormatTests.attribute(output, "input_stored_values") == "174400")
    }

    /// The committed samples (samples/formats/generate.py): the AnnData CSR file and the 10x
    /// file hold the same counts, so they give the same bits; each is under 1 MiB.
    @Test func theFormatSamplesReadAlike() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let samples = repositoryRoot.appendingPathComponent("samples/formats")
        let h5ad = samples.appendingPathComponent("pbmc-like.h5ad").path, tenX = samples.appendingPathComponent("pbmc-like-10x.h5").path
        for path in [h5ad, tenX] {
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? .max
            #expect(size < 1 << 20, "\(path) is \(size) bytes")
        }
        let a = dir.appendingPathComponent("a.h5").path, b = dir.appendingPathComponent("b.h5").path
        guard try FormatTests.run([h5ad, "--dataset", "/X"], a), try FormatTests.run([tenX, "--dataset", "/matrix"], b) else { return }
        #expect(try miBits(a) == miBits(b))
        let names = try FormatTests.names(a), tenXNames = try FormatTests.names(b)
        #expect(names.count == 40 && tenXNames.count == 40)
        #expect(names[7] == "GENE06-1" && tenXNames[7] == "GENE06_2", "anndata's var_names_make_unique vs mibatch's own rule")
    }
}
