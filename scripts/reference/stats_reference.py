#!/usr/bin/env python3
"""Generate independent reference values for the LabeilleBench statistics tests.

Running this script writes
    Tests/LabeilleBenchTests/References/StatsReference.swift
(relative to the repository root, i.e. two directories above this file's folder).

All reference numbers come from scipy / numpy, except the Moses (Hodges-Lehmann)
interval rank k, which is derived from the exact Mann-Whitney null distribution
computed here by exact integer recursion (and cross-checked by brute-force
enumeration and against a published table).

Random data uses numpy.random.default_rng(seed) with fixed seeds and is written
literally into the Swift file, so the Swift tests never depend on an RNG.
"""

from __future__ import annotations

import itertools
import math
import sys
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy
import scipy.special
import scipy.stats

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_PATH = REPO_ROOT / "Tests" / "LabeilleBenchTests" / "References" / "StatsReference.swift"


# --------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------

def f(x) -> str:
    """Swift Double literal: Python repr() of the float (round-trips exactly)."""
    v = float(x)
    if not math.isfinite(v):
        raise ValueError(f"non-finite value {v!r} cannot be a Swift literal")
    return repr(v)


def arr(xs) -> str:
    return "[" + ", ".join(f(x) for x in xs) + "]"


def lognormal_timings(rng, n, median_s, cv):
    """Lognormal sample whose mean is ~median_s seconds and coefficient of variation is cv."""
    sigma = math.sqrt(math.log1p(cv * cv))
    mu = math.log(median_s) - 0.5 * sigma * sigma
    # Round to microseconds: realistic timing resolution, and keeps literals short.
    return [round(float(v), 6) for v in rng.lognormal(mean=mu, sigma=sigma, size=n)]


# --------------------------------------------------------------------------
# Exact Mann-Whitney null distribution (independent of scipy)
# --------------------------------------------------------------------------

@lru_cache(maxsize=None)
def mw_count(n: int, m: int, u: int) -> int:
    """Number of arrangements of n x's and m y's with Mann-Whitney U == u.

    Recursion: condition on whether the largest observation is an x (it then
    beats all m y's, contributing m to U) or a y (contributes 0).
    """
    if u < 0:
        return 0
    if n == 0 or m == 0:
        return 1 if u == 0 else 0
    return mw_count(n - 1, m, u - m) + mw_count(n, m - 1, u)


def mw_cdf(n: int, m: int, u: int) -> Fraction:
    total = math.comb(n + m, n)
    return Fraction(sum(mw_count(n, m, v) for v in range(u + 1)), total)


def mw_cdf_bruteforce(n: int, m: int, u: int) -> Fraction:
    """P(U <= u) by enumerating all C(n+m, n) rank assignments."""
    total = 0
    hits = 0
    for xs in itertools.combinations(range(n + m), n):
        # U for sample x = #{(i,j): x_i > y_j} = sum(rank_x) - n(n+1)/2 (0-based ranks: sum - n(n-1)/2)
        uu = sum(xs) - n * (n - 1) // 2
        total += 1
        if uu <= u:
            hits += 1
    return Fraction(hits, total)


def moses_k(n: int, m: int, conf: Fraction = Fraction(95, 100)) -> int:
    """Largest k with 1 - 2 P(U <= k-1) >= conf (k >= 1)."""
    alpha_half = (1 - conf) / 2
    k = 0
    while mw_cdf(n, m, k) <= alpha_half:  # P(U <= (k+1)-1) <= alpha/2  -> k+1 is admissible
        k += 1
    if k == 0:
        raise ValueError(f"no admissible k for n={n}, m={m}")
    return k


# Published table (1-based order statistics of the n*m differences) for 95% two-sided.
MOSES_TABLE = {4: (1, 16), 5: (3, 23), 6: (6, 31), 7: (9, 41), 8: (14, 51), 10: (24, 77)}


def check_moses_table():
    notes = []
    for n, (lo_tab, hi_tab) in MOSES_TABLE.items():
        N = n * n
        k = moses_k(n, n)
        bf_ok = mw_cdf(n, n, k - 1) == mw_cdf_bruteforce(n, n, k - 1) and \
            mw_cdf(n, n, k) == mw_cdf_bruteforce(n, n, k)
        if not bf_ok:
            raise AssertionError(f"recursion vs brute force mismatch for n={n}")
        cover = 1 - 2 * mw_cdf(n, n, k - 1)
        lo, hi = k, N + 1 - k
        agree = (lo, hi) == (lo_tab, hi_tab)
        notes.append((n, k, lo, hi, float(cover), agree, lo_tab, hi_tab))
    return notes


# --------------------------------------------------------------------------
# Case generation
# --------------------------------------------------------------------------

def welch_cases():
    fixed = [
        ([10.0, 10.2, 9.9, 10.1, 10.4], [12.0, 12.3, 11.8, 12.1, 12.6]),
        ([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 3.0, 4.0, 5.0, 6.0]),
        ([10.0, 10.5, 9.8], [10.1, 11.9, 10.3, 10.0]),
    ]
    # (seed, n_a, n_b, cv, relative shift of b)
    specs = [
        (101, 3, 3, 0.01, 0.00),
        (102, 5, 5, 0.02, 0.03),
        (103, 7, 7, 0.05, 0.00),
        (104, 10, 10, 0.03, 0.02),
        (105, 3, 5, 0.02, 0.05),
        (106, 7, 10, 0.04, 0.01),
    ]
    rand = []
    for seed, na, nb, cv, shift in specs:
        rng = np.random.default_rng(seed)
        a = lognormal_timings(rng, na, 5.0, cv)
        b = lognormal_timings(rng, nb, 5.0 * (1.0 + shift), cv)
        rand.append((f"random seed={seed} n_a={na} n_b={nb} cv={cv} shift={shift:+.0%}", a, b))

    out = []
    for a, b in fixed:
        out.append(("fixed", a, b))
    out.extend(rand)
    for label, a, b in rand:
        out.append(("LN-TRANSFORMED (natural log of each value) of " + label,
                    [float(v) for v in np.log(a)], [float(v) for v in np.log(b)]))

    rows = []
    for label, a, b in out:
        r = scipy.stats.ttest_ind(a, b, equal_var=False)
        # independent Welch-Satterthwaite df check
        va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
        df_ws = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
        assert math.isclose(df_ws, float(r.df), rel_tol=1e-12), (df_ws, r.df)
        rows.append((label, a, b, float(r.statistic), float(r.df), float(r.pvalue)))
    return rows


def mann_whitney_cases():
    # (seed, n, m, location shift of b in SD units)
    specs = [
        (201, 4, 4, 3.0),
        (202, 5, 5, 0.0),
        (203, 6, 6, 3.0),
        (204, 6, 6, 0.0),
        (205, 7, 7, 1.0),
        (206, 8, 8, 0.0),
        (207, 10, 10, 1.0),
        (208, 5, 7, 1.5),
    ]
    rows = []
    for seed, n, m, shift in specs:
        rng = np.random.default_rng(seed)
        a = [round(float(v), 3) for v in rng.normal(10.0, 1.0, n)]
        b = [round(float(v), 3) for v in rng.normal(10.0 + shift, 1.0, m)]
        assert len(set(a + b)) == n + m, f"ties in mann-whitney seed {seed}"
        r = scipy.stats.mannwhitneyu(a, b, alternative="two-sided", method="exact")
        # independent check of U and the exact two-sided p against the recursion above
        u = sum(1 for x in a for y in b if x > y)
        assert float(r.statistic) == u
        p_own = min(Fraction(1), 2 * min(mw_cdf(n, m, u), 1 - mw_cdf(n, m, u - 1)))
        assert math.isclose(float(p_own), float(r.pvalue), rel_tol=1e-12), (p_own, r.pvalue)
        rows.append((f"seed={seed} n={n} m={m} shift={shift}", a, b, float(r.statistic), float(r.pvalue)))
    return rows


def wilcoxon_cases():
    # (seed, n, location of differences)
    specs = [(301, 5, 2.0), (302, 6, 0.0), (303, 7, 0.8), (304, 8, 0.0), (305, 10, 0.7), (306, 12, -0.3)]
    rows = []
    for seed, n, loc in specs:
        rng = np.random.default_rng(seed)
        while True:  # deterministic: redraw from the same stream until no zeros / no |d| ties
            d = [round(float(v), 3) for v in rng.normal(loc, 1.0, n)]
            ad = [abs(v) for v in d]
            if 0.0 not in ad and len(set(ad)) == n:
                break
        r = scipy.stats.wilcoxon(d, alternative="two-sided", method="exact")
        # independent check: statistic = min(W+, W-)
        ranks = scipy.stats.rankdata(ad)
        wplus = sum(rk for rk, v in zip(ranks, d) if v > 0)
        wminus = sum(rk for rk, v in zip(ranks, d) if v < 0)
        assert float(r.statistic) == min(wplus, wminus)
        rows.append((f"seed={seed} n={n} loc={loc}", d, float(r.statistic), float(r.pvalue)))
    return rows


def paired_t_cases():
    specs = [(401, 3, 0.02), (402, 4, 0.00), (403, 5, 0.03), (404, 5, -0.01)]
    rows = []
    for seed, n, shift in specs:
        rng = np.random.default_rng(seed)
        a = lognormal_timings(rng, n, 5.0, 0.03)
        # paired: b = a * (1 + shift) * small independent noise
        noise = rng.normal(0.0, 0.01, n)
        b = [round(av * (1.0 + shift) * (1.0 + float(e)), 6) for av, e in zip(a, noise)]
        r = scipy.stats.ttest_rel(b, a)
        rows.append((f"seed={seed} n={n} shift={shift:+.0%}", a, b, float(r.statistic), float(r.pvalue)))
    return rows


def bh_cases():
    rng = np.random.default_rng(501)
    rand = np.concatenate([rng.uniform(0.0, 0.05, 6), rng.uniform(0.0, 1.0, 14)])
    rng.shuffle(rand)
    rand = [round(float(v), 4) for v in rand]
    inputs = [
        ("fixed", [0.01, 0.02, 0.03, 0.04, 0.05]),
        ("fixed (Benjamini-Hochberg style example)",
         [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216]),
        ("random seed=501, unsorted", rand),
    ]
    rows = []
    for label, p in inputs:
        q = scipy.stats.false_discovery_control(p, method="bh")
        rows.append((label, p, [float(v) for v in q]))
    return rows


def t_quantile_cases():
    pts = [(float(df), 0.975) for df in (1, 2, 3, 4, 5, 8, 10, 30, 100)]
    pts.append((4.0, 0.995))
    pts.append((6.7478538630465, 0.975))
    return [(df, prob, float(scipy.stats.t.ppf(prob, df))) for df, prob in pts]


def hodges_lehmann_cases():
    # (seed, n, cv, relative shift of b)
    specs = [
        (601, 5, 0.02, 0.00),
        (602, 5, 0.03, 0.05),
        (603, 5, 0.01, -0.02),
        (604, 6, 0.02, 0.03),
        (605, 8, 0.04, 0.00),
        (606, 10, 0.02, 0.01),
    ]
    rows = []
    for seed, n, cv, shift in specs:
        rng = np.random.default_rng(seed)
        a = lognormal_timings(rng, n, 5.0, cv)
        b = lognormal_timings(rng, n, 5.0 * (1.0 + shift), cv)
        la, lb = np.log(a), np.log(b)
        D = np.sort((lb[None, :] - la[:, None]).ravel())
        N = D.size
        k = moses_k(n, n)
        shift_hat = float(np.median(D))
        lo, hi = float(D[k - 1]), float(D[N - k])
        rows.append((f"seed={seed} n=m={n} cv={cv} shift={shift:+.0%}; k={k} -> [D({k}), D({N + 1 - k})] of N={N}",
                     a, b, shift_hat, lo, hi))
    return rows


def spearman_cases():
    rng = np.random.default_rng(701)
    r1 = [round(float(v), 4) for v in rng.normal(5.0, 0.1, 8)]
    rng = np.random.default_rng(702)
    r2 = [round(float(v), 4) for v in np.arange(12) * 0.01 + rng.normal(5.0, 0.03, 12)]
    inputs = [
        ("fixed", [1.0, 1.5, 1.2, 1.8, 1.6, 2.0]),
        ("fixed, ties (average ranks)", [1.0, 1.0, 2.0, 2.0, 3.0]),
        ("fixed, ties (average ranks)", [5.0, 5.1, 4.9, 5.0, 5.1]),
        ("random seed=701, n=8, no trend", r1),
        ("random seed=702, n=12, upward drift", r2),
    ]
    rows = []
    for label, x in inputs:
        rho = scipy.stats.spearmanr(np.arange(1, len(x) + 1), x).statistic
        rows.append((label, x, float(rho)))
    return rows


def betainc_cases():
    pts = [(0.3, 2.0, 5.0), (0.5, 5.0, 5.0), (0.9, 0.5, 3.5), (0.1, 10.0, 0.5), (0.999, 2.5, 0.5)]
    return [(x, a, b, float(scipy.special.betainc(a, b, x))) for x, a, b in pts]


# --------------------------------------------------------------------------
# Swift emission
# --------------------------------------------------------------------------

def emit(moses_notes) -> str:
    sv, nv = scipy.__version__, np.__version__
    L = []
    w = L.append
    w(f"// Generated by scripts/reference/stats_reference.py with scipy {sv} / numpy {nv}. Do not edit by hand.")
    w("//")
    w("// Provenance of each group:")
    w("//   welch         scipy.stats.ttest_ind(a, b, equal_var=False) -> statistic, df, pvalue")
    w("//                 (df = Welch-Satterthwaite, also recomputed independently in the script)")
    w("//   mannWhitney   scipy.stats.mannwhitneyu(a, b, alternative='two-sided', method='exact'); u = statistic for a")
    w("//   wilcoxon      scipy.stats.wilcoxon(d, alternative='two-sided', method='exact'); w = statistic = min(W+, W-)")
    w("//   pairedT       scipy.stats.ttest_rel(b, a) -> statistic, pvalue (t has the sign of mean(b - a))")
    w("//   bh            scipy.stats.false_discovery_control(p, method='bh')")
    w("//   tQuantile     scipy.stats.t.ppf(prob, df)")
    w("//   hodgesLehmann numpy.log, numpy.sort, numpy.median on D = {ln(b_j) - ln(a_i)}; lo = D_(k), hi = D_(N+1-k)")
    w("//                 (1-based), k = largest k with 1 - 2*P(U <= k-1) >= 0.95 under the exact Mann-Whitney null,")
    w("//                 computed by exact integer recursion in the script (not scipy). a, b are raw timings;")
    w("//                 the test must take ln itself, so allow a few-ulp tolerance for log differences.")
    w("//   spearman      scipy.stats.spearmanr(range(1, n+1), x).statistic (average ranks for ties)")
    w("//   betaInc       scipy.special.betainc(a, b, x)  (regularized incomplete beta I_x(a, b))")
    w("// Random data: numpy.random.default_rng(seed), seeds noted per case; data recorded literally below.")
    w("//")
    w("// Moses interval ranks (95%, n = m), exact Mann-Whitney null; coverage = 1 - 2*P(U <= k-1):")
    for n, k, lo, hi, cover, agree, lo_t, hi_t in moses_notes:
        status = "matches table" if agree else f"DIFFERS from table [D({lo_t}), D({hi_t})]"
        w(f"//   n=m={n:<2} k={k:<2} -> [D({lo}), D({hi})] of {n * n}, coverage {cover:.6f}; {status}")
    w("")
    w("enum StatsReference {")
    w("    struct WelchCase { let a: [Double]; let b: [Double]; let t: Double; let df: Double; let p: Double }")
    w("    struct MannWhitneyCase { let a: [Double]; let b: [Double]; let u: Double; let p: Double }")
    w("    struct WilcoxonCase { let d: [Double]; let w: Double; let p: Double }")
    w("    struct PairedTCase { let a: [Double]; let b: [Double]; let t: Double; let p: Double }")
    w("    struct BHCase { let p: [Double]; let q: [Double] }")
    w("    struct TQuantileCase { let df: Double; let prob: Double; let x: Double }")
    w("    struct HodgesLehmannCase { let a: [Double]; let b: [Double]; let shift: Double; let lo: Double; let hi: Double }")
    w("    struct SpearmanCase { let x: [Double]; let rho: Double }")
    w("    struct BetaIncCase { let x: Double; let a: Double; let b: Double; let value: Double }")
    w("")

    w("    // scipy.stats.ttest_ind(a, b, equal_var=False)")
    w("    static let welch: [WelchCase] = [")
    for label, a, b, t, df, p in welch_cases():
        w(f"        // {label}")
        w(f"        WelchCase(a: {arr(a)}, b: {arr(b)}, t: {f(t)}, df: {f(df)}, p: {f(p)}),")
    w("    ]")
    w("")

    w("    // scipy.stats.mannwhitneyu(a, b, alternative='two-sided', method='exact')")
    w("    static let mannWhitney: [MannWhitneyCase] = [")
    for label, a, b, u, p in mann_whitney_cases():
        w(f"        // {label}")
        w(f"        MannWhitneyCase(a: {arr(a)}, b: {arr(b)}, u: {f(u)}, p: {f(p)}),")
    w("    ]")
    w("")

    w("    // scipy.stats.wilcoxon(d, alternative='two-sided', method='exact')")
    w("    static let wilcoxon: [WilcoxonCase] = [")
    for label, d, wst, p in wilcoxon_cases():
        w(f"        // {label}")
        w(f"        WilcoxonCase(d: {arr(d)}, w: {f(wst)}, p: {f(p)}),")
    w("    ]")
    w("")

    w("    // scipy.stats.ttest_rel(b, a)")
    w("    static let pairedT: [PairedTCase] = [")
    for label, a, b, t, p in paired_t_cases():
        w(f"        // {label}")
        w(f"        PairedTCase(a: {arr(a)}, b: {arr(b)}, t: {f(t)}, p: {f(p)}),")
    w("    ]")
    w("")

    w("    // scipy.stats.false_discovery_control(p, method='bh')")
    w("    static let bh: [BHCase] = [")
    for label, p, q in bh_cases():
        w(f"        // {label}")
        w(f"        BHCase(p: {arr(p)}, q: {arr(q)}),")
    w("    ]")
    w("")

    w("    // scipy.stats.t.ppf(prob, df)")
    w("    static let tQuantile: [TQuantileCase] = [")
    for df, prob, x in t_quantile_cases():
        w(f"        TQuantileCase(df: {f(df)}, prob: {f(prob)}, x: {f(x)}),")
    w("    ]")
    w("")

    w("    // Hodges-Lehmann shift + Moses 95% interval on ln values (see header)")
    w("    static let hodgesLehmann: [HodgesLehmannCase] = [")
    for label, a, b, s, lo, hi in hodges_lehmann_cases():
        w(f"        // {label}")
        w(f"        HodgesLehmannCase(a: {arr(a)}, b: {arr(b)}, shift: {f(s)}, lo: {f(lo)}, hi: {f(hi)}),")
    w("    ]")
    w("")

    w("    // scipy.stats.spearmanr(range(1, n+1), x).statistic")
    w("    static let spearman: [SpearmanCase] = [")
    for label, x, rho in spearman_cases():
        w(f"        // {label}")
        w(f"        SpearmanCase(x: {arr(x)}, rho: {f(rho)}),")
    w("    ]")
    w("")

    w("    // scipy.special.betainc(a, b, x)")
    w("    static let betaInc: [BetaIncCase] = [")
    for x, a, b, v in betainc_cases():
        w(f"        BetaIncCase(x: {f(x)}, a: {f(a)}, b: {f(b)}, value: {f(v)}),")
    w("    ]")
    w("}")
    return "\n".join(L) + "\n"


def main():
    moses_notes = check_moses_table()
    for n, k, lo, hi, cover, agree, lo_t, hi_t in moses_notes:
        print(f"Moses n=m={n}: k={k} -> [D({lo}), D({hi})], coverage={cover:.6f}, "
              f"table=[D({lo_t}), D({hi_t})] {'OK' if agree else 'MISMATCH'}")
    text = emit(moses_notes)
    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    OUT_PATH.write_text(text)
    print(f"wrote {OUT_PATH}")
    if not all(n[5] for n in moses_notes):
        print("WARNING: Moses k disagrees with the table for at least one n", file=sys.stderr)


if __name__ == "__main__":
    main()
