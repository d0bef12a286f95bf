#%Module1.0
## Environment Modules (Tcl) modulefile for mibatch, for sites without Lmod (Lmod reads it
## too). Copy it to PREFIX/share/modulefiles/mibatch/<version> after
## `.ci/install --prefix PREFIX`; then
##     module use PREFIX/share/modulefiles
##     module load mibatch
## prepends PREFIX/bin to PATH and PREFIX/share/man to MANPATH (`man mibatch`). PREFIX is
## found from the modulefile's own path; a site keeping modulefiles elsewhere sets root by hand.
proc ModulesHelp { } {
    puts stderr "mibatch: mutual-information matrices from HDF5 data, sharded over SLURM arrays."
    puts stderr "See man mibatch, man mibatch-format, man mibatch-estimators."
}
module-whatis "Name: mibatch"
module-whatis "Description: mutual-information matrices from HDF5 datasets"

set root [file dirname [file dirname [file dirname [file dirname $ModulesCurrentModulefile]]]]
prepend-path PATH $root/bin
# An empty MANPATH entry keeps man's default search path (the system's pages).
if {![info exists ::env(MANPATH)] || $::env(MANPATH) eq ""} { append-path MANPATH "" }
prepend-path MANPATH $root/share/man
