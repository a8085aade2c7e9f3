#!/usr/bin/python3
"""Python reference for `valor solve MAP --gamma 1 --objective cvar:ALPHA --horizon H`: the
optimal lower-tail CVaR of the undiscounted return of a gridworld map, by the stock-augmented
dynamic programme over the reachable (t, state, stock) triples only, one backward pass per
candidate b of the dual max_b { b - E[(b - G)^+] / alpha }. Plain Python (no numpy), written from
docs/tabular.md (gridworld rules, map header) and docs/dp.md (cap rule, candidate b), independently
of valor's code. For measuring and checking only (tools/bench-cvar-compare).

  bench-cvar-python.py MAP --alpha ALPHA --horizon H [--slip P] [--step-reward R] ...
Prints one JSON line: the optimal CVaR, the maximising b (the lowest on ties), the number of
reachable triples and candidate b, and the seconds spent (model, DP).
"""
import argparse
import heapq
import json
import time

HEADER_KEYS = ("slip", "goal_reward", "trap_reward", "cliff_reward", "step_reward")
UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
ROW_STEP = (-1, 0, 1, 0)
COL_STEP = (0, 1, 0, -1)


def read_map(path, overrides):
    options = {"slip": 0.0, "goal_reward": 1.0, "trap_reward": -1.0, "cliff_reward": -100.0,
               "step_reward": 0.0}
    rows = []
    for line in open(path).read().split("\n"):
        line = line.rstrip("\r")
        if not rows and (not line.strip() or line[:2] in ("# ", "#\t")):
            continue  # blank or comment line of the header
        if "=" in line and not rows:
            key, value = (x.strip() for x in line.split("=", 1))
            options[key] = float(value)
        elif line.strip():
            rows.append(line)
    options.update({k: v for k, v in overrides.items() if v is not None})
    return rows, options


def gridworld(rows, o):
    """(terminal, rows[s][a] = {(next, reward): p}, initial states) per docs/tabular.md."""
    height, width = len(rows), len(rows[0])
    state = {}
    for r in range(height):
        for c in range(width):
            if rows[r][c] not in "#C":
                state[(r, c)] = len(state)
    starts = [state[(r, c)] for (r, c) in state if rows[r][c] == "S"]
    cells = sorted(state, key=state.get)
    terminal = [rows[r][c] in "GT" for (r, c) in cells]

    def reward_of(ch):
        if ch == "G":
            return o["goal_reward"]
        if ch == "T":
            return o["trap_reward"]
        if ch.isdigit():
            return -float(ch)
        return o["step_reward"]

    model = []
    for s, (r, c) in enumerate(cells):
        actions = []
        for a in range(4):
            out = {}
            if terminal[s]:
                out[(s, 0.0)] = 1.0
            else:
                for d, p in ((a, 1.0 - o["slip"]), ((a + 1) % 4, o["slip"] / 2),
                             ((a + 3) % 4, o["slip"] / 2)):
                    if p == 0.0:
                        continue
                    nr, nc = r + ROW_STEP[d], c + COL_STEP[d]
                    if not (0 <= nr < height and 0 <= nc < width) or rows[nr][nc] == "#":
                        key = (s, reward_of(rows[r][c]))
                        out[key] = out.get(key, 0.0) + p
                    elif rows[nr][nc] == "C":
                        for st in starts:
                            key = (st, o["cliff_reward"])
                            out[key] = out.get(key, 0.0) + p / len(starts)
                    else:
                        key = (state[(nr, nc)], reward_of(rows[nr][nc]))
                        out[key] = out.get(key, 0.0) + p
            actions.append(sorted(out.items()))
        model.append(actions)
    return terminal, model, starts


def optimal_cvar(terminal, model, starts, alpha, horizon, exhaustive):
    # Forward: the reachable (s, stock) of each step t < H, and every attainable return (stocks on
    # entering a terminal state, or at the cap H).
    layers = [sorted({(s, 0) for s in starts})]
    returns = set()
    for t in range(horizon):
        nxt = set()
        for s, c in layers[t]:
            for outcomes in model[s]:
                for (s2, r), p in outcomes:
                    if p == 0.0:
                        continue
                    c2 = c + int(r)
                    if terminal[s2] or t + 1 == horizon:
                        returns.add(c2)
                    else:
                        nxt.add((s2, c2))
        if t + 1 < horizon:
            layers.append(sorted(nxt))
    # Per layer and triple, per action, the outcomes as (p, index in the next layer or -1, stock).
    index = [{key: i for i, key in enumerate(layer)} for layer in layers]
    plans = []
    for t, layer in enumerate(layers):
        plan = []
        for s, c in layer:
            per_action = []
            for outcomes in model[s]:
                succ = []
                for (s2, r), p in outcomes:
                    if p == 0.0:
                        continue
                    c2 = c + int(r)
                    final = terminal[s2] or t + 1 == horizon
                    succ.append((p, -1 if final else index[t + 1][(s2, c2)], c2))
                per_action.append(succ)
            plan.append(per_action)
        plans.append(plan)
    w0 = 1.0 / len(starts)

    def shortfall(b):  # min over policies of E[(b - G)^+], by backward induction
        values = None
        for t in range(horizon - 1, -1, -1):
            cur = []
            for per_action in plans[t]:
                top = None
                for succ in per_action:
                    q = 0.0
                    for p, i, c2 in succ:
                        q += p * (-max(b - c2, 0) if i < 0 else values[i])
                    if top is None or q > top:
                        top = q
                cur.append(top)
            values = cur
        return -sum(w0 * values[index[0][(s, 0)]] for s in starts)

    # The objective phi(b) = b - m(b) / alpha is maximised at an attainable return. m is
    # non-decreasing in b, so between candidates b_i < b < b_j, phi(b) <= b_(j-1) - m(b_i) / alpha:
    # best-first search over intervals of candidates, pruning those whose bound is below the best
    # found (with a slack for rounding, so that ties are all evaluated and the lowest b wins).
    cand = sorted(returns)
    m = {}

    def evaluate(i):
        if i not in m:
            m[i] = shortfall(cand[i])
        return cand[i] - m[i] / alpha

    best, best_b = None, None

    def consider(i):
        nonlocal best, best_b
        phi = evaluate(i)
        if best is None or phi > best or (phi == best and cand[i] < best_b):
            best, best_b = phi, cand[i]

    consider(0)
    consider(len(cand) - 1)
    heap = []

    def push(i, j):
        if j - i > 1:
            heapq.heappush(heap, (-(cand[j - 1] - m[i] / alpha), i, j))

    push(0, len(cand) - 1)
    while heap:
        bound, i, j = heapq.heappop(heap)
        if -bound < best - 1e-9 * max(1.0, abs(best)):
            break
        k = (i + j) // 2
        consider(k)
        push(i, k)
        push(k, j)
    if exhaustive:
        for i in range(len(cand)):
            consider(i)
    triples = sum(len(layer) for layer in layers)
    return best, best_b, triples, len(returns), len(m)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("map")
    ap.add_argument("--alpha", type=float, required=True)
    ap.add_argument("--horizon", type=int, required=True)
    ap.add_argument("--exhaustive", action="store_true",
                    help="evaluate every candidate b (a check of the search; slow)")
    for key in HEADER_KEYS:
        ap.add_argument("--" + key.replace("_", "-"), type=float, dest=key)
    args = ap.parse_args()
    start = time.perf_counter()
    rows, options = read_map(args.map, {k: getattr(args, k) for k in HEADER_KEYS})
    terminal, model, starts = gridworld(rows, options)
    built = time.perf_counter()
    cvar, b, triples, candidates, evaluated = optimal_cvar(terminal, model, starts, args.alpha,
                                                           args.horizon, args.exhaustive)
    done = time.perf_counter()
    print(json.dumps({"cvar": cvar, "b": b, "reachable_triples": triples,
                      "candidate_b": candidates, "evaluated_b": evaluated, "model_seconds": built - start,
                      "dp_seconds": done - built, "seconds": done - start}))


if __name__ == "__main__":
    main()
