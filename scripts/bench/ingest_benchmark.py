#!/usr/bin/env python3
"""Benchmark of the store: ingest of a synthetic labeille run, then `show` and `export --format csv-summary`.

Generates 1,000 packages x 4 conditions x (1 warm-up + 10 measured) iterations with 50 per-test timings each
(scripts/bench/make_synthetic_run.py), ingests it with the release binary and prints ingest time, rows per
second, peak RSS, database size and the latency of show / csv-summary. Usage:

    swift build -c release && python3 scripts/bench/ingest_benchmark.py [--packages 1000] [--keep DIR]
"""
import argparse, os, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def timed(cmd, **kw):
    """Runs cmd, returns (seconds, peak RSS in MB of the child, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, ru = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd} failed: {err.decode()}")
    return elapsed, ru.ru_maxrss / 1024, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--packages", type=int, default=1000)
    ap.add_argument("--tests", type=int, default=50)
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/labeille"))
    ap.add_argument("--keep", help="keep the work folder here")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="labeille-ingest-bench-")
    os.makedirs(work, exist_ok=True)
    run_dir = os.path.join(work, "bench_20260101_000000")
    db = os.path.join(work, "bench.db")
    for p in (db, db + "-wal", db + "-shm"):
        if os.path.exists(p):
            os.remove(p)
    if not os.path.exists(os.path.join(run_dir, "bench_results.jsonl")):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts/bench/make_synthetic_run.py"), run_dir,
                        "--packages", str(a.packages), "--conditions", "4", "--iterations", "10", "--warmup", "1",
                        "--tests", str(a.tests)], check=True)
    size = os.path.getsize(os.path.join(run_dir, "bench_results.jsonl"))
    t, rss, out = timed([a.binary, "bench", "ingest", "--db", db, run_dir])
    iterations = a.packages * 4 * 11
    tests = iterations * (a.tests + a.tests // 10)
    rows = iterations + tests
    print(f"input:          {size / 1e6:.1f} MB JSONL, {a.packages} packages x 4 conditions x 11 iterations x {a.tests} tests")
    print(f"ingest:         {t:.2f} s, {rows:,} rows ({iterations:,} iterations + {tests:,} per-test), {rows / t:,.0f} rows/s, {size / 1e6 / t:.1f} MB/s")
    print(f"ingest peak RSS: {rss:.1f} MB")
    db_size = sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))
    print(f"database size:  {db_size / 1e6:.1f} MB")
    for label, args in [("show", ["bench", "show", "--db", db, "bench_20260101_000000"]),
                        ("export csv-summary", ["bench", "export", "--db", db, "bench_20260101_000000", "--format", "csv-summary"]),
                        ("compare (json)", ["bench", "compare", "--db", db, "bench_20260101_000000", "--format", "json"]),
                        ("show --per-test", ["bench", "show", "--db", db, "bench_20260101_000000", "--per-test", "pkg0500"])]:
        best = min(timed([a.binary] + args)[:2] for _ in range(3))
        print(f"{label + ':':<20}{best[0] * 1000:8.0f} ms (best of 3), peak RSS {best[1]:.1f} MB")
    if not a.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
