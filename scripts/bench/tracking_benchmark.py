#!/usr/bin/env python3
"""Benchmark of `bench track trend` / `bench track alert` on a large tracking series.

Builds a series of 200 runs x 500 packages x 2 conditions (1 warm-up + 5 measured iterations each, 1.2 M
iteration rows) directly in a labeille database: the database is created and migrated by running
`labeille bench track list --db DB` once, then the rows are written with Python's sqlite3 module. Most packages
are flat (CV 1-3%); 5% get a +4% step at run 120, 2% a +0.05%/run drift. Then times the release binary:

    swift build -c release && python3 scripts/bench/tracking_benchmark.py [--runs 200] [--packages 500] [--keep DIR]

and checks that the step packages are classified regressing with a change point at run 120 (±1).
Target: trend (json) in under 2 s.
"""
import argparse, json, math, os, random, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERIES = "bench-series"


def timed(cmd, ok_codes=(0,)):
    """Runs cmd, returns (wall seconds, stdout bytes, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    code = proc.returncode
    if code not in ok_codes:
        sys.exit(f"{' '.join(cmd)} failed ({code}): {err.decode()}")
    return elapsed, out, code


def peak_rss(cmd):
    """Peak RSS (MB) of one run of cmd."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(proc.pid, 0)
    return ru.ru_maxrss / 1024


def build(db, runs, packages, conditions, iterations, seed):
    import sqlite3
    rng = random.Random(seed)
    con = sqlite3.connect(db)
    con.execute("PRAGMA foreign_keys = OFF")
    cur = con.cursor()
    cur.execute("BEGIN")
    cur.execute("INSERT INTO tracking_series(series_id, name, description, created_at) VALUES (1, ?, ?, ?)",
                (SERIES, f"synthetic {runs} runs x {packages} packages x {conditions} conditions", "2026-01-01T00:00:00Z"))
    shapes = []
    for p in range(packages):
        u = rng.random()
        kind = "step" if u < 0.05 else ("drift" if u < 0.07 else "flat")
        base = math.exp(rng.uniform(math.log(0.5), math.log(60)))
        cv = rng.uniform(0.01, 0.03)
        shapes.append((f"pkg{p:04d}", kind, base, cv))
    cond_names = [f"cond{c}" for c in range(conditions)]
    run_rows, cond_rows, pr_rows, pc_rows, it_rows, tr_rows, tc_rows = [], [], [], [], [], [], []
    cond_id = pr_id = pc_id = 0
    for r in range(1, runs + 1):
        day = (r - 1) // 24
        run_rows.append((r, f"bench_{r:04d}", f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T{(r - 1) % 24:02d}:00:00Z",
                         packages, packages, "measured", iterations, 1, 600.0))
        tr_rows.append((1, r, r, "2026-06-01T00:00:00Z", f"run {r}"))
        tc_rows.append((1, r, 0, "sha", f"{r:07x}"))
        tc_rows.append((1, r, 1, "branch", "main"))
        ids = []
        for c, name in enumerate(cond_names):
            cond_id += 1
            cond_rows.append((cond_id, r, c, name))
            ids.append(cond_id)
        for pos, (name, kind, base, cv) in enumerate(shapes):
            pr_id += 1
            pr_rows.append((pr_id, r, pos, name))
            level = 1.0
            if kind == "step" and r >= 120:
                level = 1.04
            elif kind == "drift":
                level = 1 + 0.0005 * (r - 1)
            sigma = math.sqrt(math.log(1 + cv * cv))
            for c, cid in enumerate(ids):
                pc_id += 1
                pc_rows.append((pc_id, pr_id, cid))
                m = base * (1 + 0.1 * c) * level
                for i in range(iterations + 1):
                    wall = m * math.exp(rng.gauss(-sigma * sigma / 2, sigma))
                    it_rows.append((pc_id, i + 1, 1 if i == 0 else 0, wall, 0.8 * wall, 0.05 * wall, 100.0, 0, "ok"))
        if len(it_rows) > 200_000 or r == runs:
            cur.executemany("INSERT INTO run(run_id, bench_id, start_time, packages_total, packages_completed, origin, "
                            "iterations, warmup, timeout_s) VALUES (?,?,?,?,?,?,?,?,?)", run_rows)
            cur.executemany("INSERT INTO condition(condition_id, run_id, position, name) VALUES (?,?,?,?)", cond_rows)
            cur.executemany("INSERT INTO package_result(package_result_id, run_id, position, package) VALUES (?,?,?,?)", pr_rows)
            cur.executemany("INSERT INTO package_condition(package_condition_id, package_result_id, condition_id) VALUES (?,?,?)", pc_rows)
            cur.executemany("INSERT INTO iteration(package_condition_id, idx, warmup, wall_time_s, user_time_s, sys_time_s, "
                            "peak_rss_mb, exit_code, status) VALUES (?,?,?,?,?,?,?,?,?)", it_rows)
            cur.executemany("INSERT INTO tracking_run(series_id, run_id, position, added_at, notes) VALUES (?,?,?,?,?)", tr_rows)
            cur.executemany("INSERT INTO tracking_commit(series_id, run_id, position, key, value) VALUES (?,?,?,?,?)", tc_rows)
            run_rows, cond_rows, pr_rows, pc_rows, it_rows, tr_rows, tc_rows = [], [], [], [], [], [], []
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return shapes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--packages", type=int, default=500)
    ap.add_argument("--conditions", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=5, help="measured iterations (plus 1 warm-up)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/labeille"))
    ap.add_argument("--keep", help="keep the work folder here (the database is reused when present)")
    a = ap.parse_args()
    if not os.path.exists(a.binary):
        sys.exit(f"no binary at {a.binary}: run `swift build -c release` first")
    work = a.keep or tempfile.mkdtemp(prefix="labeille-track-bench-")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "track.db")
    shapes = None
    if not (a.keep and os.path.exists(db)):
        for p in (db, db + "-wal", db + "-shm"):
            if os.path.exists(p):
                os.remove(p)
        subprocess.run([a.binary, "bench", "track", "list", "--db", db], check=True, stdout=subprocess.DEVNULL)
        start = time.perf_counter()
        shapes = build(db, a.runs, a.packages, a.conditions, a.iterations, a.seed)
        rows = a.runs * a.packages * a.conditions * (a.iterations + 1)
        print(f"series:            {a.runs} runs x {a.packages} packages x {a.conditions} conditions x "
              f"(1 + {a.iterations}) iterations = {rows:,} iteration rows, written in {time.perf_counter() - start:.1f} s")
        # Iterations written here (not by labeille) are marked stale: the next open computes their statistics.
        start = time.perf_counter()
        subprocess.run([a.binary, "bench", "track", "list", "--db", db], check=True, stdout=subprocess.DEVNULL)
        print(f"statistics stored: {time.perf_counter() - start:.1f} s (first open after the writes)")
    print(f"database:          {os.path.getsize(db) / 1e6:.0f} MB")

    trend = [a.binary, "bench", "track", "trend", "--db", db, SERIES, "--format", "json"]
    results = {}
    for label, cmd, ok in [
        ("trend (json)", trend, (0,)),
        ("trend (table)", trend[:-2], (0,)),
        ("trend --condition cond0", trend + ["--condition", "cond0"], (0,)),
        ("alert (json)", [a.binary, "bench", "track", "alert", "--db", db, SERIES, "--format", "json"], (0, 1)),
    ]:
        times = []
        out = b""
        for _ in range(3):
            t, out, _ = timed(cmd, ok)
            times.append(t)
        rss = peak_rss(cmd)
        results[label] = out
        print(f"{label + ':':<26}{min(times) * 1000:7.0f} ms best of 3 (median {sorted(times)[1] * 1000:.0f} ms), peak RSS {rss:.0f} MB")

    doc = json.loads(results["trend (json)"])
    pkgs = doc["packages"]
    counts = doc["summary"]
    n_cp = sum(len(p["change_points"]) for p in pkgs)
    print(f"packages x conditions: {len(pkgs)}; regressing {counts['regressing']}, improving {counts['improving']}, "
          f"volatile {counts['volatile']}, stable {counts['stable']}; change points {n_cp}")
    if shapes is not None:
        kinds = {name: kind for name, kind, _, _ in shapes}
        steps = [p for p in pkgs if kinds[p["package"]] == "step"]
        found = sum(1 for p in steps if any(abs(c["position"] - 120) <= 1 for c in p["change_points"]))
        reg = sum(1 for p in steps if p["classification"] == "regressing")
        flat = [p for p in pkgs if kinds[p["package"]] == "flat"]
        flat_reg = sum(1 for p in flat if p["classification"] == "regressing")
        flat_cp = sum(1 for p in flat if p["change_points"])
        drift = [p for p in pkgs if kinds[p["package"]] == "drift"]
        drift_reg = sum(1 for p in drift if p["classification"] == "regressing")
        print(f"check: step packages {len(steps)}: change point at 120±1 in {found}, regressing {reg}; "
              f"drift {len(drift)}: regressing {drift_reg}; flat {len(flat)}: regressing {flat_reg}, with a change point {flat_cp}")
    if not a.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
