#!/usr/bin/env python3
"""Wall time and instruction counts side by side for a 1% change, on this machine.

A tiny package whose test is a module-level Python loop; the treatment condition runs 1% more loop
iterations (WORK_FACTOR=1.01). The same pair is measured three ways with `labeille bench run`:
  * wall time, n = 10 (the usual setting), and n = 30;
  * instruction counts under Valgrind (`--instructions valgrind`), n = 3.
For each it prints the ratio treatment/baseline, its 95% interval and width, the verdict, the iterations per
condition the observed noise would need to resolve ±δ, and the time the run took.

Usage: python3 scripts/bench/instructions_benchmark.py [--loop 1000000] [--python python3]
Environment: LABEILLE=path/to/labeille (default: a release build of this checkout).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

WORK = """import os
n = int({loop} * float(os.environ.get("WORK_FACTOR", "1")))
s = 0
for i in range(n):
    s += i * i
assert s > 0
"""


def labeille():
    if os.environ.get("LABEILLE"):
        return os.environ["LABEILLE"]
    subprocess.run(["swift", "build", "-c", "release", "--product", "labeille"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(ROOT, ".build/release/labeille")


def make_registry(base, loop):
    repo = os.path.join(base, "upstream", "loop")
    os.makedirs(repo)
    with open(os.path.join(repo, "work.py"), "w") as f:
        f.write(WORK.format(loop=loop))
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    subprocess.run(git + ["-C", repo, "add", "-A"], check=True)
    subprocess.run(git + ["-C", repo, "commit", "-qm", "loop"], check=True)
    reg = os.path.join(base, "registry")
    os.makedirs(os.path.join(reg, "packages"))
    with open(os.path.join(reg, "packages", "loop.yaml"), "w") as f:
        f.write(f"package: loop\nrepo: {repo}\ninstall_command: ''\ntest_command: \"python work.py\"\ntest_framework: unittest\n")
    with open(os.path.join(reg, "index.yaml"), "w") as f:
        f.write("last_updated: '2026-12-01T00:00:00'\npackages:\n- name: loop\n  download_count: 1\n")
    return reg


def measure(bin, base, reg, python, label, n, metric, extra):
    db = os.path.join(base, f"{label}.db")
    args = [bin, "bench", "run", "--db", db, "--registry-dir", reg, "--work-dir", os.path.join(base, "work"),
            "--results-dir", os.path.join(base, "results"), "--target-python", python, "--iterations", str(n),
            "--warmup", "1", "--condition", "base:env.WORK_FACTOR=1.00", "--condition", "more:env.WORK_FACTOR=1.01"] + extra
    t0 = time.monotonic()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.monotonic() - t0
    bench_id = subprocess.run(["sqlite3", db, "SELECT bench_id FROM run"], capture_output=True, text=True, check=True).stdout.strip()
    out = subprocess.run([bin, "bench", "compare", "--db", db, bench_id, "--metric", metric, "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    c = json.loads(out)["comparisons"][0]
    cv = subprocess.run(["sqlite3", db, f"SELECT MAX(cv) FROM v_condition_stats WHERE metric = '{metric}'"],
                        capture_output=True, text=True, check=True).stdout.strip()
    return dict(label=label, n=n, elapsed=elapsed, ratio=c["ratio"], low=c["ratio_ci_low"], high=c["ratio_ci_high"],
                verdict=c["verdict"], needed=c["iterations_needed"], cv=float(cv or "nan"), threshold=json.loads(out)["threshold"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loop", type=int, default=1_000_000, help="loop iterations of the baseline (default 1,000,000)")
    ap.add_argument("--python", default=shutil.which("python3"), help="interpreter of both conditions")
    ap.add_argument("--wall-n", type=int, nargs="+", default=[10, 30], help="iterations of the wall-time runs")
    a = ap.parse_args()
    bin = labeille()
    base = tempfile.mkdtemp(prefix="labeille-instr-bench-")
    try:
        reg = make_registry(base, a.loop)
        rows = [measure(bin, base, reg, a.python, f"wall n={n}", n, "wall", []) for n in a.wall_n]
        rows.append(measure(bin, base, reg, a.python, "instructions (valgrind) n=3", 3, "instructions", ["--instructions", "valgrind"]))
        print(f"1% more loop work ({a.loop:,} → {int(a.loop * 1.01):,} iterations), {a.python}, "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        print(f"{'metric':<30}{'ratio':>8}  {'95% CI':<18}{'width':>8}  {'verdict':<13}{'δ':>6}{'max CV':>10}"
              f"{'n for ±δ':>10}{'run time':>10}")
        for r in rows:
            ci = f"[{r['low']:.4f}, {r['high']:.4f}]"
            print(f"{r['label']:<30}{r['ratio']:>8.4f}  {ci:<18}{(r['high'] - r['low']) * 100:>7.2f}%  {r['verdict']:<13}"
                  f"{r['threshold'] * 100:>5.1f}%{r['cv'] * 100:>9.4f}%{str(r['needed']):>10}{r['elapsed']:>9.0f}s")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
