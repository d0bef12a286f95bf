#!/usr/bin/env python3
"""Writes the format samples of mibatch (deterministic, seed 16):

  pbmc-like.h5ad   AnnData, CSR X (300 cells x 40 genes, float32 counts), written by anndata
  pbmc-like-10x.h5 the same counts plus 3 antibody features in the published Cell Ranger v3
                   layout (/matrix: data, indices, indptr, shape, barcodes, features/...), h5py

Needs numpy, scipy, h5py and anndata (python3 -m pip install anndata). Run from anywhere:
  python3 samples/formats/generate.py
"""
import os

import anndata
import h5py
import numpy as np
import pandas as pd
import scipy.sparse as sp

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(16)
cells, genes = 300, 40

# Zero-inflated counts with a few co-expressed modules (genes 0-9 share a latent factor).
latent = rng.gamma(2.0, 1.0, size=(cells, 1))
rates = np.concatenate([latent * rng.uniform(0.5, 2.0, size=(1, 10)),
                        rng.gamma(1.0, 0.5, size=(cells, genes - 10))], axis=1)
counts = rng.poisson(rates).astype(np.float32)
counts[rng.random(counts.shape) < 0.4] = 0
gene_names = [f"GENE{j:02d}" for j in range(genes)]
gene_names[7] = gene_names[6]          # a duplicate symbol, as real annotations have
gene_ids = [f"ENSG{j:011d}" for j in range(genes)]
barcodes = [f"{''.join(rng.choice(list('ACGT'), 16))}-1" for _ in range(cells)]

adata = anndata.AnnData(X=sp.csr_matrix(counts),
                        obs=pd.DataFrame(index=barcodes),
                        var=pd.DataFrame({"gene_ids": gene_ids}, index=pd.Index(gene_names)))
adata.var_names_make_unique()
adata.write_h5ad(os.path.join(here, "pbmc-like.h5ad"))

antibodies = rng.poisson(5.0, size=(cells, 3)).astype(np.float32)
full = sp.csc_matrix(np.concatenate([counts, antibodies], axis=1).T)   # features x barcodes, CSC
with h5py.File(os.path.join(here, "pbmc-like-10x.h5"), "w") as f:
    m = f.create_group("matrix")
    m.create_dataset("data", data=full.data.astype(np.int32), compression="gzip")
    m.create_dataset("indices", data=full.indices.astype(np.int64), compression="gzip")
    m.create_dataset("indptr", data=full.indptr.astype(np.int64), compression="gzip")
    m.create_dataset("shape", data=np.array(full.shape, dtype=np.int32))
    m.create_dataset("barcodes", data=np.array(barcodes, dtype="S"))
    features = m.create_group("features")
    features.create_dataset("name", data=np.array(gene_names[:6] + ["GENE06"] + gene_names[7:] + ["CD3", "CD4", "CD8"], dtype="S"))
    features.create_dataset("id", data=np.array(gene_ids + ["CD3_TotalSeqB", "CD4_TotalSeqB", "CD8_TotalSeqB"], dtype="S"))
    features.create_dataset("feature_type", data=np.array(["Gene Expression"] * genes + ["Antibody Capture"] * 3, dtype="S"))
    features.create_dataset("genome", data=np.array(["GRCh38"] * genes + [""] * 3, dtype="S"))
    features.create_dataset("_all_tag_keys", data=np.array(["genome"], dtype="S"))
    f.attrs["filetype"] = "matrix"
    f.attrs["version"] = 2
    f.attrs["chemistry_description"] = "Single Cell 3' v3"
