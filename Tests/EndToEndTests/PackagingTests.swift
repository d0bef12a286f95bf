import Foundation
import MIBatch
import Testing

/// The set-up split (.ci/setup, .ci/setup-tests), `plan` without `-o`, and the HPC
/// packaging samples that can be checked without their tools (samples/hpc: the Spack recipe
/// against a stub of Spack's API, the Apptainer definition's structure). Installing into a
/// prefix, man, completions and the modulefiles under Lmod are .ci/check-install's.
@Suite struct PackagingTests {
    /// The "KIND NAME" lines a set-up script prints with --dry-run.
    func plannedInstalls(_ script: String, assumeNothingInstalled: Bool) throws -> [String] {
        let result = try runProcess(repositoryRoot.appendingPathComponent(".ci/\(script)").path, ["--dry-run"],
                                    environment: ["MIBATCH_SETUP_ASSUME_MISSING": assumeNothingInstalled ? "1" : "0"])
        #expect(result.status == 0, "\(script) --dry-run: \(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test func runSetUpPlansOnlyWhatRunningNeeds() throws {
        let run = try plannedInstalls("setup", assumeNothingInstalled: true)
        #expect(Set(run) == ["apt libhdf5-dev", "apt zlib1g-dev", "apt pkg-config", "apt libopenblas-dev", "apt libdeflate-dev"])
        let tests = try plannedInstalls("setup-tests", assumeNothingInstalled: true)
        #expect(Array(tests.prefix(run.count)) == run, "the test set-up starts with the run set-up")
        let testOnly = Set(tests).subtracting(run)
        for expected in ["apt slurmd", "apt slurmctld", "apt munge", "apt r-cran-hdf5r", "apt r-cran-parmigene", "apt librsvg2-bin", "apt lmod",
                         "apt man-db", "pip h5py", "pip scikit-learn", "pip anndata"] {
            #expect(testOnly.contains(expected), "\(expected) missing from the test set-up's plan")
        }
        #expect(Set(run).isDisjoint(with: testOnly))
        // On this machine: nothing missing (CI ran the set-up), or a subset of the run plan.
        // (The test set-up's real check imports the Python packages: ~15 s, not repeated here.)
        let missingHere = try plannedInstalls("setup", assumeNothingInstalled: false)
        #expect(Set(missingHere).isSubset(of: Set(run)))
        if missingHere.isEmpty {
            // Idempotent and quiet: with everything present the real run says and does nothing.
            let again = try runProcess(repositoryRoot.appendingPathComponent(".ci/setup").path, [])
            #expect(again.status == 0 && again.stdout.isEmpty && again.stderr.isEmpty, "\(again.stdout)\(again.stderr)")
        }
        let bad = try runProcess(repositoryRoot.appendingPathComponent(".ci/setup").path, ["--bogus"])
        #expect(bad.status == 64 && bad.stderr.contains("--dry-run"))
    }

    @Test func planNeedsNoOutputAndReportsWhatAResumeWouldFind() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sample = repositoryRoot.appendingPathComponent("samples/gaussian-pairs.h5").path
        let base = ["plan", sample, "--dataset", "/data", "--no-calibration"]
        let bare = try runMibatch(base)
        #expect(bare.status == 0, "stderr: \(bare.stderr)")
        #expect(bare.stdout.contains("66"), "the 66 pairs of 12 variables: \(bare.stdout)")
        #expect(!bare.stdout.contains("resume:"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)

        let output = dir.appendingPathComponent("out.h5").path
        let fresh = try runMibatch(base + ["-o", output])
        #expect(fresh.status == 0)
        #expect(fresh.stdout.contains("resume: no checkpoint \(output).ckpt"))
        // What `run` would leave after an interruption (its content is checked by run, not plan).
        FileManager.default.createFile(atPath: output + ".ckpt", contents: Data("MIBATCH-CHECKPOINT 3\n".utf8))
        let resumable = try runMibatch(base + ["-o", output])
        #expect(resumable.stdout.contains("resume: \(output).ckpt exists"), "\(resumable.stdout)")
        #expect(!FileManager.default.fileExists(atPath: output), "plan writes nothing")

        let help = try runMibatch(["plan", "--help"])
        #expect(help.stdout.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " ")
            .contains("only matters when resuming"))
        // run still insists on -o.
        let run = try runMibatch(["run", sample, "--dataset", "/data"])
        #expect(run.status == 64 && run.stderr.contains("--output"), "\(run.stderr)")
    }

    /// Imports samples/hpc/spack/packages/mibatch/package.py against a stub `spack.package`
    /// that records the directives, then calls install() with recording executables.
    @Test func spackRecipeParsesAndInstallsThroughCIInstall() throws {
        let stub = #"""
        import importlib.util, json, os, sys, tempfile, types
        recipe, expected_version = sys.argv[1], sys.argv[2]
        recorded = {"versions": [], "depends": [], "calls": []}
        spack = types.ModuleType("spack"); package = types.ModuleType("spack.package")
        class Package:
            pass
        class Prefix(str):
            def __getattr__(self, name):
                return Prefix(os.path.join(self, name))
        class Executable:
            def __init__(self, path): self.path = path
            def __call__(self, *args, **kwargs):
                recorded["calls"].append({"path": self.path, "args": list(args), "env": kwargs.get("extra_env", {})})
        package.Package = Package
        package.version = lambda name, **kw: recorded["versions"].append(name)
        package.depends_on = lambda spec, **kw: recorded["depends"].append(spec)
        package.maintainers = lambda *names: None
        package.Executable = Executable
        package.which = lambda name, required=False: Executable("/usr/bin/" + name)
        package.join_path = os.path.join
        package.__all__ = [n for n in vars(package) if not n.startswith("_")]
        spack.package = package
        sys.modules["spack"] = spack; sys.modules["spack.package"] = package
        spec = importlib.util.spec_from_file_location("recipe", recipe)
        module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
        cls = module.Mibatch
        assert issubclass(cls, Package) and cls.__doc__ and cls.git.endswith(".git"), "class Mibatch(Package) with a docstring and git"
        assert expected_version in recorded["versions"], recorded["versions"]
        instance = cls()
        instance.stage = types.SimpleNamespace(source_path="/stage/mibatch")
        deps = {d.split("@")[0].split("+")[0].split("~")[0] for d in recorded["depends"]}
        lib = {name: types.SimpleNamespace(prefix=Prefix("/spack/" + name)) for name in deps}
        class Spec(dict):
            pass
        instance.spec = Spec(lib)
        class Env:
            def __init__(self): self.paths = []
            def prepend_path(self, name, path): self.paths.append((name, path))
        build, run = Env(), Env()
        instance.setup_build_environment(build); instance.setup_run_environment(run)
        instance.install(instance.spec, Prefix("/opt/spack/mibatch"))
        print(json.dumps({"deps": sorted(deps), "calls": recorded["calls"], "build": build.paths, "run": run.paths}))
        """#
        let recipe = repositoryRoot.appendingPathComponent("samples/hpc/spack/packages/mibatch/package.py").path
        let result = try runPython(stub, [recipe, Provenance.version])
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            Issue.record("no JSON: \(result.stdout) \(result.stderr)"); return
        }
        let deps = object["deps"] as? [String] ?? []
        for name in ["hdf5", "zlib-api", "openblas", "pkgconfig"] { #expect(deps.contains(name), "depends_on(\(name))") }
        let calls = object["calls"] as? [[String: Any]] ?? []
        #expect(calls.count == 1)
        #expect(calls.first?["path"] as? String == "/stage/mibatch/.ci/install")
        #expect(calls.first?["args"] as? [String] == ["--prefix", "/opt/spack/mibatch"])
        let flags = (calls.first?["env"] as? [String: String])?["SWIFT_BUILD_FLAGS"] ?? ""
        #expect(flags.contains("-Xlinker -rpath -Xlinker /spack/hdf5/lib"), "rpath of libhdf5: \(flags)")
        #expect((object["build"] as? [[String]])?.contains(["PKG_CONFIG_PATH", "/spack/hdf5/lib/pkgconfig"]) == true)
        #expect((object["run"] as? [[String]])?.contains(["LD_LIBRARY_PATH", "/spack/openblas/lib"]) == true)
        // The recipe's repository is a Spack repository.
        let repo = try String(contentsOf: repositoryRoot.appendingPathComponent("samples/hpc/spack/repo.yaml"), encoding: .utf8)
        #expect(repo.contains("namespace: mibatch"))
    }

    /// The Apptainer definition's structure: two stages (header keywords Bootstrap, From,
    /// Stage), known sections only, `%files from STAGE` naming a stage defined before it,
    /// every copied source path present in the repository, the build running .ci/setup and
    /// .ci/install, the final image running the installed binary. (apptainer itself is not
    /// installable here; the build is not run.)
    @Test func apptainerDefinitionIsWellFormed() throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("samples/hpc/mibatch.def"), encoding: .utf8)
        let known: Set<String> = ["setup", "files", "post", "environment", "runscript", "startscript", "test", "labels",
                                  "help", "arguments", "app"]
        struct Stage { var header: [String: String] = [:]; var sections: [String: [String]] = [:] }
        var stages: [Stage] = [], section: String? = nil
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("#") && section == nil || line.trimmingCharacters(in: .whitespaces).isEmpty && section == nil { continue }
            if line.hasPrefix("%") {
                section = String(line.dropFirst())
                let name = String(section!.split(separator: " ")[0])
                #expect(known.contains(name), "unknown section %\(name)")
                if stages.isEmpty { Issue.record("%\(name) before any header"); return }
                stages[stages.count - 1].sections[section!] = []
            } else if let colon = line.firstIndex(of: ":"), !line.hasPrefix(" "), !line.hasPrefix("\t"),
                      ["Bootstrap", "From", "Stage"].contains(String(line[..<colon])) {
                let key = String(line[..<colon]), value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if key == "Bootstrap" { stages.append(Stage()); section = nil }
                stages[stages.count - 1].header[key] = value
            } else if let section {
                if !line.trimmingCharacters(in: .whitespaces).isEmpty { stages[stages.count - 1].sections[section]!.append(line) }
            } else {
                Issue.record("line outside any header or section: \(line)")
            }
        }
        #expect(stages.count == 2)
        guard stages.count == 2 else { return }
        for stage in stages {
            #expect(stage.header["Bootstrap"] == "docker")
            #expect(!(stage.header["From"] ?? "").isEmpty && stage.header["Stage"] != nil)
        }
        let (build, final) = (stages[0], stages[1])
        #expect(build.header["From"]?.hasPrefix("swift:6") == true)
        for line in build.sections["files"] ?? [] {
            let source = String(line.trimmingCharacters(in: .whitespaces).split(separator: " ")[0])
            #expect(FileManager.default.fileExists(atPath: repositoryRoot.appendingPathComponent(source).path) || source == ".git",
                    "%files copies \(source), which the repository lacks")
        }
        let buildPost = (build.sections["post"] ?? []).joined(separator: "\n")
        #expect(buildPost.contains(".ci/setup") && buildPost.contains("PREFIX=/opt/mibatch .ci/install"))
        let from = final.sections.keys.first { $0.hasPrefix("files from ") }
        #expect(from == "files from \(build.header["Stage"] ?? "?")")
        #expect(final.sections[from ?? ""]?.first?.contains("/opt/mibatch") == true)
        #expect(final.sections["runscript"]?.joined().contains("exec /opt/mibatch/bin/mibatch \"$@\"") == true)
        #expect(final.sections["environment"]?.joined().contains("/opt/mibatch/share/man") == true)
        #expect(final.sections["test"]?.joined().contains("mibatch --version") == true)
    }
}
