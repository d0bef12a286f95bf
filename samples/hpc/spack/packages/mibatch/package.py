# Spack recipe for mibatch (samples/hpc/spack is a Spack package repository):
#     spack repo add samples/hpc/spack
#     spack install mibatch
#     spack load mibatch        # PATH, MANPATH; then man mibatch
# Set `git` to where your site keeps the repository. Swift 6 is taken from PATH (Spack has
# no Swift package); libhdf5, zlib, libdeflate and OpenBLAS come from Spack.
from spack.package import *


class Mibatch(Package):
    """Mutual-information matrices from HDF5 data, in batch: every pair of variables of an
    HDF5 file estimated with scale-invariant KSG, binning, MINE or the Gaussian copula,
    streamed within a memory budget, sharded over SLURM arrays, written to HDF5 with full
    provenance."""

    homepage = "https://github.com/OWNER/mibatch"
    git = "https://github.com/OWNER/mibatch.git"

    maintainers("OWNER")

    # A git checkout (Spack keeps .git in the stage), so `source_revision` names the commit.
    version("main", branch="main")
    version("0.2.0", branch="main", preferred=True)

    depends_on("hdf5@1.10:+hl~mpi")
    depends_on("zlib-api")
    depends_on("libdeflate")
    depends_on("openblas")
    depends_on("pkgconfig", type="build")

    def setup_build_environment(self, env):
        # SwiftPM finds libhdf5 through pkg-config's hdf5.pc.
        env.prepend_path("PKG_CONFIG_PATH", self.spec["hdf5"].prefix.lib.pkgconfig)
        env.prepend_path("PKG_CONFIG_PATH", self.spec["libdeflate"].prefix.lib.pkgconfig)

    def setup_run_environment(self, env):
        # libopenblas.so.0 is opened with dlopen by --estimator gcmi.
        env.prepend_path("LD_LIBRARY_PATH", self.spec["openblas"].prefix.lib)

    def install(self, spec, prefix):
        which("swift", required=True)
        # swiftc is not behind Spack's compiler wrappers: pass the rpaths of the libraries
        # the binary links.
        rpaths = [spec["hdf5"].prefix.lib, spec["zlib-api"].prefix.lib, spec["libdeflate"].prefix.lib]
        flags = " ".join("-Xlinker -rpath -Xlinker {0}".format(path) for path in rpaths)
        install_script = Executable(join_path(self.stage.source_path, ".ci", "install"))
        install_script("--prefix", prefix, extra_env={"SWIFT_BUILD_FLAGS": flags})
