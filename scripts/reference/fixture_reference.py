#!/usr/bin/env python3
"""Generate independent reference numbers for the Swift test suite.

Reads the `labeille bench` results directory examples/bench_20261127_221025
(bench_meta.json + bench_results.jsonl) and computes, with numpy/scipy only:

1. Per package x condition x metric descriptive statistics over measured
   (warmup == false) iterations with status == "ok".
2. Per-test statistics (n, mean, median) for selected packages.
3. Welch's t-test (py312 baseline vs py313 treatment) on wall times.

The results are written as Swift source to
Tests/LabeilleBenchTests/References/FixtureReference.swift.

Usage:  python3 scripts/reference/fixture_reference.py
"""

import json
import math
import os
import sys

import numpy as np
import scipy
import scipy.stats

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH_REL = "examples/bench_20261127_221025"
BENCH_DIR = os.path.join(REPO, BENCH_REL)
OUT_PATH = os.path.join(
    REPO, "Tests", "LabeilleBenchTests", "References", "FixtureReference.swift"
)

METRICS = [
    ("wall", lambda it: it["wall_time_s"]),
    ("user", lambda it: it["user_time_s"]),
    ("sys", lambda it: it["sys_time_s"]),
    ("cpu", lambda it: it["user_time_s"] + it["sys_time_s"]),
    ("rss", lambda it: it["peak_rss_mb"]),
]
TEST_STAT_PACKAGES = ["six", "tomli"]
TEST_STAT_LIMIT = 3000
BASELINE, TREATMENT = "py312", "py313"


# ---------------------------------------------------------------- formatting

def swift_double(x):
    x = float(x)
    if math.isnan(x):
        return "Double.nan"
    if math.isinf(x):
        return "Double.infinity" if x > 0 else "-Double.infinity"
    return repr(x)


def swift_string(s):
    out = ['"']
    for ch in s:
        cp = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 0xD800 <= cp <= 0xDFFF:
            raise ValueError("lone surrogate in string %r cannot be a Swift literal" % s)
        elif cp < 0x20 or cp == 0x7F or (ch != " " and not ch.isprintable()):
            out.append("\\u{%x}" % cp)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# ---------------------------------------------------------------- loading

def load_results():
    packages = []
    with open(os.path.join(BENCH_DIR, "bench_results.jsonl"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                packages.append(json.loads(line))  # accepts NaN / Infinity
    return packages


def measured(iterations):
    return [it for it in iterations if not it.get("warmup", False)]


# ---------------------------------------------------------------- statistics

def describe(values):
    x = np.asarray(values, dtype=np.float64)
    n = int(x.size)
    if n == 0:
        nan = float("nan")
        return dict(n=0, mean=nan, median=nan, stdev=nan, min=nan, max=nan,
                    q1=nan, q3=nan, iqr=nan, cv=nan)
    mean = float(np.mean(x))
    stdev = float(np.std(x, ddof=1)) if n > 1 else 0.0
    q1 = float(np.percentile(x, 25))
    q3 = float(np.percentile(x, 75))
    if n > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = float(np.float64(stdev) / np.float64(mean))
    else:
        cv = 0.0
    return dict(n=n, mean=mean, median=float(np.median(x)), stdev=stdev,
                min=float(np.min(x)), max=float(np.max(x)),
                q1=q1, q3=q3, iqr=q3 - q1, cv=cv)


def welch_df(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    va = np.var(a, ddof=1) / a.size
    vb = np.var(b, ddof=1) / b.size
    return float((va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1)))


def main():
    packages = load_results()

    condition_rows = []
    for pkg in packages:
        name = pkg["package"]
        for cond_name, cond in pkg.get("conditions", {}).items():
            meas = measured(cond.get("iterations", []))
            ok = [it for it in meas if it.get("status") == "ok"]
            n_excluded = len(meas) - len(ok)
            for metric, getter in METRICS:
                st = describe([getter(it) for it in ok])
                st.update(package=name, condition=cond_name, metric=metric,
                          nExcluded=n_excluded)
                condition_rows.append(st)

    def test_rows_for(pkg_names):
        rows = []
        for pkg in packages:
            if pkg["package"] not in pkg_names:
                continue
            for cond_name, cond in pkg.get("conditions", {}).items():
                durations = {}  # (test_id, phase) -> [durations], first-seen order
                for it in measured(cond.get("iterations", [])):
                    ptt = it.get("per_test_timings")
                    if not ptt:
                        continue
                    for t in ptt.get("timings", []):
                        durations.setdefault((t["test_id"], t["phase"]), []).append(
                            t["duration_s"])
                for (test_id, phase) in sorted(durations):
                    x = np.asarray(durations[(test_id, phase)], dtype=np.float64)
                    rows.append(dict(package=pkg["package"], condition=cond_name,
                                     testID=test_id, phase=phase, n=int(x.size),
                                     mean=float(np.mean(x)),
                                     median=float(np.median(x))))
        return rows

    test_packages = TEST_STAT_PACKAGES
    test_rows = test_rows_for(test_packages)
    if len(test_rows) > TEST_STAT_LIMIT:
        test_packages = ["six"]
        test_rows = test_rows_for(test_packages)

    welch_rows = []
    for pkg in packages:
        conds = pkg.get("conditions", {})
        if BASELINE not in conds or TREATMENT not in conds:
            continue

        def walls(c):
            return [it["wall_time_s"] for it in measured(conds[c]["iterations"])
                    if it.get("status") == "ok"]

        a, b = walls(BASELINE), walls(TREATMENT)
        res = scipy.stats.ttest_ind(a, b, equal_var=False)
        df = welch_df(a, b)
        res_df = getattr(res, "df", None)
        if res_df is not None and not math.isclose(float(res_df), df, rel_tol=1e-12):
            sys.exit("Welch df mismatch for %s: numpy %r vs scipy %r"
                     % (pkg["package"], df, float(res_df)))
        welch_rows.append(dict(package=pkg["package"], t=float(res.statistic),
                               df=df, p=float(res.pvalue)))

    # ------------------------------------------------------------ emit Swift
    L = []
    L.append("// Generated by scripts/reference/fixture_reference.py from %s" % BENCH_REL)
    L.append("// using numpy %s (np.median, np.percentile linear, np.std ddof=1) and scipy %s"
             % (np.__version__, scipy.__version__))
    L.append("// (scipy.stats.ttest_ind(a, b, equal_var=False)). Do not edit by hand.")
    L.append("enum FixtureReference {")
    L.append("    struct ConditionStat { let package: String; let condition: String; "
             "let metric: String; let n: Int; let nExcluded: Int; let mean: Double; "
             "let median: Double; let stdev: Double; let min: Double; let max: Double; "
             "let q1: Double; let q3: Double; let iqr: Double; let cv: Double }")
    L.append("    struct TestStat { let package: String; let condition: String; "
             "let testID: String; let phase: String; let n: Int; let mean: Double; "
             "let median: Double }")
    L.append("    struct Welch { let package: String; let t: Double; let df: Double; "
             "let p: Double }")

    L.append("    static let conditionStats: [ConditionStat] = [")
    for r in condition_rows:
        L.append("        ConditionStat(package: %s, condition: %s, metric: %s, n: %d, "
                 "nExcluded: %d, mean: %s, median: %s, stdev: %s, min: %s, max: %s, "
                 "q1: %s, q3: %s, iqr: %s, cv: %s)," % (
                     swift_string(r["package"]), swift_string(r["condition"]),
                     swift_string(r["metric"]), r["n"], r["nExcluded"],
                     *(swift_double(r[k]) for k in
                       ("mean", "median", "stdev", "min", "max", "q1", "q3", "iqr", "cv"))))
    L.append("    ]")

    L.append("    static let testStats: [TestStat] = [")
    for r in test_rows:
        L.append("        TestStat(package: %s, condition: %s, testID: %s, phase: %s, "
                 "n: %d, mean: %s, median: %s)," % (
                     swift_string(r["package"]), swift_string(r["condition"]),
                     swift_string(r["testID"]), swift_string(r["phase"]), r["n"],
                     swift_double(r["mean"]), swift_double(r["median"])))
    L.append("    ]")

    L.append("    static let welch: [Welch] = [")
    for r in welch_rows:
        L.append("        Welch(package: %s, t: %s, df: %s, p: %s)," % (
            swift_string(r["package"]), swift_double(r["t"]),
            swift_double(r["df"]), swift_double(r["p"])))
    L.append("    ]")
    L.append("}")

    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    with open(OUT_PATH, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(L) + "\n")

    print("wrote %s: %d conditionStats, %d testStats (%s), %d welch"
          % (os.path.relpath(OUT_PATH, REPO), len(condition_rows), len(test_rows),
             ", ".join(test_packages), len(welch_rows)))


if __name__ == "__main__":
    main()
