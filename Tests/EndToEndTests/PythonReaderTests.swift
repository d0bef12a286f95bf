import Foundation
import Testing

/// Reads an output with Python's h5py, the way users do (set up by `.ci/setup-tests`).
@Suite struct PythonReaderTests {
    @Test func h5pyReadsMatrixNamesDimensionScalesAndAttributes() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let output = dir.appendingPathComponent("out.h5").path
        try writeCorrelatedPairs(to: input, samples: 500, rhos: [0.9, 0.0], seed: 5)
        let run = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--units", "bits"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let script = """
            import json, math, sys
            import h5py, numpy as np
            with h5py.File(sys.argv[1], "r") as f:
                mi = f["mi"][...]
                status = f["status"][...]
                names = [s.decode() for s in f["var_i"][...]]
                dims = [[d.label, [s.name for s in d.values()]] for d in f["mi"].dims]
                attrs = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in f.attrs.items()}
                print(json.dumps({
                    "shape": list(mi.shape),
                    "symmetric": bool(np.array_equal(mi, mi.T, equal_nan=True)),
                    "diag_nan": bool(np.isnan(np.diag(mi)).all()),
                    "mi01": float(mi[0, 1]), "mi23": float(mi[2, 3]),
                    "status": status.tolist(), "names": names, "dims": dims,
                    "units": f["mi"].attrs["units"].decode(), "attrs": attrs,
                    "status_dtype": str(status.dtype), "mi_dtype": str(mi.dtype),
                }))
            """
        let result = try runProcess("/usr/bin/env", ["python3", "-c", script, output])
        #expect(result.status == 0, "python3 with h5py failed (run .ci/setup-tests): \(result.stderr)")
        guard result.status == 0,
              let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else { return }
        #expect(json["shape"] as? [Int] == [4, 4])
        #expect(json["symmetric"] as? Bool == true)
        #expect(json["diag_nan"] as? Bool == true)
        #expect(json["mi_dtype"] as? String == "float64")
        #expect(json["status_dtype"] as? String == "uint8")
        #expect(json["names"] as? [String] == ["v0", "v1", "v2", "v3"])
        #expect(json["units"] as? String == "bits")
        let truthBits = -0.5 * log(1 - 0.81) / log(2.0)
        #expect(abs((json["mi01"] as? Double ?? .nan) - truthBits) < 0.15)
        #expect(abs(json["mi23"] as? Double ?? .nan) < 0.08)
        let dims = json["dims"] as? [[Any]]
        #expect((dims?[0][1] as? [String]) == ["/var_i"])
        #expect((dims?[1][1] as? [String]) == ["/var_j"])
        let attrs = json["attrs"] as? [String: String]
        #expect(attrs?["tool"] == "mibatch")
        #expect(attrs?["units"] == "bits")
        #expect(attrs?["history"]?.contains("mibatch run") == true || attrs?["history"]?.contains("run ") == true)
    }

    @Test func inspectListsDatasetsAndProvenance() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let output = dir.appendingPathComponent("out.h5").path
        try writeCorrelatedPairs(to: input, samples: 100, rhos: [0.5, 0.1], seed: 9)
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", output]).status == 0)
        let result = try runMibatch(["inspect", output])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        for text in ["/mi  (4, 4)  float64  chunks (4, 4), shuffle + deflate(1)", "/status  (4, 4)  uint8",
                     "/var_i  (4)", "digest      sha256:", "status      6 pairs computed, 0 failed"] {
            #expect(result.stdout.contains(text), "'\(text)' missing from:\n\(result.stdout)")
        }
        let full = try runMibatch(["inspect", output, "--attributes"])
        #expect(full.stdout.contains("configuration: {") && full.stdout.contains("input_digest: sha256:"))
        let plain = try runMibatch(["inspect", input])
        #expect(plain.stdout.contains("/data  (100, 4)  float64  contiguous, no filters"))
        #expect(!plain.stdout.contains("mibatch 0.1.0 output"))
        let missing = try runMibatch(["inspect", dir.appendingPathComponent("none.h5").path])
        #expect(missing.status == 66)
    }
}

/// xarray opens every kind of output without extra keywords (netCDF conventions).
@Suite struct XarrayReaderTests {
    @Test func xarrayOpensAllPairsRectangularAndMergedOutputs() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 300, rhos: [0.8, 0.1, 0.5], seed: 12)
        let square = dir.appendingPathComponent("square.h5").path
        let rectangle = dir.appendingPathComponent("rect.h5").path
        let merged = dir.appendingPathComponent("merged.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", square, "--quiet"]).status == 0)
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", rectangle, "--quiet", "--x-vars", "v0,v1", "--y-vars", "v2,v3,v4"]).status == 0)
        for index in 1...2 {
            #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", dir.path + "/", "--shard", "\(index)/2", "--quiet"]).status == 0)
        }
        #expect(try runMibatch(["merge", dir.path + "/shard-0001-of-0002.h5", dir.path + "/shard-0002-of-0002.h5", "-o", merged]).status == 0)
        let script = """
            import json, sys
            import xarray as xr
            out = []
            for path in sys.argv[1:]:
                ds = xr.open_dataset(path, engine="h5netcdf")
                mi = ds["mi"]
                out.append({"dims": list(mi.dims), "shape": list(mi.shape), "units": mi.attrs.get("units"),
                            "estimator": mi.attrs.get("estimator"), "var_i": [str(v) for v in ds["var_i"].values],
                            "var_j": [str(v) for v in ds["var_j"].values], "v0v2": float(mi.sel(var_i="v0", var_j="v2")),
                            "status_dims": list(ds["status"].dims)})
            print(json.dumps(out))
            """
        let result = try runProcess("/usr/bin/env", ["python3", "-c", script, square, rectangle, merged])
        #expect(result.status == 0, "python3 with xarray/h5netcdf failed (run .ci/setup-tests): \(result.stderr)")
        guard result.status == 0, let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else { return }
        for entry in list {
            #expect(entry["dims"] as? [String] == ["var_i", "var_j"])
            #expect(entry["status_dims"] as? [String] == ["var_i", "var_j"])
            #expect(entry["units"] as? String == "nats")
            #expect((entry["estimator"] as? String)?.hasPrefix("KSG-2") == true)
        }
        #expect(list[0]["shape"] as? [Int] == [6, 6])
        #expect(list[1]["shape"] as? [Int] == [2, 3])
        #expect(list[1]["var_j"] as? [String] == ["v2", "v3", "v4"])
        #expect(list[2]["shape"] as? [Int] == [6, 6])
        let a = list[0]["v0v2"] as? Double, b = list[1]["v0v2"] as? Double, c = list[2]["v0v2"] as? Double
        #expect(a != nil && a == b && a == c, "same pair, same value in every kind of file")
    }
}

/// The man page documents every option of every subcommand's --help.
@Suite struct ManPageTests {
    @Test func everyHelpOptionIsInTheManPage() throws {
        let page = try String(contentsOf: repositoryRoot.appendingPathComponent("man/mibatch.1"), encoding: .utf8)
            .replacingOccurrences(of: "\\-", with: "-")
        for subcommand in ["run", "plan", "merge", "network", "inspect", "plot"] {
            let help = try runMibatch([subcommand, "--help"])
            #expect(help.status == 0)
            let options = help.stdout.split(whereSeparator: { " ,\n[]<>=(".contains($0) })
                .filter { $0.hasPrefix("--") }
                .map { String($0.prefix { $0 == "-" || $0.isLowercase || $0.isNumber }) }
                .filter { $0.count > 2 && $0 != "--help" && $0 != "--version" }
            #expect(!options.isEmpty, "no options parsed from mibatch \(subcommand) --help")
            for option in Set(options) {
                #expect(page.contains(option), "mibatch \(subcommand) \(option) is missing from man/mibatch.1")
            }
        }
    }

    @Test func manPagesRenderWithoutWarnings() throws {
        for page in ["man/mibatch.1", "man/mibatch-format.5", "man/mibatch-estimators.7", "man/mibatch-network.7"] {
            let result = try runProcess("/usr/bin/env", ["groff", "-man", "-ww", "-z", repositoryRoot.appendingPathComponent(page).path])
            #expect(result.status == 0 && result.stderr.isEmpty, "groff warnings in \(page): \(result.stderr)")
        }
    }

    @Test func manPageDocumentsCompletionsEnvironmentAndFormatPage() throws {
        let page = try String(contentsOf: repositoryRoot.appendingPathComponent("man/mibatch.1"), encoding: .utf8)
            .replacingOccurrences(of: "\\-", with: "-")
        for text in ["--generate-completion-script", "HDF5_USE_FILE_LOCKING", "SLURM_ARRAY_TASK_ID", ".SH FILES", "mibatch-format(5)"] {
            #expect(page.contains(text), "\(text) missing from man/mibatch.1")
        }
        for shell in ["bash", "zsh", "fish"] {
            let script = try runMibatch(["--generate-completion-script", shell])
            #expect(script.status == 0 && script.stdout.contains("mibatch"), "completion script for \(shell)")
        }
    }
}
