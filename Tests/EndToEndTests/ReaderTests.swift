import Foundation
import HDF5
import Testing

/// Real outputs of every kind — all pairs (with failed pairs), rectangular, merged, partial —
/// opened by h5py, xarray (h5netcdf engine, no keywords), netCDF4 and R's hdf5r; every
/// reader must see exactly the values, names and status mibatch wrote. Readers come from
/// `.ci/setup-tests`; a missing one fails the test.
@Suite struct ReaderTests {
    /// A written output as the HDF5 library reads it.
    struct Written {
        var path: String
        var rowNames: [String], columnNames: [String]
        var values: [Double]
        var status: [UInt8]
    }

    /// Writes the four kinds of output into `dir` and reads them back.
    func makeOutputs(in dir: URL) throws -> [Written] {
        let input = dir.appendingPathComponent("in.h5").path
        var random = TestRandom(seed: 41)
        var data = [Double](repeating: 0, count: 250 * 5)
        for row in 0..<250 {
            let a = random.normal()
            data[row * 5] = a
            data[row * 5 + 1] = 0.8 * a + 0.6 * random.normal()
            data[row * 5 + 2] = random.normal()
            data[row * 5 + 3] = a * a + random.normal() * 0.5
            data[row * 5 + 4] = 3 // constant: its pairs fail
        }
        do { // closed before mibatch opens it
            let file = try File.create(input, overwrite: true)
            try file.createDataset("/data", type: .float64, shape: [250, 5]).write(data)
        }
        let names = "alpha=0:1,beta=1:2,gamma=2:3,delta=3:4,flat=4:5"
        let paths = ["all", "rect", "merged", "partial"].map { dir.appendingPathComponent("\($0).h5").path }
        let base = ["run", input, "--dataset", "/data", "--variables", names, "--quiet"]
        #expect(try runMibatch(base + ["-o", paths[0]]).status == 3)
        #expect(try runMibatch(base + ["-o", paths[1], "--x-vars", "alpha,gamma", "--y-vars", "beta,delta,flat", "--units", "bits"]).status == 3)
        for index in 1...3 {
            let status = try runMibatch(base + ["-o", dir.path + "/", "--shard", "\(index)/3"]).status
            #expect(status == 0 || status == 3)
        }
        let shards = (1...3).map { dir.path + "/shard-000\($0)-of-0003.h5" }
        #expect(try runMibatch(["merge"] + shards + ["-o", paths[2], "--quiet"]).status == 0)
        #expect(try runMibatch(["merge", shards[0], shards[2], "-o", paths[3], "--partial", "--quiet"]).status == 4)
        return try paths.map { path in
            let file = try File.open(path)
            return Written(path: path, rowNames: try file.dataset("/var_i").readStrings(),
                           columnNames: try file.dataset("/var_j").readStrings(),
                           values: try file.dataset("/mi").readAll(), status: try file.dataset("/status").readBytes())
        }
    }

    /// Bit-equal, or both NaN.
    func same(_ hex: [String], _ values: [Double]) -> Bool {
        hex.count == values.count && zip(hex, values).allSatisfy { text, value in
            guard let read = Double(text) else { return false }
            return read.bitPattern == value.bitPattern || (read.isNaN && value.isNaN)
        }
    }

    @Test func pythonReadersSeeExactlyWhatWasWritten() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outputs = try makeOutputs(in: dir)
        let partial = outputs[3]
        #expect(partial.status.contains(0) && partial.status.contains(1), "the partial file has both computed and missing pairs")
        #expect(outputs[0].status.contains(2), "the all-pairs file has failed pairs")

        let script = """
            import json, sys
            import h5py, numpy as np, xarray as xr, netCDF4
            def hexes(a): return [float(x).hex() for x in np.asarray(a, dtype=np.float64).ravel()]
            out = []
            for path in sys.argv[1:]:
                with h5py.File(path, "r") as f:
                    h5 = {"mi": hexes(f["mi"][...]), "status": f["status"][...].ravel().tolist(),
                          "var_i": [s.decode() for s in f["var_i"][...]], "var_j": [s.decode() for s in f["var_j"][...]]}
                ds = xr.open_dataset(path, engine="h5netcdf")
                mi = ds["mi"]
                i, j = str(mi.var_i.values[0]), str(mi.var_j.values[-1])
                xa = {"dims": list(mi.dims), "mi": hexes(mi.values), "var_i": [str(v) for v in mi.var_i.values],
                      "var_j": [str(v) for v in mi.var_j.values], "units": mi.attrs["units"], "estimator": mi.attrs["estimator"],
                      "sel": float(mi.sel(var_i=i, var_j=j)).hex(), "status": ds["status"].values.ravel().tolist()}
                nc = netCDF4.Dataset(path)
                v = nc["mi"]
                nc_out = {"dims": list(v.dimensions), "mi": hexes(np.ma.filled(v[:], np.nan)), "units": v.units,
                          "var_i": [str(s) for s in nc["var_i"][:]], "status": np.asarray(nc["status"][:]).ravel().tolist()}
                nc.close()
                out.append({"h5py": h5, "xarray": xa, "netcdf4": nc_out})
            print(json.dumps(out))
            """
        let result = try runProcess("/usr/bin/env", ["python3", "-c", script] + outputs.map(\.path))
        #expect(result.status == 0, "python3 with h5py, xarray, h5netcdf and netCDF4 failed (run .ci/setup-tests): \(result.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: [String: Any]]])
        #expect(list.count == 4)
        for (written, read) in zip(outputs, list) {
            let name = URL(fileURLWithPath: written.path).lastPathComponent
            let status = written.status.map(Int.init)
            let h5 = read["h5py"]!, xa = read["xarray"]!, nc = read["netcdf4"]!
            for (reader, values) in [("h5py", h5), ("xarray", xa), ("netCDF4", nc)] {
                #expect(same(values["mi"] as? [String] ?? [], written.values), "\(reader) values of \(name)")
                #expect(values["status"] as? [Int] == status, "\(reader) status of \(name)")
                #expect(values["var_i"] as? [String] == written.rowNames, "\(reader) var_i of \(name)")
            }
            #expect(h5["var_j"] as? [String] == written.columnNames)
            #expect(xa["var_j"] as? [String] == written.columnNames)
            #expect(xa["dims"] as? [String] == ["var_i", "var_j"] && nc["dims"] as? [String] == ["var_i", "var_j"])
            #expect(xa["units"] as? String == (name == "rect.h5" ? "bits" : "nats") && nc["units"] as? String == xa["units"] as? String)
            #expect((xa["estimator"] as? String)?.hasPrefix("KSG-2 (k=3") == true)
            let last = written.values[written.columnNames.count - 1]
            #expect(same([xa["sel"] as? String ?? ""], [last]), "xarray selects by name in \(name)")
        }
        #expect(outputs[1].rowNames == ["alpha", "gamma"] && outputs[1].columnNames == ["beta", "delta", "flat"])
    }

    @Test func rReadsMatrixAndNamesWithHdf5r() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outputs = try makeOutputs(in: dir)
        let script = dir.appendingPathComponent("read.R").path
        // hdf5r returns R's column-major view: /mi of shape [p_i, p_j] reads as p_j x p_i,
        // so t() gives the matrix as written; names come from the dimension scales.
        try """
            suppressMessages(library(hdf5r))
            for (path in commandArgs(trailingOnly = TRUE)) {
                f <- H5File$new(path, mode = "r")
                mi <- t(f[["mi"]]$read())
                rownames(mi) <- f[["var_i"]]$read()
                colnames(mi) <- f[["var_j"]]$read()
                status <- t(f[["status"]]$read())
                cat("file", basename(path), "\\n")
                cat("dim", dim(mi), "\\n")
                cat("var_i", rownames(mi), "\\n")
                cat("var_j", colnames(mi), "\\n")
                cat("units", h5attr(f[["mi"]], "units"), "\\n")
                cat("mi", ifelse(is.nan(t(mi)), "nan", sprintf("%a", t(mi))), "\\n")
                cat("status", as.integer(t(status)), "\\n")
                cat("named", sprintf("%a", mi[rownames(mi)[1], colnames(mi)[ncol(mi)]]), "\\n")
                f$close_all()
            }
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let result = try runProcess("/usr/bin/env", ["Rscript", script] + outputs.map(\.path))
        #expect(result.status == 0, "Rscript with hdf5r failed (run .ci/setup-tests to install r-cran-hdf5r): \(result.stderr)")
        let blocks = result.stdout.components(separatedBy: "file ").dropFirst()
        #expect(blocks.count == 4)
        for (written, block) in zip(outputs, blocks) {
            var fields: [String: [String]] = [:]
            for line in block.split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                if let key = words.first { fields[key] = Array(words.dropFirst()) }
            }
            let name = URL(fileURLWithPath: written.path).lastPathComponent
            #expect(fields["dim"] == [String(written.rowNames.count), String(written.columnNames.count)], "dim of \(name)")
            #expect(fields["var_i"] == written.rowNames && fields["var_j"] == written.columnNames, "names of \(name)")
            #expect(same(fields["mi"] ?? [], written.values), "R values of \(name): \(fields["mi"] ?? [])")
            #expect(fields["status"] == written.status.map { String($0) }, "R status of \(name)")
            #expect(fields["units"] == [name == "rect.h5" ? "bits" : "nats"])
            #expect(same(fields["named"] ?? [], [written.values[written.columnNames.count - 1]]), "R selects by name in \(name)")
        }
    }
}
