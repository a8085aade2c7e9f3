"""Ratings from Python: equal to `valor rank` on the same file, from arrays as from the file."""

import json
import subprocess

import numpy as np
import pytest

import valor

ROWS = ([("a", "b", "model_a"), ("b", "c", "model_a"), ("a", "c", "model_a")] * 3 +
        [("b", "a", "model_a"), ("c", "b", "model_a"), ("c", "a", "model_a"), ("a", "b", "tie"),
         ("d", "a", "model_b"), ("c", "d", "model_a"), ("d", "b", "model_a")])


@pytest.fixture
def battles(tmp_path):
    path = tmp_path / "battles.csv"
    path.write_text("model_a,model_b,winner\n" + "".join(f"{a},{b},{w}\n" for a, b, w in ROWS))
    return path


def cli_json(cli, path, *args):
    out = subprocess.run([cli, "rank", str(path), "--format", "json", *args], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


CASES = [
    ({}, []),
    ({"scale": "natural"}, ["--scale", "natural"]),
    ({"prior": 2.0, "bootstrap": 50, "seed": 1}, ["--prior", "2", "--bootstrap", "50", "--seed",
                                                   "1"]),
    ({"ties": "davidson"}, ["--ties", "davidson"]),
    ({"model": "thurstone", "bootstrap": 20, "seed": 3}, ["--model", "thurstone", "--bootstrap",
                                                          "20", "--seed", "3"]),
    ({"model": "pl", "prior": 2.0}, ["--model", "pl", "--prior", "2"]),
    ({"model": "elo", "k": 8.0}, ["--model", "elo", "--k", "8"]),
    ({"intervals": False}, ["--no-intervals"]),
    ({"order_effect": True}, ["--order-effect"]),
    ({"firth": True, "order_effect": True}, ["--firth", "--order-effect"]),
]


def assert_same(fit, expected):
    """A Leaderboard against `valor rank --format json` (leaderboard order there)."""
    assert fit.model == expected["model"] and fit.scale == expected["scale"]
    assert fit.interval == expected["interval"]
    order = fit.order()
    assert [fit.names[i] for i in order] == [item["name"] for item in expected["items"]]
    for i, item in zip(order, expected["items"]):
        assert fit.ratings[i] == item["rating"]
        for mine, key in [(fit.ci_low[i], "ci_low"), (fit.ci_high[i], "ci_high")]:
            assert (np.isnan(mine) and item[key] is None) or mine == item[key]
        assert fit.comparisons[i] == item["n"] and fit.win_rate[i] == item["win_rate"]
    if "nu" in expected:
        assert fit.nu == expected["nu"]
    if "sigma" in expected:
        assert {n: s for n, s in zip(fit.names, fit.sigma)} == expected["sigma"]
    for key in ("log_likelihood", "deviance", "aic"):
        if expected.get(key) is not None:
            assert getattr(fit, key) == expected[key]
    if "order_effect" in expected:
        assert fit.order_effect == expected["order_effect"]["estimate"]
        assert fit.order_effect_sd == expected["order_effect"]["sd"]
    else:
        assert np.isnan(fit.order_effect)


@pytest.mark.parametrize("options,flags", CASES)
def test_rank_file_equals_the_cli(valor_cli, battles, options, flags):
    expected = cli_json(valor_cli, battles, *flags)
    fit = valor.rank_file(battles, **options)
    assert fit.used == len(ROWS) and fit.skipped == 0
    assert_same(fit, expected)


@pytest.mark.parametrize("options,flags", CASES)
def test_arrays_equal_the_file(battles, options, flags):
    from_file = valor.rank_file(str(battles), **options)
    winners = [a for a, _, _ in ROWS]
    losers = [b for _, b, _ in ROWS]
    outcomes = [{"model_a": 1.0, "model_b": 0.0, "tie": 0.5}[w] for _, _, w in ROWS]
    by_name = valor.fit_ratings(np.array(winners), losers, outcomes=outcomes, **options)
    names = from_file.names
    index = {n: i for i, n in enumerate(names)}
    by_index = valor.fit_ratings(np.array([index[a] for a in winners]),
                                 np.array([index[b] for b in losers], np.int32),
                                 outcomes=np.array(outcomes), names=names, **options)
    for fit in (by_name, by_index):
        assert fit.names == names
        np.testing.assert_array_equal(fit.ratings, from_file.ratings)
        np.testing.assert_array_equal(fit.ci_low, from_file.ci_low)
        np.testing.assert_array_equal(fit.comparisons, from_file.comparisons)


def test_leaderboard_arrays_and_probabilities(battles):
    fit = valor.rank_file(battles, scale="natural")
    n = len(fit.names)
    for field in ("ratings", "ci_low", "ci_high", "natural", "comparisons", "win_rate"):
        arr = getattr(fit, field)
        assert isinstance(arr, np.ndarray) and arr.shape == (n,) and arr.dtype == np.float64
    assert abs(fit.ratings.mean()) < 1e-12
    matrix = fit.win_matrix()
    assert matrix.shape == (n, n) and np.isnan(np.diag(matrix)).all()
    a, b = fit.names.index("a"), fit.names.index("b")
    p = 1 / (1 + np.exp(-(fit.natural[a] - fit.natural[b])))
    assert abs(fit.win_probability(a, b) - p) < 1e-15 and matrix[a, b] == fit.win_probability(a, b)
    assert fit.sigma is None and fit.nu is None
    assert fit.order()[0] == a


def test_rankings_plackett_luce(tmp_path, valor_cli):
    path = tmp_path / "ranks.csv"
    path.write_text("ranking\na > b > c\nb > a > c\na > c | b\nc > a > b\nb > c\n")
    expected = cli_json(valor_cli, path, "--model", "pl", "--bootstrap", "20", "--seed", "1",
                        "--prior", "2")
    from_file = valor.rank_file(path, model="pl", bootstrap=20, seed=1, prior=2.0)
    assert from_file.rankings_input and from_file.used == 5
    assert_same(from_file, expected)
    fit = valor.fit_rankings([["a", "b", "c"], ["b", "a", "c"], ["a", "c"], ["c", "a", "b"],
                              ["b", "c"]], unranked=[[], [], ["b"], [], []], bootstrap=20,
                             seed=1, prior=2.0)
    np.testing.assert_array_equal(fit.ratings, from_file.ratings)
    np.testing.assert_array_equal(fit.ci_high, from_file.ci_high)


def test_bt_recovers_known_strengths():
    rng = np.random.default_rng(0)
    truth = np.array([0.0, 0.5, 1.0, -1.5])
    a = rng.integers(4, size=20000)
    b = (a + rng.integers(1, 4, size=20000)) % 4
    won = rng.random(20000) < 1 / (1 + np.exp(truth[b] - truth[a]))
    winners, losers = np.where(won, a, b), np.where(won, b, a)
    fit = valor.fit_ratings(winners, losers, scale="natural")
    assert fit.names == ["0", "1", "2", "3"]
    np.testing.assert_allclose(fit.ratings, truth - truth.mean(), atol=0.06)
    assert ((fit.ci_low < truth - truth.mean()) & (truth - truth.mean() < fit.ci_high)).sum() >= 3


def test_rank_errors():
    with pytest.raises(valor.Error, match="comparison 1: "):
        valor.fit_ratings(["a", "b"], ["b", "b"])
    with pytest.raises(valor.Error, match="prior"):
        valor.fit_ratings(["a", "b"], ["b", "a"], prior=-1)
    with pytest.raises(valor.Error, match="rating model 'xx': accepted: bt, thurstone, pl, elo"):
        valor.fit_ratings(["a", "b"], ["b", "a"], model="xx")
    with pytest.raises(valor.Error, match="never"):
        valor.fit_ratings(["a", "a"], ["b", "b"])  # b never wins: no maximum-likelihood estimate
    with pytest.raises(valor.Error, match="same length"):
        valor.fit_ratings(["a", "b"], ["b"])
    with pytest.raises(valor.Error, match="out of range for 2 names"):
        valor.fit_ratings([0, 2], [1, 0], names=["x", "y"])
    with pytest.raises(valor.Error, match="cannot open for reading"):
        valor.rank_file("/nonexistent/battles.csv")
    with pytest.raises(valor.Error, match="Davidson|davidson"):
        valor.fit_ratings(["a", "b"], ["b", "a"], model="elo", ties="davidson")


def test_covariance_equals_the_cli_file(valor_cli, battles, tmp_path):
    cov_file = tmp_path / "cov.csv"
    subprocess.run([valor_cli, "rank", str(battles), "--order-effect", "--covariance",
                    str(cov_file)], check=True, capture_output=True)
    lines = cov_file.read_text().splitlines()
    header = lines[0].split(",")[1:]
    expected = np.array([[float(x) for x in line.split(",")[1:]] for line in lines[1:]])
    fit = valor.rank_file(battles, order_effect=True, covariance=True)
    assert fit.covariance.shape == (len(fit.names) + 1,) * 2
    assert header == fit.names + ["(order effect)"]
    np.testing.assert_allclose(fit.covariance, expected, rtol=1e-15, atol=0)
    assert valor.rank_file(battles).covariance is None
