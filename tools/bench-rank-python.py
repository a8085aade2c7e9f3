#!/usr/bin/python3
"""Python reference for `valor rank`: Bradley-Terry by scikit-learn's LogisticRegression, as the
public arena notebooks fit it, plus bootstrap replicates. For measuring only (tools/bench-rank-compare);
scikit-learn is not a valor dependency (`sudo apt-get install python3-sklearn`).

Each comparison is a row of a sparse design matrix with +1 in item a's column and -1 in item b's,
label 1 when a won; a tie (or a soft outcome o) is two rows, label 1 with weight o and label 0 with
weight 1 - o, which is Bradley-Terry with ties as half wins. No intercept. sklearn minimises
0.5 |w|^2 + C sum_i s_i loss_i, i.e. (dividing by C) the negative log-likelihood plus
|w|^2 / (2 C): the Gaussian prior b_i ~ N(0, sd^2) is C = sd^2. Ratings are the coefficients
(natural scale; with the L2 penalty they have mean 0 by themselves, as valor's). The bootstrap
refits on rows resampled with replacement (drawn counts as sample weights, the same estimator as
repeating rows).

  bench-rank-python.py DATA.csv --prior SD [--bootstrap N] [--seed S] [--solver lbfgs] [--out F]
Prints one JSON line with the timings; --out writes "item,rating" for the full-data fit.
"""
import argparse
import csv
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--prior", type=float, required=True, help="Gaussian prior sd (C = sd^2)")
    ap.add_argument("--bootstrap", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--solver", default="lbfgs")
    ap.add_argument("--tol", type=float, default=1e-10)
    ap.add_argument("--out")
    args = ap.parse_args()

    t0 = time.perf_counter()
    index = {}
    a_idx, b_idx, outcome = [], [], []
    with open(args.data, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        ia, ib, iw = header.index("model_a"), header.index("model_b"), header.index("winner")
        labels = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}
        for row in reader:
            a_idx.append(index.setdefault(row[ia], len(index)))
            b_idx.append(index.setdefault(row[ib], len(index)))
            outcome.append(labels[row[iw]])
    a_idx = np.asarray(a_idx, dtype=np.int64)
    b_idx = np.asarray(b_idx, dtype=np.int64)
    outcome = np.asarray(outcome)
    n, p = len(outcome), len(index)
    t_read = time.perf_counter() - t0

    # Rows: every comparison once with label 1 (weight o), once with label 0 (weight 1 - o);
    # rows of zero weight are dropped.
    rows_a = np.concatenate([a_idx, a_idx])
    rows_b = np.concatenate([b_idx, b_idx])
    y = np.concatenate([np.ones(n), np.zeros(n)])
    base_w = np.concatenate([outcome, 1.0 - outcome])
    comparison = np.concatenate([np.arange(n), np.arange(n)])
    keep = base_w > 0
    rows_a, rows_b, y, base_w, comparison = (
        rows_a[keep], rows_b[keep], y[keep], base_w[keep], comparison[keep])
    m = len(y)
    X = sp.csr_matrix(
        (np.concatenate([np.ones(m), -np.ones(m)]),
         (np.concatenate([np.arange(m), np.arange(m)]), np.concatenate([rows_a, rows_b]))),
        shape=(m, p))

    def fit(weights):
        model = LogisticRegression(fit_intercept=False, C=args.prior ** 2, solver=args.solver,
                                   tol=args.tol, max_iter=100000)
        model.fit(X, y, sample_weight=weights)
        return model.coef_[0].copy()

    t1 = time.perf_counter()
    ratings = fit(base_w)
    t_fit = time.perf_counter() - t1

    rng = np.random.default_rng(args.seed)
    t2 = time.perf_counter()
    replicates = []
    for _ in range(args.bootstrap):
        counts = np.bincount(rng.integers(0, n, size=n), minlength=n).astype(float)
        w = base_w * counts[comparison]
        replicates.append(fit(w))
    t_boot = time.perf_counter() - t2
    if replicates:
        reps = np.asarray(replicates)
        low, high = np.percentile(reps, 2.5, axis=0), np.percentile(reps, 97.5, axis=0)
    if args.out:
        names = sorted(index, key=index.get)
        with open(args.out, "w") as f:
            f.write("item,rating\n")
            for name in names:
                f.write(f"{name},{ratings[index[name]]:.17g}\n")
    print(json.dumps({"comparisons": n, "items": p, "read_s": t_read, "fit_s": t_fit,
                      "bootstrap_s": t_boot, "bootstrap": args.bootstrap,
                      "total_s": t_read + t_fit + t_boot,
                      "solver": args.solver}))


if __name__ == "__main__":
    sys.exit(main())
