#!/usr/bin/env python3
"""Seeded fuzz harness for labeille-bench's input edges.

Generates mutated results folders (ingest), condition strings (bench run --condition) and YAML profiles
(bench run --profile) from valid ones, deterministically from --seed, runs the real binary on each with a
per-case timeout, and checks:

* no crash (a signal, a Swift trap: exit 132/133/134/139) and no hang (the timeout);
* exit 0 or exit 2; exit 2 is one `error:` line that names the input file (and the line, for problems
  inside a file's content);
* after a rejection, the database is unchanged (a logical fingerprint of every table);
* after an accepted results folder, `bench show` and `bench compare` on it neither crash nor hang.

Prints the counts per kind and exits 1 when any check failed (failing cases are kept with --keep).

    python3 scripts/fuzz/fuzz.py --binary .build/debug/labeille --seed 1 --cases 1200
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(REPO, "examples", "bench_20261127_221025")

HOSTILE_VALUES = [
    -1, -1.5, 0, 1e308, 1e19, 9223372036854775807, 99999999999999999999, 1e-320, "", "\u0000", "a\u0000b",
    "..", ".", "../x", "a/b", "-x", "\u202e", "x" * 5000, True, None, [], {}, [1, 2], {"a": 1}, "ok", "okay",
    "NaN", 3, 2, 600, 0.5,
]
RAW_TOKENS = [b"NaN", b"Infinity", b"-Infinity", b"007", b"1.", b".5", b"1e", b"\xff", b"\xc3", b"\xed\xa0\x80",
              b"\x00", b"\\u0000", b"\\ud800", b"{", b"}", b"[", b"]", b",", b":", b"\"", b"\n", b"1e999"]


def fingerprint(db):
    """A hash of every row of every table (order-independent within a table)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for t in tables:
            rows = sorted(repr(r) for r in con.execute(f'SELECT * FROM "{t}"'))
            h.update(t.encode())
            for r in rows:
                h.update(r.encode())
        return h.hexdigest()
    finally:
        con.close()


class Harness:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.work = tempfile.mkdtemp(prefix="labeille-fuzz-")
        self.counts = {}
        self.failures = []
        self.base_db = os.path.join(self.work, "base.db")
        self.base_dir = os.path.join(self.work, "base_run")
        self.registry = os.path.join(self.work, "registry")
        os.makedirs(os.path.join(self.registry, "packages"))
        with open(os.path.join(self.registry, "index.yaml"), "w") as f:
            f.write("packages: []\n")
        self.fake_python = os.path.join(self.work, "fake-python")
        with open(self.fake_python, "w") as f:
            f.write("#!/bin/sh\nexit 1\n")
        os.chmod(self.fake_python, 0o755)
        self.make_base()

    # ---- setup ---------------------------------------------------------------------------------

    def make_base(self):
        os.makedirs(self.base_dir)
        with open(os.path.join(FIXTURE, "bench_meta.json")) as f:
            meta = json.load(f)
        meta["bench_id"] = "bench_fuzz"
        with open(os.path.join(self.base_dir, "bench_meta.json"), "w") as f:
            json.dump(meta, f, indent=2)
        with open(os.path.join(FIXTURE, "bench_results.jsonl")) as f:
            lines = [json.loads(l) for l in f if l.strip()][:2]
        for p in lines:  # keep the files small: two iterations of per-test rows at most
            for c in p["conditions"].values():
                for it in c["iterations"]:
                    pt = it.get("per_test_timings")
                    if pt:
                        pt["timings"] = pt["timings"][:3]
        with open(os.path.join(self.base_dir, "bench_results.jsonl"), "w") as f:
            for p in lines:
                f.write(json.dumps(p) + "\n")
        r = self.run(["bench", "ingest", "--db", self.base_db, FIXTURE])
        if r[0] != 0:
            sys.exit(f"fuzz: cannot build the base database: {r[2]}")
        self.base_print = fingerprint(self.base_db)

    def run(self, args, timeout=None):
        """(exit code or None on timeout, stdout, stderr); a negative code is a signal."""
        p = subprocess.Popen([self.args.binary] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.work)
        try:
            out, err = p.communicate(timeout=timeout or self.args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            return None, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        return p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    # ---- mutations -----------------------------------------------------------------------------

    def mutate_bytes(self, data):
        rng = self.rng
        data = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            op = rng.randrange(6)
            pos = rng.randrange(len(data) + 1) if data else 0
            if op == 0 and data:
                data[min(pos, len(data) - 1)] = rng.randrange(256)
            elif op == 1:
                data[pos:pos] = rng.choice(RAW_TOKENS)
            elif op == 2 and data:
                del data[pos:pos + rng.randint(1, 40)]
            elif op == 3:
                data = data[:pos]
            elif op == 4 and data:
                chunk = data[pos:pos + rng.randint(1, 200)]
                data[pos:pos] = chunk
            else:
                # Replace a number with a hostile token.
                nums = [m for m in re.finditer(rb"-?\d+(\.\d+)?([eE][+-]?\d+)?", bytes(data))]
                if nums:
                    m = rng.choice(nums)
                    data[m.start():m.end()] = rng.choice([b"-1", b"1e19", b"1e308", b"NaN", b"007", b"1.",
                                                          b"99999999999999999999", b"-0", b"Infinity"])
        return bytes(data)

    def mutate_json(self, value):
        """Replaces, deletes or duplicates one random node of a JSON document."""
        rng = self.rng
        paths = []

        def walk(v, path):
            paths.append(path)
            if isinstance(v, dict):
                for k, x in v.items():
                    walk(x, path + [k])
            elif isinstance(v, list):
                for i, x in enumerate(v):
                    walk(x, path + [i])
        walk(value, [])
        path = rng.choice(paths[1:]) if len(paths) > 1 else []
        if not path:
            return rng.choice(HOSTILE_VALUES)
        parent = value
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        op = rng.randrange(4)
        if op == 0 and isinstance(parent, dict):
            del parent[key]
        elif op == 1 and isinstance(parent, dict) and isinstance(key, str):
            parent[rng.choice(["..", "a/b", "", "x\u0000y", key + "_x", "-x"])] = parent.pop(key)
        else:
            parent[key] = rng.choice(HOSTILE_VALUES)
        return value

    def results_case(self, case_dir):
        """A mutated copy of the base results folder; returns a label."""
        rng = self.rng
        run = os.path.join(case_dir, "run")
        shutil.copytree(self.base_dir, run)
        meta, results = os.path.join(run, "bench_meta.json"), os.path.join(run, "bench_results.jsonl")
        target = results if rng.random() < 0.7 else meta
        kind = rng.randrange(10)
        if kind == 0:
            os.remove(target)
            special = rng.randrange(4)
            if special == 0:
                os.mkfifo(target)
            elif special == 1:
                os.symlink("/dev/zero", target)
            elif special == 2:
                os.mkdir(target)
            else:
                open(target, "w").close()
            return "file-type"
        if kind <= 4:
            with open(target, "rb") as f:
                data = f.read()
            with open(target, "wb") as f:
                f.write(self.mutate_bytes(data))
            return "bytes"
        if target == meta:
            with open(meta) as f:
                doc = json.load(f)
            doc = self.mutate_json(doc)
            with open(meta, "w") as f:
                json.dump(doc, f, indent=2, allow_nan=True)
            return "meta-json"
        with open(results) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        i = rng.randrange(len(lines))
        if rng.random() < 0.15:
            lines.append(json.loads(json.dumps(lines[i])))  # a duplicate package line
        else:
            lines[i] = self.mutate_json(lines[i])
        with open(results, "w") as f:
            for l in lines:
                f.write(json.dumps(l, allow_nan=True) + "\n")
        return "results-json"

    BASE_CONDITIONS = [
        "jit:target_python={py},env.PYTHON_JIT=1,description=JIT on",
        "cov:target_python={py},test_command_prefix=coverage run -m,extra_deps=coverage+pytest-cov",
        "lim:target_python={py},memory_limit_mb=512,cpu_time_limit_s=60,cpu_affinity=0-1",
        "x:target_python={py},env.ASAN_OPTIONS=detect_leaks=0,test_command_suffix=-k 'a or b',--tb=short",
    ]

    def condition_case(self):
        rng = self.rng
        s = rng.choice(self.BASE_CONDITIONS).format(py=self.fake_python)
        data = s.encode()
        tokens = [b",", b":", b"=", b"+", b"-", b"..", b"/", b"\x00", b"\xff", b"99999999999999999999", b"0-100000000",
                  b"env.", b"cpu_affinity=", b"memory_limit_mb=", b" ", b"-1", b"5000", b"..:", b".:"]
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(data) + 1)
            op = rng.randrange(3)
            if op == 0:
                data = data[:pos] + rng.choice(tokens) + data[pos:]
            elif op == 1:
                data = data[:pos] + data[pos + rng.randint(1, 10):]
            else:
                data = data[:pos] + bytes([rng.randrange(1, 256)]) + data[pos + 1:]
        # Arguments cannot hold NUL; the binary would see the string cut there anyway.
        return data.replace(b"\x00", b"").decode("utf-8", "surrogateescape")

    BASE_PROFILE = """name: fuzz
iterations: 5
warmup: 1
timeout: 600
target_python: {py}
default_env:
  PYTHONHASHSEED: "0"
default_constraints:
  memory_limit_mb: 4096
  cpu_affinity: "0,1"
conditions:
  base:
    description: plain
  jit:
    env:
      PYTHON_JIT: "1"
    constraints:
      cpu_time_limit_s: 300
packages: [a, b]
adaptive: true
adaptive_threshold: 0.01
adaptive_min_iterations: 4
"""

    def profile_case(self, path):
        rng = self.rng
        text = self.BASE_PROFILE.format(py=self.fake_python).encode()
        if rng.random() < 0.5:
            text = self.mutate_bytes(text)
        else:
            lines = text.split(b"\n")
            i = rng.randrange(len(lines))
            if b":" in lines[i]:
                head = lines[i].split(b":")[0]
                val = rng.choice([b"-1", b"0", b"2", b"1e19", b"9223372036854775807", b"99999999999999999999",
                                  b"\"0-100000000\"", b"5000", b".nan", b".inf", b"[]", b"{}", b"\"..\"", b"''",
                                  b"\"a/b\"", b"null", b"!!binary AAAA", b"&a x", b"*a", b"\xff", b"[0, -1]"])
                lines[i] = head + b": " + val
            else:
                lines.insert(i, rng.choice([b"  ..:", b"  a/b:", b"  jit:", b"bogus: 1", b"iterations: 3"]))
            text = b"\n".join(lines)
        with open(path, "wb") as f:
            f.write(text)

    # ---- checks --------------------------------------------------------------------------------

    def tally(self, kind, outcome):
        self.counts.setdefault(kind, {})
        self.counts[kind][outcome] = self.counts[kind].get(outcome, 0) + 1

    def fail(self, kind, outcome, case_dir, detail):
        self.tally(kind, outcome)
        self.failures.append((kind, outcome, case_dir, detail))

    def check_common(self, kind, code, err, case_dir, db):
        """Returns True when the case passed the crash/hang/exit/one-line/database checks."""
        if code is None:
            self.fail(kind, "hang", case_dir, err[-300:])
            return False
        if code < 0 or code in (132, 133, 134, 139):
            self.fail(kind, "crash", case_dir, f"exit {code}: {err[-300:]}")
            return False
        if code not in (0, 2):
            self.fail(kind, f"exit {code}", case_dir, err[-300:])
            return False
        if code == 2:
            # Warnings and notes may precede the one error line.
            lines = [l for l in err.split("\n") if l.strip() and not l.startswith(("warning: ", "note: "))]
            if len(lines) != 1 or not lines[0].startswith("error: "):
                self.fail(kind, "not one error line", case_dir, err[-500:])
                return False
            if os.path.exists(db) and fingerprint(db) != self.base_print:
                self.fail(kind, "database changed", case_dir, err)
                return False
        return True

    LINE_FREE = re.compile(r"not a regular file|cannot read the file|No bench_meta\.json|larger than|Profile not found|not UTF-8|the profile is empty")

    def check_names_file(self, kind, err, files, case_dir):
        """A rejection names one of `files`, followed by `:LINE:` unless it is about the file itself."""
        for f in files:
            if f in err:
                if self.LINE_FREE.search(err) or re.search(re.escape(f) + r":\d+", err) or re.search(r"line \d+", err):
                    return True
                self.fail(kind, "no line", case_dir, err)
                return False
        self.fail(kind, "no file name", case_dir, err)
        return False

    # ---- the cases -----------------------------------------------------------------------------

    def one(self, n, kind):
        failures = len(self.failures)
        try:
            self.one_case(n, kind)
        finally:
            # Passing cases are removed as they go; failing ones stay for a look.
            if not self.args.keep and len(self.failures) == failures:
                shutil.rmtree(os.path.join(self.work, f"case{n:05d}"), ignore_errors=True)

    def one_case(self, n, kind):
        case_dir = os.path.join(self.work, f"case{n:05d}")
        os.makedirs(case_dir)
        db = os.path.join(case_dir, "l.db")
        shutil.copy(self.base_db, db)
        if kind == "results":
            label = self.results_case(case_dir)
            run = os.path.join(case_dir, "run")
            code, out, err = self.run(["bench", "ingest", "--db", db, run])
            if not self.check_common(kind, code, err, case_dir, db):
                return
            if code == 2:
                files = [os.path.join("run", "bench_results.jsonl"), os.path.join("run", "bench_meta.json"), "run"]
                if self.check_names_file(kind, err, files, case_dir):
                    self.tally(kind, "rejected (file, line, db unchanged)")
                return
            for args in (["bench", "show", "--db", db, "bench_fuzz"], ["bench", "compare", "--db", db, "bench_fuzz"]):
                c2, _, e2 = self.run(args)
                if c2 is None or c2 < 0 or c2 in (132, 133, 134, 139):
                    self.fail(kind, "crash or hang after accepting", case_dir, f"{args[1]}: exit {c2}: {e2[-300:]}")
                    return
            self.tally(kind, f"accepted ({label})")
        elif kind == "condition":
            cond = self.condition_case()
            with open(os.path.join(case_dir, "condition.txt"), "w", errors="surrogateescape") as f:
                f.write(cond)
            code, out, err = self.run(["bench", "run", "--db", db, "--registry-dir", self.registry, "--iterations", "3",
                                       "--warmup", "0", "--condition", cond])
            if not self.check_common(kind, code, err, case_dir, db):
                return
            self.tally(kind, "refused, one line, db unchanged" if code == 2 else "ran")
        else:
            profile = os.path.join(case_dir, "p.yaml")
            self.profile_case(profile)
            code, out, err = self.run(["bench", "run", "--db", db, "--registry-dir", self.registry, "--profile", profile])
            if not self.check_common(kind, code, err, case_dir, db):
                return
            if code == 2 and "p.yaml" in err:
                if self.check_names_file(kind, err, [profile], case_dir):
                    self.tally(kind, "rejected (file, line, db unchanged)")
                return
            if code == 2 and not re.search(r"Target Python|no package to run|condition '[^']*': |Registry|target Python|CPU \d+ does not exist|cannot run", err):
                self.fail(kind, "no file name", case_dir, err)
                return
            self.tally(kind, "accepted, stopped later (one line, db unchanged)" if code == 2 else "ran")

    def main(self):
        kinds = ["results", "condition", "profile"]
        start = time.time()
        for n in range(self.args.cases):
            self.one(n, kinds[n % 3])
            if self.args.progress and (n + 1) % 100 == 0:
                print(f"  {n + 1}/{self.args.cases} cases, {time.time() - start:.0f} s", file=sys.stderr)
        elapsed = time.time() - start
        print(f"labeille fuzz: seed {self.args.seed}, {self.args.cases} cases, per-case timeout {self.args.timeout:g} s, "
              f"{elapsed:.0f} s")
        bad = {"crash", "hang", "no file name", "no line", "database changed", "not one error line",
               "crash or hang after accepting"}
        for kind in kinds:
            total = sum(self.counts.get(kind, {}).values())
            print(f"\n{kind} ({total} cases)")
            for outcome, count in sorted(self.counts.get(kind, {}).items(), key=lambda kv: -kv[1]):
                flag = "  <-- FAIL" if outcome in bad or outcome.startswith("exit ") else ""
                print(f"  {count:6d}  {outcome}{flag}")
        totals = {}
        for kind in kinds:
            for outcome, count in self.counts.get(kind, {}).items():
                totals[outcome] = totals.get(outcome, 0) + count
        summary = ", ".join(f"{totals.get(k, 0)} {k}" for k in ["crash", "hang", "no file name", "no line",
                                                                 "database changed", "not one error line"])
        print(f"\nsummary: {summary}")
        for kind, outcome, case_dir, detail in self.failures[:20]:
            print(f"FAIL {kind} {outcome} {case_dir}: {detail.strip()[:300]}")
        if not self.args.keep and not self.failures:
            shutil.rmtree(self.work, ignore_errors=True)
        elif self.failures:
            print(f"cases kept in {self.work}")
        return 1 if self.failures else 0


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(REPO, ".build", "debug", "labeille"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=1200, help="mutated inputs in all (a third of each kind)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per run of the binary (a hang beyond it fails)")
    ap.add_argument("--keep", action="store_true", help="keep every case folder")
    ap.add_argument("--progress", action="store_true")
    args = ap.parse_args()
    # Every case runs the binary from inside its own work folder, so a relative path must be resolved here.
    args.binary = os.path.abspath(args.binary)
    return args


if __name__ == "__main__":
    sys.exit(Harness(parse_args()).main())
