#!/usr/bin/env python3
"""Generate a synthetic ``labeille bench`` result directory.

Writes ``OUT_DIR/bench_meta.json`` and ``OUT_DIR/bench_results.jsonl`` in the
exact on-disk format of the Python tool (see shared spec
``formats-and-stats.md`` sections 1-3), for load/perf testing of the Swift
port.  Standard library only; output is fully determined by the arguments
(``random.Random(seed)``), not by the output path or the clock.

Model:
  * conditions ``cond0`` .. ``condN-1`` (``cond0`` = baseline), all with
    target_python ``/usr/bin/python3`` and env ``{"COND": "<i>"}``;
  * packages ``pkg0000`` ..; base wall time log-uniform in [0.5, 60] s;
    iteration wall = base * (1 + slowdown[cond]) * LogNormal(mean 1, cv);
    user = 0.8 * wall, sys = 0.05 * wall, peak RSS 50-300 MB;
  * every iteration (warm-ups first, then measured; 1-based index) carries
    ``--tests`` per-test "call" timings (every 10th test also a "setup"
    entry), scaled with the iteration's wall time plus per-test noise;
  * stats blocks per condition computed like labeille's ``describe()``
    (statistics module, type-7 quartiles, rounded to 6 dp) from the
    unrounded in-memory values, as the real runner does;
  * one trailing skipped package ``zz-skipped``.

Usage:
  make_synthetic_run.py OUT_DIR [--packages 1000] [--conditions 4]
      [--iterations 10] [--warmup 1] [--tests 50] [--seed 1]
      [--bench-id bench_20260101_000000] [--name NAME]
      [--slowdown COND_INDEX:FRACTION ...] [--cv 0.02]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import random
import statistics
import sys
import time

_dumps = json.dumps  # defaults: ensure_ascii, separators (", ", ": ")
_INF = float("inf")

PYTHON_PATH = "/usr/bin/python3"


# --------------------------------------------------------------------------
# statistics (labeille stats.describe)
# --------------------------------------------------------------------------

def _percentile(sorted_vals: list[float], p: float) -> float:
    n = len(sorted_vals)
    if n == 0:
        return math.nan
    if n == 1:
        return sorted_vals[0]
    k = (n - 1) * p
    f = math.floor(k)
    c = math.ceil(k)
    if f == c:
        return sorted_vals[int(k)]
    d = k - f
    return sorted_vals[f] * (1 - d) + sorted_vals[c] * d


def _describe(vals: list[float]) -> dict:
    """Stats block (keys in labeille order), floats rounded to 6 dp."""
    n = len(vals)
    mean = statistics.mean(vals)
    median = statistics.median(vals)
    stdev = statistics.stdev(vals) if n >= 2 else 0.0
    s = sorted(vals)
    q1 = _percentile(s, 0.25)
    q3 = _percentile(s, 0.75)
    if n >= 2:
        cv = stdev / mean if mean != 0 else _INF
    else:
        cv = 0.0
    return {
        "n": n,
        "mean": round(mean, 6),
        "median": round(median, 6),
        "stdev": round(stdev, 6),
        "min": round(s[0], 6),
        "max": round(s[-1], 6),
        "q1": round(q1, 6),
        "q3": round(q3, 6),
        "iqr": round(q3 - q1, 6),
        "cv": round(cv, 6),
    }


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def _parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description="Generate a synthetic labeille bench run directory.")
    ap.add_argument("out_dir", metavar="OUT_DIR")
    ap.add_argument("--packages", type=int, default=1000)
    ap.add_argument("--conditions", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=10,
                    help="measured iterations per condition")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--tests", type=int, default=50,
                    help="per-test call entries per iteration (0 = omit)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bench-id", default="bench_20260101_000000")
    ap.add_argument("--name", default="")
    ap.add_argument("--slowdown", action="extend", nargs="+", default=[],
                    metavar="COND_INDEX:FRACTION",
                    help="e.g. 1:0.05 (cond1 5%% slower); repeatable")
    ap.add_argument("--cv", type=float, default=0.02,
                    help="coefficient of variation of the lognormal noise")
    args = ap.parse_args(argv)

    for opt in ("packages", "iterations", "warmup", "tests"):
        if getattr(args, opt) < 0:
            ap.error(f"--{opt} must be >= 0")
    if args.conditions < 1:
        ap.error("--conditions must be >= 1")
    if not (args.cv >= 0 and math.isfinite(args.cv)):
        ap.error("--cv must be a finite number >= 0")

    slow = [0.0] * args.conditions
    for spec in args.slowdown:
        idx_s, sep, frac_s = spec.partition(":")
        try:
            idx = int(idx_s)
            frac = float(frac_s)
        except ValueError:
            ap.error(f"invalid --slowdown {spec!r} (expected COND_INDEX:FRACTION)")
        if not sep or not (0 <= idx < args.conditions):
            ap.error(f"invalid --slowdown {spec!r}: index must be in "
                     f"0..{args.conditions - 1}")
        if not (math.isfinite(frac) and frac > -1.0):
            ap.error(f"invalid --slowdown {spec!r}: fraction must be > -1")
        slow[idx] = frac
    args.slow = slow
    return args


def _start_datetime(bench_id: str) -> _dt.datetime:
    try:
        return _dt.datetime.strptime(bench_id, "bench_%Y%m%d_%H%M%S")
    except ValueError:
        return _dt.datetime(2026, 1, 1, 0, 0, 0)


def _iso(d: _dt.datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------
# meta
# --------------------------------------------------------------------------

def _build_meta(args, start: _dt.datetime, end: _dt.datetime,
                system: dict) -> dict:
    ncond = args.conditions
    names = [f"cond{i}" for i in range(ncond)]
    profile = {
        "path": PYTHON_PATH,
        "version": "3.13.0",
        "implementation": "CPython",
        "compiler": "GCC 12.2.0",
        "build_flags": [],
        "jit_available": False,
        "jit_enabled": False,
        "gil_disabled": False,
        "debug_build": False,
        "hash_randomization": True,
    }
    # Same interpreter for every condition -> identical copies (spec 2.2).
    python_profiles = {n: dict(profile, build_flags=[]) for n in names}
    conditions = {
        n: {"name": n, "target_python": PYTHON_PATH, "env": {"COND": str(i)}}
        for i, n in enumerate(names)
    }
    cli_args = ["bench", "run"]
    for i, n in enumerate(names):
        cli_args += ["--condition",
                     f"{n}:target_python={PYTHON_PATH},env.COND={i}"]
    cli_args += ["--iterations", str(args.iterations),
                 "--warmup", str(args.warmup)]
    if args.tests > 0:
        cli_args.append("--per-test-timing")
    if args.name:
        cli_args += ["--name", args.name]

    slow_desc = ", ".join(f"cond{i}={f:+g}" for i, f in enumerate(args.slow)
                          if f != 0.0)
    description = (f"synthetic run (seed={args.seed}, cv={args.cv:g}"
                   + (f", slowdown: {slow_desc}" if slow_desc else "") + ")")
    return {
        "bench_id": args.bench_id,
        "name": args.name,
        "description": description,
        "system": system,
        "python_profiles": python_profiles,
        "conditions": conditions,
        "config": {
            "iterations": args.iterations,
            "warmup": args.warmup,
            "timeout": 600,
            "alternate": ncond > 1,
            "interleave": False,
            "packages_filter": None,
            "top_n": None,
            "adaptive": False,
            "adaptive_threshold": 0.005,
            "adaptive_min_iterations": 5,
        },
        "cli_args": cli_args,
        "start_time": _iso(start),
        "end_time": _iso(end),
        "packages_total": args.packages + 1,
        "packages_completed": args.packages,
        "packages_skipped": 1,
    }


def _system_profile(rng: random.Random, start: _dt.datetime) -> dict:
    return {
        "cpu_model": "AMD EPYC 7763 64-Core Processor",
        "cpu_cores_physical": 8,
        "cpu_cores_logical": 16,
        "cpu_freq_mhz": 2445.41,
        "cpu_freq_max_mhz": 3529.0,
        "cpu_architecture": "x86_64",
        "ram_total_gb": 62.79563903808594,
        "ram_available_gb": 58.41093826293945,
        "swap_total_gb": 0.0,
        "os_name": "Linux",
        "os_kernel_version": "6.8.0-45-generic",
        "os_distro": "Debian GNU/Linux 12 (bookworm)",
        "host_python_version": "3.13.0",
        "host_python_implementation": "CPython",
        "load_avg_1m": round(rng.uniform(0.3, 1.5), 2),
        "load_avg_5m": round(rng.uniform(0.3, 1.5), 2),
        "load_avg_15m": round(rng.uniform(0.3, 1.5), 2),
        "running_processes": 3,
        "disk_type": "ssd",
        "disk_available_gb": 412.3,
        "hostname": "synthbox",
        "timestamp": _iso(start),
    }


# --------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------

def _test_layout(ntests: int) -> tuple[list[str], list[tuple[int, float]]]:
    """Per-test entry prefixes (JSON text up to the duration value) and, for
    each entry, (test number, fraction of that test's call base time)."""
    prefixes: list[str] = []
    layout: list[tuple[int, float]] = []
    for j in range(ntests):
        tid = _dumps(f"tests/test_mod{j // 10}.py::test_case_{j}")
        if j % 10 == 0:
            prefixes.append('{"test_id": ' + tid
                            + ', "phase": "setup", "duration_s": ')
            layout.append((j, 0.1))
        prefixes.append('{"test_id": ' + tid
                        + ', "phase": "call", "duration_s": ')
        layout.append((j, 1.0))
    return prefixes, layout


def generate(args) -> None:
    t0 = time.perf_counter()
    rng = random.Random(args.seed)
    out_dir = args.out_dir
    os.makedirs(out_dir, exist_ok=True)

    start = _start_datetime(args.bench_id)
    system = _system_profile(rng, start)
    ram_avail = system["ram_available_gb"]

    ncond = args.conditions
    cond_names = [f"cond{i}" for i in range(ncond)]
    cond_keys = [_dumps(n) for n in cond_names]
    cond_factor = [1.0 + s for s in args.slow]
    nwarm = args.warmup
    niter = nwarm + args.iterations
    ntests = args.tests

    cv = args.cv
    sigma = math.sqrt(math.log1p(cv * cv))
    mean_corr = math.exp(-0.5 * sigma * sigma)  # E[exp(N(mu, s))] == 1
    log_lo, log_hi = math.log(0.5), math.log(60.0)

    prefixes, layout = _test_layout(ntests)
    n_entries = len(prefixes)
    per_test_rows = 0
    n_iterations = 0
    sim_seconds = 0.0

    # Local bindings for the hot loop.
    uniform = rng.uniform
    gauss = rng.gauss
    lognorm = rng.lognormvariate
    exp = math.exp
    rnd = round
    rpr = float.__repr__
    dumps = _dumps
    describe = _describe

    results_path = os.path.join(out_dir, "bench_results.jsonl")
    tmp_path = results_path + ".tmp"
    with open(tmp_path, "w", encoding="ascii", newline="\n",
              buffering=1 << 20) as fh:
        write = fh.write
        for p in range(args.packages):
            pkg = f"pkg{p:04d}"
            base = exp(uniform(log_lo, log_hi))
            rss_base = uniform(55.0, 295.0)
            # Per-test call base times: lognormal weights summing to 0.7*base.
            if ntests:
                w = [lognorm(0.0, 1.0) for _ in range(ntests)]
                scale = 0.7 * base / sum(w)
                tb = [w[j] * frac * scale * mean_corr for j, frac in layout]
            clone = rnd(uniform(0.05, 2.0), 2)
            sim_seconds += clone

            cond_parts = []
            for ci in range(ncond):
                cfac = base * cond_factor[ci]
                install = rnd(uniform(2.0, 30.0), 2)
                venv = rnd(uniform(1.0, 4.0), 2)
                sim_seconds += install + venv
                walls: list[float] = []
                users: list[float] = []
                syss: list[float] = []
                rsss: list[float] = []
                it_strs = []
                for k in range(niter):
                    wall = cfac * exp(gauss(0.0, sigma)) * mean_corr \
                        if sigma else cfac
                    user = 0.8 * wall
                    sys_t = 0.05 * wall
                    rss = min(300.0, max(50.0, rss_base * (1.0 + gauss(0.0, 0.003))))
                    la0 = rnd(uniform(0.3, 2.5), 2)
                    la1 = rnd(max(0.0, la0 + gauss(0.0, 0.15)), 2)
                    warm = k < nwarm
                    if not warm:
                        walls.append(wall)
                        users.append(user)
                        syss.append(sys_t)
                        rsss.append(rss)
                    sim_seconds += wall
                    s = dumps({
                        "index": k + 1,
                        "warmup": warm,
                        "wall_time_s": rnd(wall, 6),
                        "user_time_s": rnd(user, 6),
                        "sys_time_s": rnd(sys_t, 6),
                        "peak_rss_mb": rnd(rss, 1),
                        "exit_code": 0,
                        "status": "ok",
                        "outlier": False,
                        "load_avg_start": la0,
                        "load_avg_end": la1,
                        "ram_available_start_gb": rnd(
                            ram_avail - uniform(0.0, 1.5), 2),
                    })
                    if ntests:
                        f = wall / base  # slowdown + iteration noise
                        if sigma:
                            tt = '}, '.join([
                                pre + rpr(rnd(b * f * exp(gauss(0.0, sigma)), 6))
                                for pre, b in zip(prefixes, tb)])
                        else:
                            tt = '}, '.join([
                                pre + rpr(rnd(b * f, 6))
                                for pre, b in zip(prefixes, tb)])
                        s = (s[:-1] + ', "per_test_timings": {"timings": ['
                             + tt + '}], "parse_success": true}}')
                        per_test_rows += n_entries
                    it_strs.append(s)
                n_iterations += niter

                rest = {"install_duration_s": install,
                        "venv_setup_duration_s": venv}
                if walls:
                    rest["wall_time_stats"] = describe(walls)
                    rest["user_time_stats"] = describe(users)
                    rest["sys_time_stats"] = describe(syss)
                    rest["peak_rss_stats"] = describe(rsss)
                cond_parts.append(
                    cond_keys[ci] + ': {"condition_name": ' + cond_keys[ci]
                    + ', "iterations": [' + ", ".join(it_strs) + "], "
                    + dumps(rest)[1:])

            write('{"package": ' + dumps(pkg) + ', "conditions": {'
                  + ", ".join(cond_parts) + '}, "clone_duration_s": '
                  + rpr(clone) + ', "skipped": false, "skip_reason": ""}\n')

        write(dumps({"package": "zz-skipped", "conditions": {},
                     "clone_duration_s": 0.0, "skipped": True,
                     "skip_reason": "setup failed"}) + "\n")
    os.replace(tmp_path, results_path)

    end = start + _dt.timedelta(seconds=round(sim_seconds))
    meta = _build_meta(args, start, end, system)
    meta_path = os.path.join(out_dir, "bench_meta.json")
    with open(meta_path + ".tmp", "w", encoding="ascii", newline="\n") as fh:
        fh.write(json.dumps(meta, indent=2) + "\n")
    os.replace(meta_path + ".tmp", meta_path)

    nbytes = os.path.getsize(results_path) + os.path.getsize(meta_path)
    elapsed = time.perf_counter() - t0
    print(f"make_synthetic_run: {args.packages + 1} packages "
          f"({args.packages} ok + 1 skipped) x {ncond} conditions, "
          f"{n_iterations} iteration rows, {per_test_rows} per-test rows, "
          f"{nbytes} bytes, {elapsed:.2f} s -> {out_dir}",
          file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    generate(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
