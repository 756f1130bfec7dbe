#!/usr/bin/env python3
"""Benchmark of the SQL views against the CLI, on a 40-run and a 200-run database.

The 40-run database is built through the real path: 40 synthetic results directories (200 packages x 2 conditions
x (1 warm-up + 10 measured) iterations x 20 tests, scripts/bench/make_synthetic_run.py) ingested with the release
binary, then put in a tracking series with `bench track add`. The 200-run database is a copy of it whose runs are
cloned four times in SQL under new bench ids (in a second series), so every filtered question selects the same rows
in both databases and only the number of stored runs differs.

For each question the stock `sqlite3` shell answers through the views and the CLI through its command; both are
timed as whole processes (best of --repeat), side by side for both databases. A last table times each view question
in-process on both databases (no process start-up) with SQLite's count of virtual machine steps, which does not
depend on load: the steadier 40 vs 200 comparison on a shared machine. Usage:

    swift build -c release && python3 scripts/bench/views_benchmark.py [--keep DIR] [--repeat 5]

With --keep the databases are kept (and reused when present). Needs the `sqlite3` shell.
"""
import argparse, os, resource, shutil, sqlite3, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "scripts/bench/make_synthetic_run.py")
SERIES = "nightly"
RUNS = 40
COPIES = 5  # 40 -> 200 runs


def bench_id(i):
    return f"bench_2026{1 + i // 28:02d}{1 + i % 28:02d}_000000"


def generate(work, i):
    out = os.path.join(work, "runs", bench_id(i))
    if not os.path.exists(os.path.join(out, "bench_meta.json")):
        subprocess.run([sys.executable, GEN, out, "--packages", "200", "--conditions", "2", "--iterations", "10",
                        "--warmup", "1", "--tests", "20", "--seed", str(i + 1), "--bench-id", bench_id(i),
                        "--slowdown", "1:0.05"], check=True, stdout=subprocess.DEVNULL)
    return out


def build_40(binary, work, db):
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        dirs = list(pool.map(lambda i: generate(work, i), range(RUNS)))
    print(f"generated {RUNS} results directories in {time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    subprocess.run([binary, "bench", "ingest", "--db", db] + dirs, check=True, stdout=subprocess.DEVNULL)
    print(f"ingested {RUNS} runs in {time.perf_counter() - start:.0f} s")
    subprocess.run([binary, "bench", "track", "init", "--db", db, SERIES], check=True, stdout=subprocess.DEVNULL)
    for i in range(RUNS):
        subprocess.run([binary, "bench", "track", "add", "--db", db, SERIES, bench_id(i), "--commit", f"sha={i:07x}"],
                       check=True, stdout=subprocess.DEVNULL)
    for d in dirs:
        shutil.rmtree(d)


# Columns that hold the id of a run-owned row: a clone adds an offset to each of them.
ID_COLUMNS = {"run_id", "condition_id", "package_result_id", "package_condition_id", "iteration_id"}
# Tables that hold runs' rows, parents first (tracking tables are filled separately).
RUN_TABLES = ["run", "run_cli_arg", "run_package_filter", "system_profile", "condition", "condition_env",
              "condition_extra_dep", "condition_cpu_affinity", "python_profile", "python_build_flag", "package_result",
              "package_condition", "iteration", "test_duration"]


def clone_runs(db, copies):
    """Adds copies - 1 clones of every stored run, with offset ids and new bench ids, in a second series."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA foreign_keys = OFF")
    tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    extra = [t for t in tables if t not in RUN_TABLES and not t.startswith(("tracking_", "schema_", "sqlite_", "test_case"))]
    order = RUN_TABLES + [t for t in extra if any(c[1] in ID_COLUMNS for c in con.execute(f"PRAGMA table_info({t})"))]
    offset = 10 ** 8
    con.execute("BEGIN")
    con.execute("INSERT INTO tracking_series(name, description) VALUES ('clones', 'cloned runs')")
    series_id = con.execute("SELECT series_id FROM tracking_series WHERE name = 'clones'").fetchone()[0]
    for k in range(1, copies):
        for t in order:
            cols = [c[1] for c in con.execute(f"PRAGMA table_info({t})")]
            if not cols:
                continue
            def expr(c):
                if c in ID_COLUMNS:
                    return f"{c} + {k * offset}"
                if t == "run" and c == "bench_id":
                    return f"bench_id || '_copy{k}'"
                return c
            con.execute(f"INSERT INTO {t} ({', '.join(cols)}) SELECT {', '.join(map(expr, cols))} FROM {t} "
                        f"WHERE {'run_id' if 'run_id' in cols else cols[0]} < {offset}")
        con.execute("INSERT INTO tracking_run(series_id, run_id, position) SELECT ?, run_id, "
                    "(SELECT COUNT(*) FROM tracking_run WHERE series_id = ?) + run_id - ? + 1 FROM run "
                    "WHERE run_id >= ? AND run_id < ? ORDER BY run_id",
                    (series_id, series_id, k * offset + 1, k * offset, (k + 1) * offset))
    # The cloned iterations marked their package x conditions stale; their statistics were cloned with them.
    con.execute("DELETE FROM measured_stats_stale")
    con.commit()
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def best_time(cmd, repeat):
    """(best wall seconds, best CPU seconds (user + sys of the process)) over `repeat` runs. On a shared machine
    the CPU time is the steadier figure: it does not count the time spent waiting for a core."""
    walls, cpus = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            sys.exit(f"{' '.join(cmd)} failed: {err.decode()}")
    return min(walls), min(cpus)


def in_process_cpu(db, sql, repeat):
    """Best CPU time of answering `sql` on an open read-only connection (Python's sqlite3 module, the same
    libsqlite3 as the shell): without process start-up and schema parsing, the steadier figure for how a
    question's cost changes with the size of the database."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.execute(sql).fetchall()  # warm the page cache
    best = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_SELF)
        con.execute(sql).fetchall()
        after = resource.getrusage(resource.RUSAGE_SELF)
        best = min(best, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    con.close()
    return best


def vm_steps(shell, db, sql):
    """SQLite's count of virtual machine steps for `sql` (the shell's `.stats on`): the work of the query plan,
    independent of load, so 40 vs 200 runs shows whether a question's cost depends on what else is stored."""
    out = subprocess.run([shell, "-readonly", db, ".stats on", sql], check=True, capture_output=True, text=True).stdout
    return sum(int(line.split(":")[1]) for line in out.splitlines() if line.startswith("Virtual Machine Steps:"))


def questions(binary, db):
    a, b, pkg = bench_id(20), bench_id(21), "pkg0100"
    cli = [binary, "bench"]
    return [
        ("one package's stats in one run",
         f"SELECT * FROM v_condition_stats WHERE bench_id = '{a}' AND package = '{pkg}';",
         cli + ["show", "--db", db, a]),
        ("a run's wall stats",
         f"SELECT * FROM v_wall_stats WHERE bench_id = '{a}';",
         cli + ["show", "--db", db, a]),
        ("a run's wall, cpu and rss stats",
         f"SELECT * FROM v_condition_stats WHERE bench_id = '{a}' AND metric IN ('wall', 'cpu', 'rss');",
         cli + ["export", "--db", db, a, "--format", "csv-summary"]),
        ("one package's per-test stats",
         f"SELECT * FROM v_test_stats WHERE bench_id = '{a}' AND package = '{pkg}';",
         cli + ["show", "--db", db, a, "--per-test", pkg]),
        ("two runs' wall medians (compare)",
         f"SELECT bench_id, package, condition, n, median FROM v_wall_stats WHERE bench_id IN ('{a}', '{b}');",
         cli + ["compare", "--db", db, a, b, "--format", "json"]),
        ("per-test regressions between two runs",
         f"SELECT x.package, x.test_id, y.median / x.median FROM v_test_stats x JOIN v_test_stats y "
         f"USING (package, condition, test_id, phase) WHERE x.bench_id = '{a}' AND y.bench_id = '{b}' "
         f"AND x.package = '{pkg}';",
         cli + ["show", "--db", db, b, "--per-test", pkg]),
        ("a series' points (one package)",
         f"SELECT * FROM v_series_points WHERE series = '{SERIES}' AND package = '{pkg}';",
         cli + ["track", "trend", "--db", db, SERIES, "--format", "json"]),
        ("a series' wall points",
         f"SELECT position, package, condition, n, wall_median_s FROM v_series_points WHERE series = '{SERIES}';",
         cli + ["track", "trend", "--db", db, SERIES, "--format", "json"]),
        ("a series' points, all columns",
         f"SELECT * FROM v_series_points WHERE series = '{SERIES}';",
         cli + ["track", "trend", "--db", db, SERIES, "--format", "json"]),
        ("a series' trend slopes",
         f"SELECT * FROM v_trend_slopes WHERE series = '{SERIES}';",
         cli + ["track", "trend", "--db", db, SERIES, "--format", "json"]),
        ("a run's report",
         f"SELECT * FROM v_wall_stats WHERE bench_id = '{a}';",
         cli + ["report", "--db", db, a, "-o", db + ".report.html"]),
    ]


def main():
    ap = argparse.ArgumentParser(description="The views through the sqlite3 shell against the CLI, on a 40-run and a "
                                             "200-run database (built on first use, about 5 minutes).")
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/labeille"),
                    help="labeille binary that builds the databases and answers the CLI side (default: the release build)")
    ap.add_argument("--sqlite3", default=shutil.which("sqlite3") or "sqlite3", help="the sqlite3 shell to time")
    ap.add_argument("--keep", help="keep the work folder (and its databases) here; databases found there are reused")
    ap.add_argument("--repeat", type=int, default=5,
                    help="runs per timing, the best is printed (default 5; the in-process table uses at least 7)")
    a = ap.parse_args()
    if not os.path.exists(a.binary):
        sys.exit(f"no binary at {a.binary}: run `swift build -c release` first")
    work = a.keep or tempfile.mkdtemp(prefix="labeille-views-bench-")
    os.makedirs(work, exist_ok=True)
    db40, db200 = os.path.join(work, "runs40.db"), os.path.join(work, "runs200.db")
    try:
        if not os.path.exists(db40):
            build_40(a.binary, work, db40)
            sqlite3.connect(db40).execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if not os.path.exists(db200):
            start = time.perf_counter()
            shutil.copyfile(db40, db200)
            clone_runs(db200, COPIES)
            print(f"cloned to {RUNS * COPIES} runs in {time.perf_counter() - start:.0f} s")
        # Opening once applies pending migrations, so the timed processes do not.
        for db in (db40, db200):
            subprocess.run([a.binary, "bench", "show", "--db", db, "--list"], check=True, stdout=subprocess.DEVNULL)
        for label, db in (("40", db40), ("200", db200)):
            con = sqlite3.connect(db)
            runs = con.execute("SELECT COUNT(*) FROM run").fetchone()[0]
            tests = con.execute("SELECT MAX(rowid) FROM test_duration").fetchone()[0]
            print(f"{label}-run database: {runs} runs, {tests:,} per-test rows, {os.path.getsize(db) / 1e6:.0f} MB")
            con.close()
        rows = []
        for (label, sql, cmd40), (_, _, cmd200) in zip(questions(a.binary, db40), questions(a.binary, db200)):
            rows.append((label, best_time([a.sqlite3, db40, sql], a.repeat), best_time(cmd40, a.repeat),
                         best_time([a.sqlite3, db200, sql], a.repeat), best_time(cmd200, a.repeat), cmd40[2]))
        for kind, k in (("CPU time (user + sys)", 1), ("wall time", 0)):
            print(f"\n{kind} of whole processes, best of {a.repeat}, ms; ratio = sqlite3 / CLI; 200/40 = sqlite3 on 200 runs / on 40\n")
            head = (f"{'question':<40}{'CLI command':<16}{'sqlite3 40':>11}{'CLI 40':>9}{'ratio':>7}"
                    f"{'sqlite3 200':>13}{'CLI 200':>9}{'ratio':>7}{'200/40':>8}")
            print(head)
            print("-" * len(head))
            for label, s40, c40, s200, c200, command in rows:
                print(f"{label:<40}{command:<16}{s40[k] * 1e3:11.0f}{c40[k] * 1e3:9.0f}{s40[k] / c40[k]:7.2f}"
                      f"{s200[k] * 1e3:13.0f}{c200[k] * 1e3:9.0f}{s200[k] / c200[k]:7.2f}{s200[k] / s40[k]:8.2f}")
        repeat = max(a.repeat, 7)
        print(f"\nin-process CPU time (Python's sqlite3 module, libsqlite3 {sqlite3.sqlite_version}, best of {repeat}), ms;"
              f" 200/40 = 200 runs / 40 runs\n")
        head = (f"{'question':<40}{'40 runs':>10}{'200 runs':>10}{'200/40':>8}"
                f"{'VM steps 40':>14}{'VM steps 200':>14}{'200/40':>8}")
        print(head)
        print("-" * len(head))
        for label, sql, _ in questions(a.binary, db40):
            t40, t200 = in_process_cpu(db40, sql, repeat), in_process_cpu(db200, sql, repeat)
            v40, v200 = vm_steps(a.sqlite3, db40, sql), vm_steps(a.sqlite3, db200, sql)
            print(f"{label:<40}{t40 * 1e3:10.1f}{t200 * 1e3:10.1f}{t200 / max(t40, 1e-6):8.2f}"
                  f"{v40:14,}{v200:14,}{v200 / max(v40, 1):8.2f}")
    finally:
        if not a.keep:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
