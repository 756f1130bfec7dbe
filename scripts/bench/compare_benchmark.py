#!/usr/bin/env python3
"""Benchmark of `bench compare`: two runs of 1,000 packages x 10 iterations, and `--per-test` of one package
with 5,000 tests. Prints the latency of each (target: under 1 s each). Usage:

    swift build -c release && python3 scripts/bench/compare_benchmark.py
"""
import os, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".build/release/labeille")
GEN = os.path.join(ROOT, "scripts/bench/make_synthetic_run.py")


def run(args, quiet=True):
    t = time.perf_counter()
    subprocess.run([BIN] + args, check=True, stdout=subprocess.DEVNULL if quiet else None)
    return time.perf_counter() - t


def main():
    work = tempfile.mkdtemp(prefix="labeille-compare-bench-")
    db = os.path.join(work, "c.db")
    try:
        a = os.path.join(work, "bench_20260101_000000")
        b = os.path.join(work, "bench_20260102_000000")
        p = os.path.join(work, "bench_20260103_000000")
        common = ["--packages", "1000", "--conditions", "4", "--iterations", "10", "--warmup", "1", "--tests", "0"]
        subprocess.run([sys.executable, GEN, a, "--bench-id", "bench_20260101_000000", "--seed", "1"] + common, check=True)
        subprocess.run([sys.executable, GEN, b, "--bench-id", "bench_20260102_000000", "--seed", "2", "--slowdown", "1:0.05"] + common, check=True)
        subprocess.run([sys.executable, GEN, p, "--bench-id", "bench_20260103_000000", "--packages", "1", "--conditions", "2",
                        "--iterations", "10", "--warmup", "1", "--tests", "5000"], check=True)
        run(["bench", "ingest", "--db", db, a, b, p])
        for label, args in [
            ("compare 2 runs x 1000 packages (table)", ["bench", "compare", "--db", db, "bench_20260101_000000", "bench_20260102_000000"]),
            ("compare 2 runs x 1000 packages (json)", ["bench", "compare", "--db", db, "bench_20260101_000000", "bench_20260102_000000", "--format", "json"]),
            ("compare within run, 1000 packages x 4 conditions", ["bench", "compare", "--db", db, "bench_20260101_000000", "--format", "json"]),
            ("compare --per-test, 5000 tests", ["bench", "compare", "--db", db, "bench_20260103_000000", "--per-test", "pkg0000", "--format", "json"]),
        ]:
            best = min(run(args) for _ in range(3))
            print(f"{label:<52} {best * 1000:7.0f} ms (best of 3)")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
