"""Ratings from pairwise comparisons or rankings (valor/rank, docs/rank.md): the fit `valor rank`
makes, from arrays or from a file. Every function returns a Leaderboard whose arrays are in item
order (names); order() gives the item indices best first.

Models: "bt" (Bradley-Terry, ties as half wins, or ties="davidson"), "thurstone", "pl"
(Plackett-Luce; on pairs it equals Bradley-Terry), "elo" (online, in data order, K = k).
Intervals (95%): observed information for bt by default, or bootstrap=N percentile intervals
(seeded, the same for every thread count). scale="elo" (the default, as in the CLI) or "natural".
bt only: order_effect=True fits a first-position (home) advantage (Leaderboard.order_effect and
order_effect_sd), firth=True Firth's bias-reduced fit, covariance=True fills
Leaderboard.covariance (natural scale, the order effect last). Every fit reports
log_likelihood, deviance, aic and num_parameters.
"""

from . import _core

Leaderboard = _core.Leaderboard


def fit_ratings(winners, losers, *, outcomes=None, weights=None, names=None, model="bt",
                ties="half", prior=0.0, scale="elo", bootstrap=0, seed=0, k=4.0, intervals=True,
                threads=0, order_effect=False, firth=False, covariance=False):
    """Fits comparison k: winners[k] preferred to losers[k]. Items are strings (named in order of
    first appearance) or integer indices into `names` (or 0..max without names). With outcomes,
    outcomes[k] is the probability that winners[k] was preferred (1, 0, 0.5 for a tie, or soft);
    weights are per comparison. prior: bt's Gaussian prior sd, thurstone's prior sd, pl's Gamma
    shape (> 1); 0: none."""
    return _core.fit_ratings(winners, losers, outcomes=outcomes, weights=weights, names=names,
                             model=model, ties=ties, prior=prior, scale=scale, bootstrap=bootstrap,
                             seed=seed, k=k, intervals=intervals, threads=threads,
                             order_effect=order_effect, firth=firth, covariance=covariance)


def fit_rankings(rankings, *, unranked=None, weights=None, names=None, prior=0.0, scale="elo",
                 bootstrap=0, seed=0, threads=0):
    """Plackett-Luce on rankings: rankings[k] lists items best first; unranked[k] (optional) the
    items present but not ranked (a top-k ranking)."""
    return _core.fit_rankings(rankings, unranked=unranked, weights=weights, names=names,
                              prior=prior, scale=scale, bootstrap=bootstrap, seed=seed,
                              threads=threads)


def rank_file(path, *, model="bt", ties="half", prior=0.0, scale="elo", bootstrap=0, seed=0,
              k=4.0, intervals=True, threads=0, col_a="model_a", col_b="model_b",
              col_winner="winner", col_outcome="", col_weight="", col_ranking="ranking",
              skip_bad=False, input_format="auto", max_line_bytes=16 << 20, order_effect=False,
              firth=False, covariance=False):
    """`valor rank FILE` as a function: comparisons (CSV or JSON lines, arena battle-log columns by
    default) or rankings (a `ranking` column), with the CLI's options as keywords."""
    return _core.rank_file(path, model=model, ties=ties, prior=prior, scale=scale,
                           bootstrap=bootstrap, seed=seed, k=k, intervals=intervals,
                           threads=threads, col_a=col_a, col_b=col_b, col_winner=col_winner,
                           col_outcome=col_outcome, col_weight=col_weight,
                           col_ranking=col_ranking, skip_bad=skip_bad, input_format=input_format,
                           max_line_bytes=max_line_bytes, order_effect=order_effect, firth=firth,
                           covariance=covariance)
