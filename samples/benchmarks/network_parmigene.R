# parmigene's aracne.a, clr and mrnet on the /mi matrix of a mibatch output, for
# samples/benchmarks/network_peers.py: prints "METHOD seconds edges" per method (the call
# alone, after reading; OpenMP threads as OMP_NUM_THREADS says) and writes each method's
# upper-triangle non-zero entries to OUTDIR/METHOD.tsv (0-based row, column, weight in %a).
# Usage: Rscript network_parmigene.R MI.h5 EPS OUTDIR METHOD[,METHOD...]
suppressMessages({ library(hdf5r); library(parmigene) })
args <- commandArgs(trailingOnly = TRUE)
f <- H5File$new(args[1], mode = "r")
read <- system.time(mi <- t(f[["mi"]]$read()))[["elapsed"]]
f$close_all()
diag(mi) <- 0
cat("read", read, nrow(mi), "\n")
for (method in strsplit(args[4], ",")[[1]]) {
    elapsed <- system.time(net <- switch(method, aracne = aracne.a(mi, as.numeric(args[2])), clr = clr(mi), mrnet = mrnet(mi)))[["elapsed"]]
    net[lower.tri(net, diag = TRUE)] <- 0
    at <- which(net != 0, arr.ind = TRUE)
    cat(method, elapsed, nrow(at), "\n")
    write.table(data.frame(at[, 1] - 1, at[, 2] - 1, sprintf("%a", net[at])), file.path(args[3], paste0(method, ".tsv")),
                sep = "\t", quote = FALSE, row.names = FALSE, col.names = FALSE)
    rm(net, at); invisible(gc())
}
