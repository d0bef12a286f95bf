# parmigene knnmi.all on a raw float64 file written by run.py (helper, not run by hand).
#
# Usage: Rscript parmigene_all.R IN.f64 N P K OUT.f64 OUT.time
#   IN.f64   n x p float64, little-endian, C (row-major) order: sample s, variable j at s*p + j.
#            Read column-major into a p x n matrix, that is one ROW per variable, which is what
#            knnmi.all expects (check.matrix demands ncol > k; mi_all passes t(mat) to C).
#   OUT.f64  the p x p result (diagonal 0), float64 little-endian.
#   OUT.time seconds spent inside knnmi.all only (elapsed, proc.time).
# noise = 0: parmigene's add_noise then adds (rand/32767) * 0 = +0.0 to every value, so the only
# preprocessing left is its own normalize() (mean, sample sd with n-1, then minus the minimum),
# which run.py reproduces bit-for-bit for the other tools (see run.py: parmigene_normalize).
suppressPackageStartupMessages(library(parmigene))
a <- commandArgs(trailingOnly = TRUE)
n <- as.integer(a[2]); p <- as.integer(a[3]); k <- as.integer(a[4])
con <- file(a[1], "rb"); v <- readBin(con, what = "double", n = n * p, size = 8, endian = "little"); close(con)
mat <- matrix(v, nrow = p, ncol = n)
rm(v); invisible(gc())
t0 <- proc.time()[["elapsed"]]
mi <- knnmi.all(mat, k = k, noise = 0)
t1 <- proc.time()[["elapsed"]]
con <- file(a[5], "wb"); writeBin(as.vector(mi), con, size = 8, endian = "little"); close(con)
writeLines(format(t1 - t0, digits = 10), a[6])
