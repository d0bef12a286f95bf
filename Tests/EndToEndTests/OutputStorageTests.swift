import Foundation
import MIBatch
import Testing

/// `/mi` and `/status` chunking and filters (`--compression`), and root attributes larger
/// than HDF5's 64 KiB compact limit, as h5py, xarray and netCDF4 see them.
@Suite struct OutputStorageTests {
    @Test func chunkShapeIsTheLargestSquareTileWithinOneMebibyteClippedToTheMatrix() {
        let side = OutputStorage.tileSide
        #expect(side == 362)
        #expect(side * side * 8 <= OutputStorage.maximumChunkBytes)
        #expect((side + 1) * (side + 1) * 8 > OutputStorage.maximumChunkBytes)
        #expect(OutputStorage.chunkShape(rows: 10_000, columns: 10_000) == [362, 362])
        #expect(OutputStorage.chunkShape(rows: 2, columns: 5_000) == [2, 362])
        #expect(OutputStorage.chunkShape(rows: 12, columns: 12) == [12, 12])
        #expect(OutputCompression(argument: "none") == OutputCompression.none)
        #expect(OutputCompression(argument: "9") == .deflate(level: 9))
        #expect(OutputCompression(argument: "10") == nil)
        #expect(OutputCompression(argument: "fast") == nil)
    }

    @Test func compressionOptionSetsFiltersOfRunAndMergeOutputs() throws {
        #expect(OutputCompression.default == .deflate(level: 1))
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 200, rhos: [0.9, 0.3, 0.0], seed: 21)
        let files = ["default", "level7", "none", "merged"].map { dir.appendingPathComponent("\($0).h5").path }
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", files[0], "--quiet"]).status == 0)
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", files[1], "--quiet", "--compression", "7"]).status == 0)
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", files[2], "--quiet", "--compression", "none"]).status == 0)
        for index in 1...2 {
            #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", dir.path + "/", "--shard", "\(index)/2", "--quiet", "--compression", "3"]).status == 0)
        }
        let merge = try runMibatch(["merge", dir.path + "/shard-0001-of-0002.h5", dir.path + "/shard-0002-of-0002.h5",
                                    "-o", files[3], "--compression", "9", "--quiet"])
        #expect(merge.status == 0, "stderr: \(merge.stderr)")
        let bad = try runMibatch(["run", input, "--dataset", "/data", "-o", dir.appendingPathComponent("x.h5").path, "--compression", "12"])
        #expect(bad.status == 64)

        let script = """
            import json, sys, h5py
            out = []
            for path in sys.argv[1:]:
                with h5py.File(path, "r") as f:
                    entry = {"compression_attr": f.attrs["compression"].decode(),
                             "configuration": json.loads(f.attrs["configuration"])}
                    for name in ["mi", "status"]:
                        d = f[name]
                        entry[name] = {"compression": d.compression, "level": d.compression_opts,
                                       "shuffle": bool(d.shuffle), "chunks": list(d.chunks) if d.chunks else None}
                    out.append(entry)
            print(json.dumps(out))
            """
        let result = try runProcess("/usr/bin/env", ["python3", "-c", script] + files)
        #expect(result.status == 0, "python3 with h5py failed (run .ci/setup-tests): \(result.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let expected: [(String?, Int?, Bool, String, Any)] = [
            ("gzip", 1, true, "shuffle + deflate(1)", 1), ("gzip", 7, true, "shuffle + deflate(7)", 7),
            (nil, nil, false, "none", "none"), ("gzip", 9, true, "shuffle + deflate(9)", 3),
        ]
        for (entry, want) in zip(list, expected) {
            for name in ["mi", "status"] {
                let dataset = entry[name] as? [String: Any]
                #expect(dataset?["compression"] as? String == want.0, "\(name): \(entry)")
                #expect(dataset?["level"] as? Int == want.1, "\(name): \(entry)")
                #expect(dataset?["shuffle"] as? Bool == want.2, "\(name): \(entry)")
                #expect(dataset?["chunks"] as? [Int] == [6, 6], "\(name): \(entry)")
            }
            #expect(entry["compression_attr"] as? String == want.3)
            // The merged file keeps the run's configuration (level 3 of its shards) and
            // records its own filters in the compression attribute.
            let configured = (entry["configuration"] as? [String: Any])?["compression"]
            #expect("\(configured ?? "absent")" == "\(want.4)")
        }
    }

    @Test func configurationLargerThan64KiBIsReadByH5pyXarrayAndNetCDF4() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let output = dir.appendingPathComponent("out.h5").path
        let spec = dir.appendingPathComponent("variables.txt").path
        let count = 2_000
        try writeCorrelatedPairs(to: input, samples: 40, rhos: [Double](repeating: 0.5, count: count / 2), seed: 3)
        let names = (0..<count).map { String(format: "a_long_descriptive_variable_name_%05d", $0) }
        try names.enumerated().map { "\($1)=\($0):\($0 + 1)" }.joined(separator: "\n")
            .write(toFile: spec, atomically: true, encoding: .utf8)
        let run = try runMibatch(["run", input, "--dataset", "/data", "--variables", spec, "-o", output, "--quiet",
                                  "--x-vars", names[0], "--y-vars", names[1] + "," + names[2]])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let script = """
            import json, sys, h5py, xarray as xr, netCDF4
            path = sys.argv[1]
            with h5py.File(path, "r") as f:
                h5 = {"configuration": len(f.attrs["configuration"]), "mi": f["mi"][...].tolist()}
            ds = xr.open_dataset(path, engine="h5netcdf")
            nc = netCDF4.Dataset(path)
            config = json.loads(ds.attrs["configuration"])
            print(json.dumps({"h5py": h5, "xarray_configuration": len(ds.attrs["configuration"]),
                              "groups": len(config["variables"]["groups"]["_0"]),
                              "xarray_mi": ds["mi"].values.tolist(), "netcdf4_configuration": len(nc.getncattr("configuration")),
                              "netcdf4_mi": nc["mi"][:].tolist(), "var_j": [str(v) for v in ds["var_j"].values]}))
            """
        let result = try runProcess("/usr/bin/env", ["python3", "-c", script, output])
        #expect(result.status == 0, "python3 readers failed (run .ci/setup-tests): \(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let h5 = json["h5py"] as? [String: Any]
        let length = try #require(h5?["configuration"] as? Int)
        #expect(length > 65_536, "the test needs a configuration above the compact-attribute limit")
        #expect(json["xarray_configuration"] as? Int == length)
        #expect(json["netcdf4_configuration"] as? Int == length)
        #expect(json["groups"] as? Int == count)
        let values = try #require(h5?["mi"] as? [[Double]])
        #expect(values.count == 1 && values[0].count == 2 && values[0].allSatisfy(\.isFinite))
        #expect(json["xarray_mi"] as? [[Double]] == values)
        #expect(json["netcdf4_mi"] as? [[Double]] == values)
        #expect(json["var_j"] as? [String] == [names[1], names[2]])
    }
}
