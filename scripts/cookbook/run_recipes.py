#!/usr/bin/env python3
"""Runs every recipe of docs/sql.md for real: the sqlite3 shell, pandas, R (Rscript) and Datasette's JSON API.

Builds WORK/results/labeille.db with the binary: the example run bench_20261127_221025, a copy of it stored as
bench_20261128_221025 (per-test durations of py313 scaled by 1.2, so recipe 3 finds regressions) and a series
`nightly` of both. Then, for each recipe, runs its three blocks in WORK and checks they print rows, runs its SQL
with Python's sqlite3 as the reference, and asks a Datasette started on 127.0.0.1 (stopped at the end) for the
recipe's canned query, whose SQL must be the shell recipe's and whose rows must equal the reference. Usage:

    python3 scripts/cookbook/run_recipes.py --binary .build/debug/labeille --work /tmp/cookbook
"""
import argparse, json, os, shutil, socket, sqlite3, subprocess, sys, tempfile, time, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import recipes as R  # noqa: E402

FIXTURE = os.path.join(R.ROOT, "examples/bench_20261127_221025")
RUNS = ["bench_20261127_221025", "bench_20261128_221025"]


def check(ok, message):
    if not ok:
        sys.exit(f"cookbook: {message}")


def run(cmd, cwd, label):
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    check(proc.returncode == 0, f"{label} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def build_database(binary, work):
    second = os.path.join(work, RUNS[1])
    shutil.copytree(FIXTURE, second)
    meta_path = os.path.join(second, "bench_meta.json")
    meta = json.load(open(meta_path))
    meta["bench_id"] = RUNS[1]
    json.dump(meta, open(meta_path, "w"))
    lines = []
    for line in open(os.path.join(second, "bench_results.jsonl")):
        if not line.strip():
            continue
        pkg = json.loads(line)
        for it in pkg.get("conditions", {}).get("py313", {}).get("iterations", []):
            for t in (it.get("per_test_timings") or {}).get("timings", []):
                t["duration_s"] = round(t["duration_s"] * 1.2, 6)
        lines.append(json.dumps(pkg))
    open(os.path.join(second, "bench_results.jsonl"), "w").write("\n".join(lines) + "\n")
    db = os.path.join(work, "results", "labeille.db")
    run([binary, "bench", "ingest", "--db", db, FIXTURE, second], work, "ingest")
    run([binary, "bench", "track", "init", "--db", db, "nightly"], work, "track init")
    run([binary, "bench", "track", "add", "--db", db, "nightly"] + RUNS, work, "track add")
    sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    return db


def reference_rows(db, sql, params):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute(sql, params)]
    con.close()
    return rows


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def datasette_checks(db, work, expected):
    port = free_port()
    log = open(os.path.join(work, "datasette.log"), "w")
    # Datasette cancels a query after 1 s by default (HTTP 400): far too tight on a loaded CI machine.
    server = subprocess.Popen([sys.executable, "-m", "datasette", "serve", db, "--metadata", R.METADATA,
                               "--setting", "sql_time_limit_ms", "60000",
                               "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                get_json(base + "/-/versions.json")
                break
            except OSError:
                check(server.poll() is None and time.time() < deadline,
                      "datasette did not start:\n" + open(os.path.join(work, "datasette.log")).read())
                time.sleep(0.5)
        for name, (params, rows) in expected.items():
            query = urllib.parse.urlencode({**params, "_shape": "array"})
            got = get_json(f"{base}/labeille/{name}.json?{query}")
            check(got == rows, f"datasette {name}: {len(got)} rows differ from sqlite3's {len(rows)}")
            print(f"  datasette {name}: {len(got)} rows")
        wall = get_json(f"{base}/labeille/v_wall_stats.json?bench_id={RUNS[0]}&_shape=array")
        check(len(wall) == 12, f"datasette v_wall_stats: {len(wall)} rows, expected 12")
        tables = get_json(f"{base}/labeille.json")["tables"]
        print(f"  datasette views and tables listed: {len(tables)}; v_wall_stats filtered: {len(wall)} rows")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--work", help="work folder (default: a new temporary one, removed at the end)")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="labeille-cookbook-")
    os.makedirs(work, exist_ok=True)
    try:
        db = build_database(os.path.abspath(a.binary), work)
        metadata = json.load(open(R.METADATA))["databases"]["labeille"]["queries"]
        recipes = R.recipes()
        check(len(recipes) == len(R.QUERY_NAMES), f"{len(recipes)} recipes in docs/sql.md, {len(R.QUERY_NAMES)} canned queries")
        expected = {}
        for name, (title, blocks) in zip(R.QUERY_NAMES, recipes):
            check(set(blocks) >= {"sh", "python", "r"}, f"recipe '{title}' lacks a block: has {sorted(blocks)}")
            sql, params = R.shell_sql(blocks["sh"]), R.shell_parameters(blocks["sh"])
            check(R.normalized(metadata[name]["sql"]) == R.normalized(sql),
                  f"canned query {name} differs from the sqlite3 recipe '{title}'")
            rows = reference_rows(db, sql, {k: float(v) if k == "load" else v for k, v in params.items()})
            check(rows, f"recipe '{title}' selects no row")
            expected[name] = (params, rows)
            outputs = {"sqlite3": run(["bash", "-c", blocks["sh"]], work, f"{title} (sqlite3)"),
                       "pandas": run([sys.executable, "-c", blocks["python"]], work, f"{title} (pandas)"),
                       "R": run(["Rscript", "-e", blocks["r"]], work, f"{title} (R)")}
            for tool, out in outputs.items():
                check(len(out.strip().splitlines()) >= 2, f"{title} ({tool}) printed no rows:\n{out}")
            print(f"{title}: {len(rows)} rows; sqlite3, pandas and R ran")
        datasette_checks(db, work, expected)
        print(f"cookbook: {len(recipes)} recipes passed with sqlite3, pandas, R and Datasette")
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
