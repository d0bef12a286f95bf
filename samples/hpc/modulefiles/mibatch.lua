-- Lmod modulefile for mibatch. `.ci/install --prefix PREFIX` copies it to
-- PREFIX/share/modulefiles/mibatch/<version>.lua; then
--     module use PREFIX/share/modulefiles
--     module load mibatch
-- prepends PREFIX/bin to PATH and PREFIX/share/man to MANPATH (`man mibatch`). PREFIX is
-- found from the modulefile's own path, so it needs no editing when it stays where
-- .ci/install put it; a site keeping its modulefiles elsewhere sets `root` by hand.
-- Completions (not set here, a modulefile cannot source them): PREFIX/share/bash-completion,
-- PREFIX/share/zsh/site-functions, PREFIX/share/fish/vendor_completions.d.
help([[mibatch: mutual-information matrices from HDF5 data, sharded over SLURM arrays.
See man mibatch, man mibatch-format, man mibatch-estimators.]])
whatis("Name: mibatch")
whatis("Version: " .. myModuleVersion())
whatis("Description: mutual-information matrices from HDF5 datasets")

local root = myFileName():gsub("/share/modulefiles/[^/]+/[^/]+$", "")
prepend_path("PATH", pathJoin(root, "bin"))
-- An empty MANPATH entry keeps man's default search path (the system's pages).
if (os.getenv("MANPATH") or "") == "" then append_path("MANPATH", "") end
prepend_path("MANPATH", pathJoin(root, "share/man"))
