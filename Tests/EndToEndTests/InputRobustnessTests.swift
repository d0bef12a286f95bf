import Foundation
import HDF5
import Testing

/// Damaged, unusual and inaccessible inputs (issue 8): each is refused with one line naming
/// file, dataset and (where it applies) rows or columns, a documented status and no output,
/// or accepted with a documented result.
@Suite struct InputRobustnessTests {
    /// Writes `in.h5` with h5py: datasets of many kinds, 200 × 4 where 2-D.
    static let makeInputs = """
        import sys, h5py, numpy as np
        rng = np.random.default_rng(7)
        x = rng.normal(size=(200, 4)); x[:, 1] += x[:, 0]
        with h5py.File(sys.argv[1], "w") as f:
            f["data"] = x
            f.create_dataset("gzip", data=x, chunks=(50, 4), compression="gzip")
            f.create_dataset("plain", data=x, chunks=(50, 4))
            f.create_dataset("checked", data=x, chunks=(50, 4), fletcher32=True)
            f["half"] = x.astype(np.float16)
            f["half_as_double"] = x.astype(np.float16).astype(np.float64)
            f["ints"] = np.round(x * 100).astype(np.int16)
            f["ints_as_double"] = np.round(x * 100)
            f["text"] = np.array([[b"a", b"b"], [b"c", b"d"]])
            f["compound"] = np.zeros((10, 2), dtype=[("a", "f8"), ("b", "i4")])
            f.create_dataset("enum", data=np.zeros((10, 2), dtype="u1"), dtype=h5py.enum_dtype({"A": 0, "B": 1}, basetype="u1"))
            f["scalar"] = 3.0
            f["column"] = x[:, 0]
            f["empty"] = np.zeros((0, 4))
            f["one_row"] = x[:1]
            f["four_rows"] = x[:4]
            f["five_rows"] = x[:5]
        """

    func makeInput(_ dir: URL) throws -> String {
        let input = dir.appendingPathComponent("in.h5").path
        try runPython(Self.makeInputs, [input])
        return input
    }

    @Test func ranksShapesAndSampleCounts() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try makeInput(dir)
        let output = dir.appendingPathComponent("out.h5").path
        func run(_ dataset: String, _ extra: [String] = []) -> [String] { ["run", input, "--dataset", dataset, "-o", output] + extra }
        try expectRefused(run("/scalar"), output: output, status: 65, mentions: [input, "/scalar", "scalar"])
        try expectRefused(run("/column"), output: output, status: 65, mentions: [input, "/column", "(200)", "use --var /column"])
        try expectRefused(run("/empty"), output: output, status: 65, mentions: [input, "/empty", "no samples"])
        try expectRefused(run("/one_row"), output: output, status: 65, mentions: [input, "/one_row", "1 samples", "at least 4"])
        try expectRefused(run("/four_rows", ["--k", "4"]), output: output, status: 65, mentions: [input, "/four_rows", "at least 5"])
        try expectRefused(run("/one_row", ["--estimator", "binned"]), output: output, status: 65, mentions: ["/one_row", "at least 2"])
        #expect(try runMibatch(run("/five_rows", ["--k", "4", "--quiet"])).status == 0, "n = k + 1 is enough")
        try FileManager.default.removeItem(atPath: output)
        // A 1-D dataset is one variable with --var (accepted).
        let plane = try runMibatch(["run", input, "--var", "/column", "--var", "/data", "-o", output, "--quiet"])
        #expect(plane.status == 0, "\(plane.stderr)")
        #expect(try File.open(output).dataset("/mi").shape == [2, 2])
    }

    @Test func elementTypes() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try makeInput(dir)
        let output = dir.appendingPathComponent("out.h5").path
        for (dataset, type) in [("/text", "string (fixed length)"), ("/compound", "compound"), ("/enum", "enum")] {
            try expectRefused(["run", input, "--dataset", dataset, "-o", output], output: output, status: 65,
                              mentions: [input, dataset, "element type \(type)"])
        }
        // float16 and integers are converted exactly to float64 by libhdf5: the same bits as
        // the same values stored as float64.
        for (stored, reference) in [("/half", "/half_as_double"), ("/ints", "/ints_as_double")] {
            let a = dir.appendingPathComponent("a.h5").path, b = dir.appendingPathComponent("b.h5").path
            #expect(try runMibatch(["run", input, "--dataset", stored, "-o", a, "--quiet", "--force"]).status == 0)
            #expect(try runMibatch(["run", input, "--dataset", reference, "-o", b, "--quiet", "--force"]).status == 0)
            #expect(try miBits(a) == miBits(b), "\(stored) must read as exactly \(reference)")
            #expect(try File.open(a).attribute("input_dtype") == .string(stored == "/half" ? "float16" : "int16"))
        }
    }

    /// Offsets of the second chunk of `dataset` (h5py).
    func chunkOffset(_ input: String, _ dataset: String) throws -> (offset: Int, size: Int) {
        let script = """
            import sys, h5py
            with h5py.File(sys.argv[1], "r") as f:
                d = f[sys.argv[2]]
                if d.chunks:
                    i = d.id.get_chunk_info(1); print(i.byte_offset, i.size)
                else:
                    print(d.id.get_offset(), d.id.get_storage_size())
            """
        let parts = try runPython(script, [input, dataset]).stdout.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        return (parts[0], parts[1])
    }

    func corrupt(_ path: String, at offset: Int, with bytes: [UInt8]) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(offset))
        handle.write(Data(bytes))
        try handle.close()
    }

    @Test func truncatedAndCorruptedFiles() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try makeInput(dir)
        let output = dir.appendingPathComponent("out.h5").path
        let clean = dir.appendingPathComponent("clean.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/plain", "-o", clean, "--quiet"]).status == 0)

        let truncated = dir.appendingPathComponent("truncated.h5").path
        let bytes = try Data(contentsOf: URL(fileURLWithPath: input))
        try bytes.prefix(bytes.count * 2 / 3).write(to: URL(fileURLWithPath: truncated))
        try expectRefused(["run", truncated, "--dataset", "/data", "-o", output], output: output, status: 74,
                          mentions: [truncated, "truncated file"])

        // Compressed chunk: inflate fails; the message names the chunk's rows.
        let gzip = try chunkOffset(input, "/gzip")
        try corrupt(input, at: gzip.offset + gzip.size / 2, with: [UInt8](repeating: 0x5A, count: 8))
        try expectRefused(["run", input, "--dataset", "/gzip", "-o", output], output: output, status: 74,
                          mentions: [input, "/gzip", "rows 50..<100", "damaged"])
        // Checksummed chunk: Fletcher-32 catches it.
        let checked = try chunkOffset(input, "/checked")
        try corrupt(input, at: checked.offset + 100, with: [1, 2, 3, 4])
        try expectRefused(["run", input, "--dataset", "/checked", "-o", output], output: output, status: 74,
                          mentions: [input, "/checked", "rows 50..<100", "Fletcher32"])
        // Uncompressed chunk without checksum: HDF5 cannot know. Bytes that spell NaN are
        // refused by the finiteness check (naming column and row) ...
        let plain = try chunkOffset(input, "/plain")
        try corrupt(input, at: plain.offset + 8 * 4 * 3 + 8 * 2, with: [UInt8](repeating: 0xFF, count: 8))
        try expectRefused(["run", input, "--dataset", "/plain", "-o", output], output: output, status: 65,
                          mentions: [input, "/plain", "NaN at column 2 (variable 'v2'), row 53"])
        // ... other garbage is read as data: the run succeeds and only the input digest
        // (and the values) show the change. Documented in mibatch(1), DIAGNOSTICS.
        try corrupt(input, at: plain.offset + 8 * 4 * 3 + 8 * 2, with: [0, 0, 0, 0, 0, 0, 0xF0, 0x3F])   // 1.0
        #expect(try runMibatch(["run", input, "--dataset", "/plain", "-o", output, "--quiet"]).status == 0)
        #expect(try File.open(output).attribute("input_digest") != File.open(clean).attribute("input_digest"))
    }

    /// A corrupted global heap (variable-length strings) makes libhdf5 1.10 copy out of
    /// bounds (h5dump crashes on this file): mibatch reports it as damage, status 74.
    @Test func libhdf5CrashOnACorruptedHeapIsReported() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("heap.h5").path
        try runPython("""
            import sys, struct, h5py, numpy as np
            with h5py.File(sys.argv[1], "w") as f:
                f["data"] = np.random.default_rng(1).normal(size=(30, 4))
                f["names"] = np.array(["alpha", "beta", "gamma", "delta"], dtype=h5py.string_dtype())
            b = bytearray(open(sys.argv[1], "rb").read())
            i = b.find(b"GCOL")              # the global heap collection holding the strings
            b[i + 24:i + 32] = struct.pack("<Q", 0x100000)   # first object's size: 1 MiB
            open(sys.argv[1], "wb").write(b)
            """, [input])
        let output = dir.appendingPathComponent("out.h5").path
        let result = try expectRefused(["run", input, "--dataset", "/data", "--names", "/names", "-o", output], output: output,
                                       status: 74, mentions: [input, "'/names'", "libhdf5 crashed while reading strings", "damaged"])
        #expect(!result.stderr.contains("Program crashed"))
    }

    @Test func unreadableInputAsAnUnprivilegedUser() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 30, rhos: [0.5], seed: 1)
        let output = dir.appendingPathComponent("out.h5").path
        chmod(input, 0)
        chmod(dir.path, 0o777)
        if getuid() != 0 {
            try expectRefused(["run", input, "--dataset", "/data", "-o", output], output: output, status: 66,
                              mentions: [input, "permission denied"])
            return
        }
        // Root reads anything: run as nobody (setpriv drops the privileges).
        let result = try runProcess("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                         mibatchExecutable.path, "run", input, "--dataset", "/data", "-o", output])
        #expect(result.status == 66, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(input)
                && result.stderr.contains("permission denied"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func fileLockHeldByAWriter() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 30, rhos: [0.5], seed: 1)
        let output = dir.appendingPathComponent("out.h5").path
        // What a writer (h5py in "a" mode, another HDF5 program) holds: an exclusive flock.
        let descriptor = open(input, O_RDWR)
        #expect(flock(descriptor, LOCK_EX) == 0)
        try expectRefused(["run", input, "--dataset", "/data", "-o", output], output: output, status: 74,
                          mentions: [input, "cannot lock", "HDF5_USE_FILE_LOCKING=FALSE"])
        let unlocked = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--quiet"],
                                      environment: ["HDF5_USE_FILE_LOCKING": "FALSE"])
        #expect(unlocked.status == 0, "the documented work-around: \(unlocked.stderr)")
        close(descriptor)
    }

    @Test func externalLinksAndVirtualDatasetsNeedAllowExternal() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try makeInput(dir)
        let linked = dir.appendingPathComponent("linked.h5").path
        let script = """
            import sys, h5py
            with h5py.File(sys.argv[1], "w") as f:
                f["grp"] = h5py.ExternalLink("in.h5", "/")
                f["link"] = h5py.ExternalLink("in.h5", "/data")
                layout = h5py.VirtualLayout(shape=(200, 4), dtype="f8")
                layout[:] = h5py.VirtualSource("in.h5", "data", shape=(200, 4))
                f.create_virtual_dataset("vds", layout)
                with h5py.File(sys.argv[1].replace("linked.h5", "in.h5"), "r") as source:
                    f["local"] = source["data"][...]
                with h5py.File(sys.argv[1].replace("linked.h5", "names.h5"), "w") as names:
                    names["names"] = [b"a", b"b", b"c", b"d"]
                f["names"] = h5py.ExternalLink("names.h5", "/names")
            """
        try runPython(script, [linked])
        let output = dir.appendingPathComponent("out.h5").path
        try expectRefused(["run", linked, "--dataset", "/link", "-o", output], output: output, status: 65,
                          mentions: [linked, "/link", "external link to in.h5:/data", "--allow-external"])
        try expectRefused(["run", linked, "--dataset", "/grp/data", "-o", output], output: output, status: 65,
                          mentions: [linked, "'/grp' is an external link", "--allow-external"])
        try expectRefused(["run", linked, "--dataset", "/vds", "-o", output], output: output, status: 65,
                          mentions: [linked, "/vds", "virtual dataset", "in.h5", "--allow-external"])
        // The names dataset follows the same rule as the data.
        try expectRefused(["run", linked, "--dataset", "/local", "--names", "/names", "-o", output], output: output, status: 65,
                          mentions: [linked, "/names", "external link to names.h5:/names", "--allow-external"])
        let named = try runMibatch(["run", linked, "--dataset", "/local", "--names", "/names", "-o", output,
                                    "--allow-external", "--quiet", "--force"])
        #expect(named.status == 0, "\(named.stderr)")
        let direct = dir.appendingPathComponent("direct.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", direct, "--quiet"]).status == 0)
        // Run from the files' directory: HDF5 resolves the relative names there.
        for dataset in ["/link", "/grp/data", "/vds"] {
            let accepted = try runMibatch(["run", linked, "--dataset", dataset, "-o", output, "--allow-external", "--quiet", "--force"])
            #expect(accepted.status == 0, "\(dataset): \(accepted.stderr)")
            #expect(try miBits(output) == miBits(direct), "\(dataset) reads the same values")
        }
    }
}
