# parmigene knnmi on many (x, y) pairs (helper for study.py / accuracy.py, not run by hand).
#
# Usage: Rscript parmigene_pairs.R IN.f64 NPAIRS N K OUT.f64
#   IN.f64   NPAIRS x 2 x N float64 little-endian: pair p's x is at (2p)*N, its y at (2p+1)*N.
#   OUT.f64  NPAIRS x 2 float64: knnmi(x, y, k, noise = 0), then knnmi(x, y, k) (default noise 1e-12).
suppressPackageStartupMessages(library(parmigene))
a <- commandArgs(trailingOnly = TRUE)
np <- as.integer(a[2]); n <- as.integer(a[3]); k <- as.integer(a[4])
con <- file(a[1], "rb"); v <- readBin(con, what = "double", n = np * 2 * n, size = 8, endian = "little"); close(con)
out <- numeric(2 * np)
for (p in seq_len(np)) {
  o <- (p - 1) * 2 * n
  x <- v[(o + 1):(o + n)]; y <- v[(o + n + 1):(o + 2 * n)]
  out[2 * p - 1] <- knnmi(x, y, k = k, noise = 0)
  out[2 * p] <- knnmi(x, y, k = k)
}
con <- file(a[5], "wb"); writeBin(out, con, size = 8, endian = "little"); close(con)
