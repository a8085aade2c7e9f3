#!/usr/bin/python3
"""Writes testdata/reward/: comparisons with item covariates and with per-comparison features, and
the maximum-likelihood fits of the linear Bradley-Terry model to them computed independently of
valor with scipy (BFGS on the log-likelihood written out per comparison, then polished by scipy's
trust-region Newton with the exact Hessian), with standard errors from numpy's inverse of the
Hessian. valor/rank/linear_bt_test.cc compares valor's fits with these to 1e-6.

  /usr/bin/python3 tools/linear-bt-reference.py testdata/reward
"""
import json
import sys

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit


def fit(d, o, w, prior_sd):
    precision = 0.0 if prior_sd == 0 else 1.0 / prior_sd**2

    def negative(beta):
        z = d @ beta
        ll = np.sum(w * (o * log_expit(z) + (1 - o) * log_expit(-z)))
        return -(ll - 0.5 * precision * beta @ beta)

    def gradient(beta):
        z = d @ beta
        return -(d.T @ (w * (o - expit(z))) - precision * beta)

    def hessian(beta):
        p = expit(d @ beta)
        return (d * (w * p * (1 - p))[:, None]).T @ d + precision * np.eye(d.shape[1])

    start = minimize(negative, np.zeros(d.shape[1]), jac=gradient, method="BFGS",
                     options={"gtol": 1e-10})
    best = minimize(negative, start.x, jac=gradient, hess=hessian, method="trust-exact",
                    options={"gtol": 1e-13})
    beta = best.x
    cov = np.linalg.inv(hessian(beta))
    z = d @ beta
    ll = float(np.sum(w * (o * log_expit(z) + (1 - o) * log_expit(-z))))
    return {"coefficients": beta.tolist(), "standard_errors": np.sqrt(np.diag(cov)).tolist(),
            "log_likelihood": ll, "prior_sd": prior_sd,
            "gradient_norm": float(np.abs(gradient(beta)).max())}


def main(out):
    rng = np.random.default_rng(17)
    # Item covariates: 12 items, 3 covariates, 400 comparisons with ties, soft outcomes, weights.
    items = [f"item{i}" for i in range(12)]
    x = rng.normal(size=(12, 3)).round(3)
    true_beta = np.array([0.8, -0.5, 0.3])
    rows = []
    for _ in range(400):
        a, b = rng.choice(12, size=2, replace=False)
        p = expit((x[a] - x[b]) @ true_beta)
        u = rng.uniform()
        winner = "tie" if u < 0.1 else ("model_a" if rng.uniform() < p else "model_b")
        weight = float(rng.integers(1, 4))
        rows.append((items[a], items[b], winner, weight))
    with open(f"{out}/covariates.csv", "w") as f:
        f.write("item,x1,x2,x3\n")
        for i, name in enumerate(items):
            f.write(name + "," + ",".join(f"{v:.3f}" for v in x[i]) + "\n")
    with open(f"{out}/covariate_comparisons.csv", "w") as f:
        f.write("model_a,model_b,winner,weight\n")
        for a, b, winner, weight in rows:
            f.write(f"{a},{b},{winner},{weight:g}\n")
    index = {name: i for i, name in enumerate(items)}
    d = np.array([x[index[a]] - x[index[b]] for a, b, _, _ in rows])
    o = np.array([{"model_a": 1.0, "model_b": 0.0, "tie": 0.5}[r[2]] for r in rows])
    w = np.array([r[3] for r in rows])
    expected = {"covariates": fit(d, o, w, 0.0), "covariates_prior": fit(d, o, w, 0.5)}

    # Per-comparison features: 300 comparisons of 4-dim vectors, soft outcomes, prompts.
    xa = rng.normal(size=(300, 4)).round(4)
    xb = rng.normal(size=(300, 4)).round(4)
    beta4 = np.array([1.0, -0.7, 0.4, 0.0])
    p = expit((xa - xb) @ beta4)
    outcome = np.where(rng.uniform(size=300) < 0.2, rng.uniform(size=300).round(3),
                       (rng.uniform(size=300) < p).astype(float))
    with open(f"{out}/pair_features.jsonl", "w") as f:
        for i in range(300):
            f.write(json.dumps({"prompt": f"p{i // 3}", "outcome": float(outcome[i]),
                                "features_a": xa[i].tolist(), "features_b": xb[i].tolist()}) + "\n")
    expected["pair_features"] = fit(xa - xb, outcome, np.ones(300), 0.0)
    with open(f"{out}/linear_bt_expected.json", "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
