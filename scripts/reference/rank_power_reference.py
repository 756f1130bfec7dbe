#!/usr/bin/env python3
"""Reference values for the two-sample rank rule's power plan (RankPowerPlan.swift), by brute force.

p, q_X, q_Y are counted over every ordered pair and triple of values within each side (pooled over the sides);
the power is the normal approximation (continuity-corrected, scipy's norm) of U ≥ nm + 1 − k, k the Moses order
statistic from the exact Mann–Whitney distribution, and of U(μ − δ) > nm/2; the detectable effect is where the
smaller of the two is 0.8 (brentq). CalibrationTests.testRankPowerPlanAgainstReference holds these numbers.
"""
import itertools
import math

from scipy.optimize import brentq
from scipy.stats import norm

A = [0.000, 0.012, 0.041, 0.003, 0.038, 0.009, 0.044]
B = [0.020, 0.061, 0.025, 0.058, 0.019, 0.064]
MARGIN = math.log1p(0.01)


def probabilities(mu):
    pairs = same_y = same_x = pair_count = triple_count = 0
    for s in (A, B):
        for i, j in itertools.permutations(range(len(s)), 2):
            pairs += s[j] + mu > s[i]
        for j, i, k in itertools.permutations(range(len(s)), 3):
            same_y += (s[j] + mu > s[i]) and (s[j] + mu > s[k])  # one Y, two X
            same_x += (s[i] + mu > s[j]) and (s[k] + mu > s[j])  # one X, two Y
        pair_count += len(s) * (len(s) - 1)
        triple_count += len(s) * (len(s) - 1) * (len(s) - 2)
    return pairs / pair_count, same_y / triple_count, same_x / triple_count


def mann_whitney_counts(n, m):
    # counts[u] of U = #{(i, j): y_j > x_i} over all C(n + m, n) orderings
    table = {(0, 0): [1]}
    for a in range(n + 1):
        for b in range(m + 1):
            if (a, b) == (0, 0):
                continue
            out = [0] * (a * b + 1)
            if a > 0:  # largest value is an x: no y above it
                for u, c in enumerate(table[(a - 1, b)]):
                    out[u] += c
            if b > 0:  # largest value is a y: above all a x's
                for u, c in enumerate(table[(a, b - 1)]):
                    out[u + a] += c
            table[(a, b)] = out
    return table[(n, m)]


def moses_k(n, m, confidence=0.95):
    counts = mann_whitney_counts(n, m)
    total = sum(counts)
    cdf, best = 0, None
    for k in range(1, n * m // 2 + 2):
        cdf += counts[k - 1]
        if 1 - 2 * cdf / total >= confidence - 1e-12:
            best = k
        else:
            break
    return best


def at_least(threshold, mu, n, m):
    p, qx, qy = probabilities(mu)
    var = n * m * (p * (1 - p) + (n - 1) * (qx - p * p) + (m - 1) * (qy - p * p))
    gap = threshold - 0.5 - n * m * p
    if var <= 0:
        return 1.0 if gap <= 0 else 0.0
    return float(norm.sf(gap / math.sqrt(var)))


def power(mu, n=len(A), m=len(B)):
    k = moses_k(n, m)
    return min(at_least(n * m + 1 - k, mu, n, m), at_least(n * m / 2 + 0.5, mu - MARGIN, n, m))


if __name__ == "__main__":
    print("k", moses_k(len(A), len(B)))
    for mu in (0.01, 0.03, -0.005):
        print(mu, probabilities(mu))
    for mu in (0.03, 0.045):
        print("power", mu, repr(power(mu)))
    # the power is a step function of mu (the counts jump at the pairwise gaps); bisect for its 0.8 crossing
    lo, hi = MARGIN, 0.2
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if power(mid) < 0.8 else (lo, mid)
    print("mde", repr(hi))
