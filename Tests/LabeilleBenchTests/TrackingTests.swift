import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// Tracking series (issue 5): series operations, views, trend classification, change points, alerts and the
/// import of the Python tool's series, on real SQLite files.
final class TrackingTests: TemporaryFolderTestCase {
    override class var databaseName: String { "track.db" }
    var dbPath: String { db }

    static let fixtureSeries = TestSupport.repoRoot.appendingPathComponent("examples/tracking-synthetic/results/tracking/jit-perf").path
    static let fixtureResults = TestSupport.repoRoot.appendingPathComponent("examples/tracking-synthetic/results").path

    // MARK: synthetic series

    /// Deterministic normal variates (TestSupport.swift).
    typealias RNG = SplitMix64

    struct PackageShape {
        var name: String
        var seconds: Double
        var cv: Double
        /// Multiplicative level of run r (1-based).
        var level: (Int) -> Double
    }

    /// Writes `runs` runs straight through RunWriter (1 warm-up + `iterations` measured iterations per package ×
    /// condition, lognormal noise of the given CV) and adds them to a new series with commit sha=c<r>.
    @discardableResult
    func makeSeries(_ store: Store, name: String, runs: Int = 30, packages: [PackageShape], conditions: [String] = ["base"],
                    iterations: Int = 5, seed: UInt64 = 1, pin: Int? = nil) throws -> [String] {
        var rng = RNG(state: seed)
        try Tracking.create(name: name, description: "synthetic \(name)", db: store.db)
        var ids: [String] = []
        for r in 1...runs {
            let benchID = "\(name)-run\(String(format: "%02d", r))"
            var meta = RunMeta(benchID: benchID)
            meta.startTime = String(format: "2026-01-%02dT%02d:00:00Z", 1 + (r - 1) / 24, (r - 1) % 24)
            meta.conditions = conditions.map { ConditionDefinition(name: $0) }
            meta.config.iterations = iterations
            meta.config.warmup = 1
            meta.packagesTotal = packages.count
            meta.packagesCompleted = packages.count
            try store.db.transaction {
                let w = try RunWriter(db: store.db, meta: meta, origin: "measured", sourceDir: nil)
                for p in packages {
                    var rec = PackageResultRecord(package: p.name)
                    for (ci, c) in conditions.enumerated() {
                        var cr = ConditionResultRecord(conditionName: c)
                        for i in 0...iterations {
                            let sigma = (log(1 + p.cv * p.cv)).squareRoot()
                            let wall = p.seconds * (1 + 0.1 * Double(ci)) * p.level(r) * exp(sigma * rng.normal() - sigma * sigma / 2)
                            cr.iterations.append(IterationRecord(index: i + 1, warmup: i == 0, wallTimeS: wall, userTimeS: 0.8 * wall,
                                                                 sysTimeS: 0.05 * wall, peakRSSMB: 100 + Double(r), exitCode: 0, status: "ok"))
                        }
                        rec.conditions.append(cr)
                    }
                    try w.insertPackage(rec)
                }
            }
            try Tracking.add(seriesName: name, benchID: benchID, commit: [KeyValue("sha", "c\(r)"), KeyValue("branch", "main")], db: store.db)
            ids.append(benchID)
        }
        if let pin { try Tracking.pin(seriesName: name, benchID: ids[pin - 1], db: store.db) }
        return ids
    }

    static func flat(_ name: String, _ seconds: Double, cv: Double = 0.01) -> PackageShape {
        PackageShape(name: name, seconds: seconds, cv: cv, level: { _ in 1 })
    }

    func analyze(_ store: Store, _ name: String, condition: String? = nil, options: TrendOptions = .init()) throws -> TrendReport {
        TrendAnalyzer.analyze(try SeriesPointQuery.load(db: store.db, seriesName: name, condition: condition), condition: condition, options: options)
    }

    func trend(_ r: TrendReport, _ package: String, _ condition: String = "base") throws -> PackageTrend {
        try XCTUnwrap(r.packages.first { $0.package == package && $0.condition == condition }, "\(package)/\(condition)")
    }

    // MARK: shapes

    func testFlatSeriesIsStableWithoutChangePointOrAlert() throws {
        let store = try Store(path: dbPath)
        try makeSeries(store, name: "flat", packages: [Self.flat("a", 1), Self.flat("b", 3), Self.flat("c", 10), Self.flat("d", 30)],
                       conditions: ["base", "jit"], seed: 11, pin: 1)
        let r = try analyze(store, "flat")
        XCTAssertEqual(r.packages.count, 8)
        for p in r.packages {
            XCTAssertEqual(p.classification, .stable, "\(p.package)/\(p.condition) \(p.reasons)")
            XCTAssertEqual(p.nRuns, 30)
            XCTAssertTrue(p.changePoints.isEmpty, "\(p.package): \(p.changePoints)")
            XCTAssertLessThan(abs(p.theilSenPctPerRun), 0.1)
        }
        XCTAssertTrue(r.alerts.isEmpty, "\(r.alerts.map(\.description))")
        XCTAssertFalse(r.gateFails)
    }

    func testStepAtRun12IsFoundWithItsSizeAndCommitRangeAndAlerts() throws {
        let store = try Store(path: dbPath)
        let step = PackageShape(name: "stepper", seconds: 5, cv: 0.01, level: { $0 >= 12 ? 1.05 : 1 })
        try makeSeries(store, name: "step", packages: [step, Self.flat("calm", 2), Self.flat("steady", 8)], seed: 12, pin: 5)
        let r = try analyze(store, "step")
        let p = try trend(r, "stepper")
        XCTAssertEqual(p.classification, .regressing)
        XCTAssertTrue(p.reasons.contains("level"), "\(p.reasons)")
        XCTAssertTrue(p.baselineIsPinned)
        let cp = try XCTUnwrap(p.changePoints.first, "no change point")
        XCTAssertEqual(p.changePoints.count, 1, "\(p.changePoints)")
        XCTAssertTrue((11...13).contains(cp.position), "change point at \(cp.position)")
        XCTAssertEqual(cp.ratio, 1.05, accuracy: 0.01)
        XCTAssertLessThanOrEqual(cp.ciLow, 1.05)
        XCTAssertGreaterThanOrEqual(cp.ciHigh, 1.05)
        XCTAssertLessThan(cp.ciHigh - cp.ciLow, 0.03)
        XCTAssertLessThanOrEqual(cp.p, 0.001)
        XCTAssertEqual(cp.lastBeforeSHA, "c\(cp.position - 1)")
        XCTAssertEqual(cp.firstAfterSHA, "c\(cp.position)")
        XCTAssertEqual(cp.commitRangeText, "c\(cp.position - 1)..c\(cp.position)")
        XCTAssertEqual(cp.benchID, String(format: "step-run%02d", cp.position))
        for name in ["calm", "steady"] {
            XCTAssertEqual(try trend(r, name).classification, .stable)
            XCTAssertTrue(try trend(r, name).changePoints.isEmpty)
        }
        // The latest runs are after the step, the pinned run before it: a confirmed regression, exit 1.
        XCTAssertTrue(r.gateFails)
        let a = try XCTUnwrap(r.alerts.first { $0.package == "stepper" && $0.kind == .regressionVsBaseline })
        XCTAssertTrue(a.confirmed)
        XCTAssertEqual(a.fromBenchID, "step-run05")
        XCTAssertEqual(a.change!.ratio, 1.05, accuracy: 0.02)
        XCTAssertEqual(a.changePoint?.position, cp.position)
        XCTAssertFalse(r.alerts.contains { $0.package != "stepper" }, "\(r.alerts.map(\.description))")
        // Not vs the previous run: both are after the step.
        XCTAssertFalse(r.alerts.contains { $0.kind == .regressionVsPrevious })

        try checkStepThroughTheBinary(changePointAt: cp.position)
    }

    /// The step series through the binary: `track alert` exits 1 in every format, `track trend` keeps its JSON contract.
    func checkStepThroughTheBinary(changePointAt position: Int) throws {
        // The same through the binary: exit 1, the JSON contract.
        var res = try TestSupport.labeille(["bench", "track", "alert", "--db", dbPath, "step"])
        XCTAssertEqual(res.code, 1, res.stderr + res.stdout)
        XCTAssertTrue(res.stdout.contains("[ERROR] stepper (base)"), res.stdout)
        res = try TestSupport.labeille(["bench", "track", "alert", "--db", dbPath, "step", "--format", "json"])
        XCTAssertEqual(res.code, 1, res.stderr)
        let alertDoc = try JSONParser.parse(res.stdout)
        XCTAssertEqual(alertDoc["exit_code"], .integer(1))
        res = try TestSupport.labeille(["bench", "track", "trend", "--db", dbPath, "step", "--format", "json"])
        XCTAssertEqual(res.code, 0, res.stderr)
        let doc = try JSONParser.parse(res.stdout)
        guard case .array(let pkgs)? = doc["packages"] else { return XCTFail("no packages") }
        let stepper = try XCTUnwrap(pkgs.first { $0["package"] == .string("stepper") })
        for key in ["package", "condition", "classification", "n_runs", "slope_pct_per_run", "theil_sen_pct_per_run", "change_points"] {
            XCTAssertNotNil(stepper[key], key)
        }
        XCTAssertEqual(stepper["classification"], .string("regressing"))
        XCTAssertEqual(stepper["n_runs"], .integer(30))
        guard case .array(let cps)? = stepper["change_points"], let c0 = cps.first else { return XCTFail("no change_points") }
        for key in ["position", "bench_id", "ratio", "ci_low", "ci_high", "commit_range"] { XCTAssertNotNil(c0[key], key) }
        XCTAssertEqual(c0["position"], .integer(position))
        XCTAssertEqual(c0["commit_range"]?["from"], .string("c\(position - 1)"))
        XCTAssertEqual(c0["commit_range"]?["to"], .string("c\(position)"))
        for format in ["table", "markdown", "csv"] {
            res = try TestSupport.labeille(["bench", "track", "trend", "--db", dbPath, "step", "--format", format])
            XCTAssertEqual(res.code, 0, res.stderr)
            XCTAssertTrue(res.stdout.contains("stepper"), format)
        }
        res = try TestSupport.labeille(["bench", "track", "alert", "--db", dbPath, "step", "--format", "markdown"])
        XCTAssertEqual(res.code, 1)
        XCTAssertTrue(res.stdout.contains("| error | stepper | base |"), res.stdout)
        XCTAssertTrue(res.stdout.contains("`c\(position - 1)..c\(position)`"), res.stdout)
    }

    func testSlowDriftIsRegressingViaTheSlope() throws {
        let store = try Store(path: dbPath)
        // +0.3% per run: 8.7% over 30 runs, never 2% from one run to the next.
        let drift = PackageShape(name: "drifter", seconds: 4, cv: 0.01, level: { 1 + 0.003 * Double($0 - 1) })
        try makeSeries(store, name: "drift", packages: [drift, Self.flat("calm", 2)], seed: 13)
        let r = try analyze(store, "drift")
        let p = try trend(r, "drifter")
        XCTAssertEqual(p.classification, .regressing)
        XCTAssertTrue(p.reasons.contains("trend"), "\(p.reasons)")
        XCTAssertEqual(p.theilSenPctPerRun, 0.29, accuracy: 0.06)
        XCTAssertGreaterThan(p.theilSenLowPct, 0)
        XCTAssertGreaterThan(p.trendTotalPct, 5)
        XCTAssertEqual(p.slopePctPerRun, 0.29, accuracy: 0.06)
        XCTAssertFalse(p.sustainedRegression)  // the original's "3 steps > 2%" rule misses it
        XCTAssertEqual(try trend(r, "calm").classification, .stable)
        // A steep enough threshold makes it stable again.
        let lenient = try analyze(store, "drift", options: TrendOptions(regressionThreshold: 0.2, trendThreshold: 0.5))
        XCTAssertEqual(try trend(lenient, "drifter").classification, .stable)
    }

    func testNoisyButFlatSeriesIsNotRegressingAndRaisesNoAlert() throws {
        for seed: UInt64 in [21, 22, 23] {
            let store = try Store(path: dir.appendingPathComponent("noisy\(seed).db").path)
            let pkgs = (0..<6).map { Self.flat("noisy\($0)", [0.5, 2, 7, 20, 45, 90][$0], cv: 0.05) }
            try makeSeries(store, name: "noisy", packages: pkgs, seed: seed, pin: 3)
            let r = try analyze(store, "noisy")
            for p in r.packages {
                XCTAssertNotEqual(p.classification, .regressing, "seed \(seed) \(p.package): \(p.reasons)")
                XCTAssertGreaterThan(p.withinRunNoisePct, 1.5)
            }
            XCTAssertTrue(r.alerts.filter(\.isRegression).isEmpty, "seed \(seed): \(r.alerts.map(\.description))")
            XCTAssertFalse(r.gateFails)
            let res = try TestSupport.labeille(["bench", "track", "alert", "--db", store.db.path, "noisy"])
            XCTAssertEqual(res.code, 0, res.stdout + res.stderr)
        }
    }

    func testOneBadRunDoesNotMakeATheilSenTrend() throws {
        let store = try Store(path: dbPath)
        let bad = PackageShape(name: "hiccup", seconds: 3, cv: 0.01, level: { $0 == 25 ? 1.5 : 1 })
        try makeSeries(store, name: "hiccup", packages: [bad], seed: 14)
        let p = try trend(try analyze(store, "hiccup"), "hiccup")
        XCTAssertLessThan(abs(p.theilSenPctPerRun), 0.05, "Theil–Sen \(p.theilSenPctPerRun)")
        XCTAssertGreaterThan(abs(p.slopePctPerRun), 0.12, "least squares \(p.slopePctPerRun)")
        XCTAssertGreaterThan(abs(p.slopePctPerRun), 4 * abs(p.theilSenPctPerRun))
        XCTAssertEqual(p.classification, .stable)
        XCTAssertTrue(p.changePoints.isEmpty, "\(p.changePoints)")
    }

    func testPinIsTheRealBaseline() throws {
        let store = try Store(path: dbPath)
        let step = PackageShape(name: "stepper", seconds: 5, cv: 0.01, level: { $0 >= 12 ? 1.05 : 1 })
        let ids = try makeSeries(store, name: "pinned", packages: [step], seed: 15)
        let points = try SeriesPointQuery.load(db: store.db, seriesName: "pinned").items[0].points

        // Not pinned: the baseline is the median of the first five runs.
        var p = try trend(try analyze(store, "pinned"), "stepper")
        XCTAssertFalse(p.baselineIsPinned)
        XCTAssertEqual(p.baselineRuns, 5)
        XCTAssertEqual(log(p.baselineMedian), Statistics.median(points[0..<5].map { log($0.median) }), accuracy: 1e-12)
        XCTAssertEqual(p.vsBaseline!.ratio, 1.05, accuracy: 0.02)

        // Pinned after the step: the latest run is no regression any more.
        try Tracking.pin(seriesName: "pinned", benchID: ids[19], db: store.db)
        var r = try analyze(store, "pinned")
        p = try trend(r, "stepper")
        XCTAssertTrue(p.baselineIsPinned)
        XCTAssertEqual(p.baselineMedian, points[19].median)
        XCTAssertEqual(p.vsBaseline!.ratio, points[29].median / points[19].median, accuracy: 1e-12)
        XCTAssertEqual(p.vsBaseline!.ratio, 1, accuracy: 0.02)
        XCTAssertNotEqual(p.classification, .regressing)
        XCTAssertFalse(r.gateFails)
        XCTAssertEqual(try JSONParser.parse(TrendRenderer.render(r, format: .json))["baseline_bench_id"], .string(ids[19]))

        // Pinned before it: regression, alert.
        try Tracking.pin(seriesName: "pinned", benchID: ids[2], db: store.db)
        r = try analyze(store, "pinned")
        XCTAssertEqual(try trend(r, "stepper").baselineMedian, points[2].median)
        XCTAssertTrue(r.gateFails)

        try Tracking.unpin(seriesName: "pinned", db: store.db)
        XCTAssertNil(try Tracking.series(named: "pinned", db: store.db).pinnedBenchID)
        XCTAssertEqual(log(try trend(try analyze(store, "pinned"), "stepper").baselineMedian),
                       Statistics.median(points[0..<5].map { log($0.median) }), accuracy: 1e-12)
    }

    // MARK: series operations

    func testAddTwiceIsNotDuplicatedAndDifferentSettingsWarn() throws {
        let store = try Store(path: dbPath)
        let ids = try makeSeries(store, name: "ops", runs: 3, packages: [Self.flat("a", 1)])
        let again = try Tracking.add(seriesName: "ops", benchID: ids[1], notes: "again", db: store.db)
        XCTAssertEqual(again.kind, .alreadyPresent)
        XCTAssertEqual(again.position, 2)
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM tracking_run").intValue, 3)

        // A run with another condition set and iteration count: added, with a warning naming the differences.
        var meta = RunMeta(benchID: "other-run")
        meta.conditions = [ConditionDefinition(name: "base"), ConditionDefinition(name: "jit")]
        meta.config.iterations = 7
        meta.config.warmup = 1
        try store.db.transaction { _ = try RunWriter(db: store.db, meta: meta, origin: "measured", sourceDir: nil) }
        let o = try Tracking.add(seriesName: "ops", benchID: "other-run", db: store.db)
        XCTAssertEqual(o.kind, .added)
        XCTAssertEqual(o.position, 4)
        XCTAssertEqual(o.warnings.count, 1)
        XCTAssertTrue(o.warnings[0].contains("iterations: 5 → 7"), o.warnings[0])
        XCTAssertTrue(o.warnings[0].contains("conditions: base → base, jit"), o.warnings[0])

        // Through the binary: reported, not duplicated; the warning on stderr.
        var res = try TestSupport.labeille(["bench", "track", "add", "--db", dbPath, "ops", ids[0], "--commit", "sha=zzz"])
        XCTAssertEqual(res.code, 0, res.stderr)
        XCTAssertTrue(res.stdout.contains("already in series 'ops' (position 1); not added again"), res.stdout)
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM tracking_run").intValue, 4)
        XCTAssertEqual(try store.db.scalar("SELECT value FROM tracking_commit c JOIN run r ON r.run_id = c.run_id WHERE r.bench_id = ? AND key = 'sha'", [ids[0]]).stringValue, "c1")

        // A results directory is ingested and added; repeatable and comma-joined --commit.
        res = try TestSupport.labeille(["bench", "track", "add", "--db", dbPath, "ops", TestSupport.fixtureRun,
                                        "--commit", "sha=abc1234,branch=main", "--commit", "tag=v1", "--notes", "night 1"])
        XCTAssertEqual(res.code, 0, res.stderr)
        XCTAssertTrue(res.stdout.contains("Added run 'bench_20261127_221025' to series 'ops' at position 5."), res.stdout)
        XCTAssertTrue(res.stderr.contains("warning: run 'bench_20261127_221025' differs"), res.stderr)
        let runs = try Tracking.runs(seriesID: try Tracking.series(named: "ops", db: store.db).id, db: store.db)
        XCTAssertEqual(runs.last?.commit, [KeyValue("sha", "abc1234"), KeyValue("branch", "main"), KeyValue("tag", "v1")])
        XCTAssertEqual(runs.last?.notes, "night 1")
    }

    func testShowLastKeepsRealPositionsAndListShowsSeries() throws {
        let store = try Store(path: dbPath)
        let ids = try makeSeries(store, name: "long", runs: 12, packages: [Self.flat("a", 1)], pin: 11)
        let (s, last3) = try Tracking.show(name: "long", last: 3, db: store.db)
        XCTAssertEqual(last3.map(\.position), [10, 11, 12])
        XCTAssertEqual(last3.map(\.benchID), Array(ids.suffix(3)))
        XCTAssertEqual(s.runCount, 12)
        let text = TrackText.show(series: s, runs: last3)
        XCTAssertTrue(text.contains("   11  2026-01-01T10:00:00   long-run11"), text)
        XCTAssertTrue(text.contains("sha=c11,branch=main") && text.contains(" *"), text)
        XCTAssertTrue(text.contains("(last 3 of 12 runs"), text)
        XCTAssertFalse(text.contains("long-run09"))
        let res = try TestSupport.labeille(["bench", "track", "show", "--db", dbPath, "long", "--last", "2"])
        XCTAssertEqual(res.code, 0, res.stderr)
        XCTAssertTrue(res.stdout.contains("   12  "), res.stdout)
        let list = try TestSupport.labeille(["bench", "track", "list", "--db", dbPath])
        XCTAssertTrue(list.stdout.contains("long") && list.stdout.contains("   12  2026-01-01T00:00:00 .. 2026-01-01T11:00:00"), list.stdout)
    }

    func testErrorsAreOneLineExit2AndLeaveTheDatabaseUnchanged() throws {
        let store = try Store(path: dbPath)
        let ids = try makeSeries(store, name: "safe", runs: 4, packages: [Self.flat("a", 1)])
        try store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let before = try TestSupport.rowCounts(store.db)
        let cases: [([String], String)] = [
            (["track", "add", "nosuch", TestSupport.fixtureRun], "unknown tracking series 'nosuch'"),
            (["track", "add", "safe", "bench_nosuch"], "unknown run 'bench_nosuch'"),
            (["track", "add", "safe", TestSupport.fixtureRun, "bench_nosuch"], "unknown run 'bench_nosuch'"),
            (["track", "add", "safe", TestSupport.fixtureRun, "--commit", "abc1234"], "invalid --commit"),
            (["track", "add", "safe", TestSupport.fixtureRun, "--commit", "sha=a,sha=b"], "given twice"),
            (["track", "pin", "safe", "bench_20261127_221025"], "not found in series 'safe'"),
            (["track", "pin", "nosuch", ids[0]], "unknown tracking series"),
            (["track", "unpin", "nosuch"], "unknown tracking series"),
            (["track", "init", "safe"], "already exists"),
            (["track", "init", ""], "invalid series name"),
            (["track", "show", "nosuch"], "unknown tracking series"),
            (["track", "trend", "nosuch"], "unknown tracking series"),
            (["track", "trend", "safe", "--condition", "nope"], "condition 'nope' is not in series 'safe'"),
            (["track", "alert", "nosuch"], "unknown tracking series"),
            (["track", "trend", "safe", "--format", "xml"], "--format"),
        ]
        for (args, needle) in cases {
            let res = try TestSupport.labeille(["bench"] + args.prefix(2) + ["--db", dbPath] + args.dropFirst(2))
            XCTAssertEqual(res.code, 2, "\(args): \(res.stdout) \(res.stderr)")
            XCTAssertTrue(res.stderr.contains(needle), "\(args): \(res.stderr)")
            if needle != "--format" {
                XCTAssertEqual(res.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count, 1, res.stderr)
            }
            XCTAssertEqual(try TestSupport.rowCounts(store.db), before, "\(args) changed the database")
        }
        XCTAssertThrowsError(try Tracking.parseCommit(["sha="]))
        XCTAssertThrowsError(try Tracking.parseCommit(["=x"]))
        XCTAssertEqual(try Tracking.parseCommit(["sha=a1, branch=feature/x=y"]), [KeyValue("sha", "a1"), KeyValue("branch", "feature/x=y")])
    }

    // MARK: views

    func testViewsMatchTheLibraryAndWorkInTheSqliteShell() throws {
        let store = try Store(path: dbPath)
        let step = PackageShape(name: "stepper", seconds: 5, cv: 0.01, level: { $0 >= 6 ? 1.05 : 1 })
        try makeSeries(store, name: "viewed", runs: 10, packages: [step, Self.flat("calm", 2)], conditions: ["base", "jit"],
                       iterations: 4, seed: 16, pin: 2)
        let data = try SeriesPointQuery.load(db: store.db, seriesName: "viewed")
        var checked = 0
        try store.db.forEachRow("""
            SELECT package, condition, position, n, wall_median_s, cpu_median_s, rss_median_mb, commit_sha, pinned, bench_id
            FROM v_series_points WHERE series = 'viewed'
            """) { st in
            let item = data.items.first { $0.package == st.string(0) && $0.condition == st.string(1) }!
            let pt = item.points.first { $0.position == st.int(2) }!
            XCTAssertEqual(st.int(3), pt.n)
            XCTAssertClose(st.double(4), pt.median)
            XCTAssertEqual(st.string(7), "c\(pt.position)")
            XCTAssertEqual(st.int(8), pt.position == 2 ? 1 : 0)
            XCTAssertEqual(st.string(9), String(format: "viewed-run%02d", pt.position))
            checked += 1
        }
        XCTAssertEqual(checked, 2 * 2 * 10)
        // cpu and rss medians against the iterations.
        let iterations = try store.db.query("""
            SELECT v.user_s + v.sys_s, v.peak_rss_mb FROM v_iterations v
            WHERE v.bench_id = 'viewed-run03' AND v.package = 'calm' AND v.condition = 'jit' AND v.warmup = 0 AND v.status = 'ok'
            """)
        let medians = try store.db.query("SELECT cpu_median_s, rss_median_mb FROM v_series_points WHERE series = 'viewed' AND position = 3 AND package = 'calm' AND condition = 'jit'")[0]
        XCTAssertClose(medians[0].doubleValue, Statistics.median(iterations.map { $0[0].doubleValue! }))
        XCTAssertClose(medians[1].doubleValue, Statistics.median(iterations.map { $0[1].doubleValue! }))

        let report = TrendAnalyzer.analyze(data)
        try store.db.forEachRow("""
            SELECT package, condition, n_runs, slope_s_per_run, slope_fraction_per_run, first_median_s, last_median_s, pinned_median_s,
                   n_trend_runs, window_start_position
            FROM v_trend_slopes WHERE series = 'viewed'
            """) { st in
            let t = report.packages.first { $0.package == st.string(0) && $0.condition == st.string(1) }!
            XCTAssertEqual(st.int(2), t.nRuns)
            XCTAssertEqual(st.int(8), t.trendRuns)
            XCTAssertEqual(st.int(8), 9)  // pinned at position 2
            XCTAssertEqual(st.int(9), 2)
            XCTAssertClose(st.double(3), t.slopeSecondsPerRun, rel: 1e-9, abs: 1e-12)
            XCTAssertClose(st.double(4).map { $0 * 100 }, t.slopePctPerRun, rel: 1e-9, abs: 1e-10)
            XCTAssertClose(st.double(5), t.medians.first!)
            XCTAssertClose(st.double(6), t.latestMedian)
            XCTAssertClose(st.double(7), t.baselineMedian)
        }
        // The stock shell (no registered functions) gives the same numbers.
        guard let sqlite3 = TestSupport.which("sqlite3") else { throw XCTSkip("no sqlite3 shell") }
        try store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let res = try TestSupport.run(sqlite3, ["-readonly", dbPath,
            "SELECT printf('%.12g', wall_median_s) FROM v_series_points WHERE series = 'viewed' AND package = 'stepper' AND condition = 'base' ORDER BY position; SELECT printf('%.12g', slope_fraction_per_run) FROM v_trend_slopes WHERE series = 'viewed' AND package = 'stepper' AND condition = 'base';"])
        XCTAssertEqual(res.code, 0, res.stderr)
        let lines = res.stdout.split(separator: "\n").compactMap { Double($0) }
        let stepper = data.items.first { $0.package == "stepper" && $0.condition == "base" }!
        XCTAssertEqual(lines.count, 11)
        for (a, b) in zip(lines, stepper.points.map(\.median)) { XCTAssertClose(a, b, rel: 1e-11) }
        XCTAssertClose(lines.last! * 100, try trend(report, "stepper").slopePctPerRun, rel: 1e-9)
    }

    /// v_trend_slopes' window is track's: from the pinned run when the package has a point there, else from its
    /// first point; without a pin, from every package's first point. A package skipped at the pinned run and at the
    /// first run exercises both branches in one series.
    func testTrendSlopesViewFollowsTracksWindowWithAndWithoutPin() throws {
        let store = try Store(path: dbPath)
        let step = PackageShape(name: "stepper", seconds: 3, cv: 0.02, level: { $0 >= 5 ? 1.04 : 1 })
        try makeSeries(store, name: "windowed", runs: 8, packages: [step, Self.flat("gappy", 1), Self.flat("calm", 2)],
                       conditions: ["base", "jit"], iterations: 3, seed: 23, pin: 3)
        try store.db.execute("""
            UPDATE package_result SET skipped = 1 WHERE package = 'gappy'
              AND run_id IN (SELECT tr.run_id FROM tracking_run tr WHERE tr.position IN (1, 3))
            """)
        try assertSlopesMatchTrack(store, "windowed", windowStart: ["stepper": 3, "calm": 3, "gappy": 2], trendRuns: ["stepper": 6, "calm": 6, "gappy": 6])
        try Tracking.unpin(seriesName: "windowed", db: store.db)
        try assertSlopesMatchTrack(store, "windowed", windowStart: ["stepper": 1, "calm": 1, "gappy": 2], trendRuns: ["stepper": 8, "calm": 8, "gappy": 6])
    }

    func assertSlopesMatchTrack(_ store: Store, _ series: String, windowStart: [String: Int], trendRuns: [String: Int],
                                line: UInt = #line) throws {
        let report = try analyze(store, series)
        let pinned = try Tracking.series(named: series, db: store.db).pinnedBenchID != nil
        var checked = 0
        try store.db.forEachRow("""
            SELECT package, condition, n_runs, n_trend_runs, window_start_position, slope_s_per_run, slope_fraction_per_run,
                   first_median_s, last_median_s, pinned_median_s
            FROM v_trend_slopes WHERE series = ?
            """, [series]) { st in
            let package = st.string(0)!
            let t = report.packages.first { $0.package == package && $0.condition == st.string(1) }!
            XCTAssertEqual(st.int(2), t.nRuns, package, line: line)
            XCTAssertEqual(st.int(3), t.trendRuns, package, line: line)
            XCTAssertEqual(st.int(3), trendRuns[package], package, line: line)
            XCTAssertEqual(st.int(4), windowStart[package], package, line: line)
            XCTAssertClose(st.double(5), t.slopeSecondsPerRun, rel: 1e-9, abs: 1e-12, line: line)
            XCTAssertClose(st.double(6).map { $0 * 100 }, t.slopePctPerRun, rel: 1e-9, abs: 1e-10, line: line)
            XCTAssertClose(st.double(7), t.medians.first!, line: line)
            XCTAssertClose(st.double(8), t.latestMedian, line: line)
            if pinned && package != "gappy" {
                XCTAssertClose(st.double(9), t.baselineMedian, line: line)
            } else {
                XCTAssertNil(st.double(9), package, line: line)
            }
            checked += 1
        }
        XCTAssertEqual(checked, 3 * 2, line: line)
    }

    // MARK: the Python tool's series

    func testIngestPythonSeriesAndCatchTheRegressionTheOriginalMisses() throws {
        let store = try Store(path: dbPath)
        let o = try TrackingIngest.ingest(seriesDirectory: Self.fixtureSeries, store: store)
        XCTAssertTrue(o.created)
        XCTAssertEqual(o.runsIngested.count, 4)
        XCTAssertEqual(o.runsAdded, 4)
        XCTAssertEqual(o.pinnedBenchID, "bench_20261101_120000")
        XCTAssertEqual(o.warnings, [])
        let (s, runs) = try Tracking.show(name: "jit-perf", db: store.db)
        XCTAssertEqual(s.description, "Synthetic example series")
        XCTAssertEqual(s.createdAt, "2026-11-27T22:54:29Z")
        XCTAssertEqual(s.pinnedBenchID, "bench_20261101_120000")
        XCTAssertEqual(runs.map(\.benchID), (1...4).map { "bench_2026110\($0)_120000" })
        XCTAssertEqual(runs.map(\.notes), (1...4).map { "run \($0)" })
        XCTAssertEqual(runs.map(\.commit), (1...4).map { [KeyValue("sha", "abc00\($0)"), KeyValue("branch", "main")] })
        // Same rows as the original's `track show` (fixture track_show.txt), with the commit column added.
        let text = TrackText.show(series: s, runs: runs)
        for line in ["Series: jit-perf", "  Synthetic example series", "  Created: 2026-11-27T22:54:29Z",
                     "  Pinned baseline: bench_20261101_120000"] { XCTAssertTrue(text.contains(line), line) }
        XCTAssertTrue(text.contains("    1  2026-11-01T12:00:00   bench_20261101_120000               4  sha=abc001,branch=main  run 1 *"), text)

        // Importing again changes nothing.
        let again = try TrackingIngest.ingest(seriesDirectory: Self.fixtureSeries, store: store)
        XCTAssertFalse(again.created)
        XCTAssertEqual(again.runsAdded, 0)
        XCTAssertEqual(again.runsAlreadyPresent, 4)
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM tracking_run").intValue, 4)

        // The original calls all four packages stable and alerts nothing but "recovered" (track_trend.txt). pkg00001's
        // base condition is ~5% slower than the pinned run in runs 3 and 4, far outside a 1% CV: we catch it.
        let original = try String(contentsOfFile: TestSupport.repoRoot.appendingPathComponent("examples/tracking-synthetic/track_trend.txt").path, encoding: .utf8)
        XCTAssertTrue(original.contains("Regressing:     0"))
        let r = try analyze(store, "jit-perf")
        let p = try trend(r, "pkg00001", "base")
        XCTAssertEqual(p.classification, .regressing)
        XCTAssertTrue(p.baselineIsPinned)
        XCTAssertEqual(p.vsBaseline!.changePct, 5.2, accuracy: 0.1)
        // Four runs say little about run-to-run noise: the documented 1% floor widens the interval, which still
        // excludes 1.
        XCTAssertGreaterThan(p.vsBaseline!.ciLow, 1.01)
        XCTAssertTrue(p.changePoints.isEmpty)  // 4 runs: too few for two segments of 3
        for t in r.packages where !(t.package == "pkg00001" && t.condition == "base") {
            XCTAssertEqual(t.classification, .stable, "\(t.package)/\(t.condition)")
        }
        XCTAssertEqual(r.alerts.count, 1, "\(r.alerts.map(\.description))")
        XCTAssertEqual(r.alerts.first?.package, "pkg00001")
        XCTAssertEqual(r.alerts.first?.kind, .regressionVsBaseline)
        XCTAssertTrue(r.gateFails)
        XCTAssertFalse(TrendRenderer.table(r).contains("Recovered"))

        // End to end: bench ingest --tracking, then track alert exits 1.
        let db2 = dir.appendingPathComponent("cli.db").path
        var res = try TestSupport.labeille(["bench", "ingest", "--db", db2, "--tracking", Self.fixtureSeries])
        XCTAssertEqual(res.code, 0, res.stderr)
        XCTAssertTrue(res.stdout.contains("tracking series 'jit-perf': created, 4 run(s) added"), res.stdout)
        res = try TestSupport.labeille(["bench", "track", "alert", "--db", db2, "jit-perf"])
        XCTAssertEqual(res.code, 1, res.stdout + res.stderr)
        XCTAssertTrue(res.stdout.contains("[ERROR] pkg00001 (base): +5.2% slower than the pinned baseline"), res.stdout)
        res = try TestSupport.labeille(["bench", "track", "alert", "--db", db2, "jit-perf", "--condition", "treat"])
        XCTAssertEqual(res.code, 0, res.stdout + res.stderr)
    }

    func testIngestFollowsRealSymlinksAndRejectsBrokenSeries() throws {
        // A series folder as labeille writes it: absolute symlinks.
        let series = dir.appendingPathComponent("tracking/jit-perf")
        try FileManager.default.createDirectory(at: series, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixtureSeries + "/tracking.json", toPath: series.appendingPathComponent("tracking.json").path)
        for d in 1...4 {
            let id = "bench_2026110\(d)_120000"
            try FileManager.default.createSymbolicLink(atPath: series.appendingPathComponent(id).path,
                                                       withDestinationPath: Self.fixtureResults + "/" + id)
        }
        let store = try Store(path: dbPath)
        let o = try TrackingIngest.ingest(seriesDirectory: series.path, store: store)
        XCTAssertEqual(o.runsAdded, 4)

        // A missing run that is not stored: an error, and no series.
        let broken = dir.appendingPathComponent("broken/jit-perf")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixtureSeries + "/tracking.json", toPath: broken.appendingPathComponent("tracking.json").path)
        let store2 = try Store(path: dir.appendingPathComponent("b.db").path)
        XCTAssertThrowsError(try TrackingIngest.ingest(seriesDirectory: broken.path, store: store2)) { e in
            XCTAssertTrue("\(e)".contains("not found"), "\(e)")
        }
        XCTAssertEqual(try store2.db.scalar("SELECT COUNT(*) FROM tracking_series").intValue, 0)
        XCTAssertEqual(try store2.db.scalar("SELECT COUNT(*) FROM run").intValue, 0)
        XCTAssertThrowsError(try TrackingIngest.ingest(seriesDirectory: dir.path, store: store2))
    }

    func testReplacingARunKeepsItsPlaceAndPinInTheSeries() throws {
        let store = try Store(path: dbPath)
        try TrackingIngest.ingest(seriesDirectory: Self.fixtureSeries, store: store)
        let before = try Tracking.show(name: "jit-perf", db: store.db)
        let o = try Ingest.ingest(directory: Self.fixtureResults + "/bench_20261101_120000", into: store, replace: true)
        XCTAssertEqual(o.kind, .replaced)
        let after = try Tracking.show(name: "jit-perf", db: store.db)
        XCTAssertEqual(after.runs.map(\.benchID), before.runs.map(\.benchID))
        XCTAssertEqual(after.runs.map(\.position), [1, 2, 3, 4])
        XCTAssertEqual(after.runs.map(\.commit), before.runs.map(\.commit))
        XCTAssertEqual(after.series.pinnedBenchID, "bench_20261101_120000")
        XCTAssertNotEqual(after.runs[0].runID, before.runs[0].runID)
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM tracking_detached").intValue, 0)
        XCTAssertEqual(try store.db.query("PRAGMA foreign_key_check").count, 0)
    }

    // MARK: primitives

    func testTheilSenAndLeastSquares() {
        var scratch: [Double] = []
        let x = (0..<10).map(Double.init)
        let y = x.map { 2 * $0 + 1 }
        let ts = RobustTrend.theilSen(x: x, y: y, scratch: &scratch)
        XCTAssertEqual(ts.slope, 2)
        XCTAssertEqual(ts.low, 2)
        XCTAssertEqual(ts.high, 2)
        XCTAssertLessThan(ts.p, 0.001)
        XCTAssertEqual(RobustTrend.leastSquaresSlope(x: [0, 1, 2, 3], y: [1, 2, 3, 4]), 1)
        XCTAssertEqual(RobustTrend.leastSquaresSlope(x: [0, 1], y: [1, 3]), 2)
        XCTAssertEqual(RobustTrend.leastSquaresSlope(x: [0], y: [1]), 0)
        // Even number of slopes: the mean of the two middle ones (3 points: slopes 1, 2, 3 → 2; 4 points below).
        let t4 = RobustTrend.theilSen(x: [0, 1, 2, 3], y: [0, 1, 3, 3], scratch: &scratch)
        // slopes: 1, 1.5, 1, 2, 1, 0 → sorted 0 1 1 1 1.5 2 → median 1
        XCTAssertEqual(t4.slope, 1)
        // Quickselect agrees with sorting on random data.
        var rng = RNG(state: 7)
        for n in [1, 2, 3, 10, 101, 1000] {
            let v = (0..<n).map { _ in rng.normal() }
            let sorted = v.sorted()
            for k in Set([0, n / 2, n - 1, n / 3]) {
                var copy = v
                let got = copy.withUnsafeMutableBufferPointer { RobustTrend.select($0, 0, n - 1, k) }
                XCTAssertEqual(got, sorted[k])
            }
        }
    }

    func testChangePointsRespectMinimumSegmentAndMagnitude() {
        let flat = Array(repeating: 0.0, count: 12) + Array(repeating: log(1.01), count: 12)
        XCTAssertEqual(RobustTrend.changePoints(flat), [])  // 1% < the 2% minimum magnitude
        let step = Array(repeating: 0.0, count: 12) + Array(repeating: log(1.05), count: 12)
        XCTAssertEqual(RobustTrend.changePoints(step.enumerated().map { $0.element + ($0.offset % 2 == 0 ? 0.001 : -0.001) }), [12])
        // A step two runs from the end cannot make a segment of 3.
        let late = Array(repeating: 0.0, count: 20) + [log(1.1), log(1.1)]
        XCTAssertEqual(RobustTrend.changePoints(late.enumerated().map { $0.element + ($0.offset % 2 == 0 ? 0.001 : -0.001) }), [])
        // Up then back down: two change points.
        var bump = Array(repeating: 0.0, count: 10) + Array(repeating: log(1.1), count: 10) + Array(repeating: 0.0, count: 10)
        bump = bump.enumerated().map { $0.element + ($0.offset % 3 == 0 ? 0.002 : -0.001) }
        XCTAssertEqual(RobustTrend.changePoints(bump), [10, 20])
    }

    /// False-positive and detection rates over many seeds (LABEILLE_TRACKING_SIMULATION=1 to run; slow).
    func testSimulationOfFalseAlertRates() throws {
        guard ProcessInfo.processInfo.environment["LABEILLE_TRACKING_SIMULATION"] == "1" else {
            throw XCTSkip("set LABEILLE_TRACKING_SIMULATION=1")
        }
        var falseAlertSeries = 0, falseRegressing = 0, items = 0, stepFound = 0, stepCovered = 0, falseCP = 0
        let trials = 100
        for seed in 1...trials {
            let store = try Store(path: ":memory:")
            let pkgs = (0..<6).map { Self.flat("noisy\($0)", 2, cv: 0.05) }
            try makeSeries(store, name: "n", packages: pkgs, seed: UInt64(1000 + seed), pin: 3)
            let r = try analyze(store, "n")
            if r.gateFails { falseAlertSeries += 1 }
            falseRegressing += r.packages.filter { $0.classification == .regressing }.count
            falseCP += r.packages.filter { !$0.changePoints.isEmpty }.count
            items += r.packages.count
            let step = PackageShape(name: "s", seconds: 5, cv: 0.01, level: { $0 >= 12 ? 1.05 : 1 })
            try makeSeries(store, name: "s", packages: [step], seed: UInt64(5000 + seed))
            if let cp = try trend(try analyze(store, "s"), "s").changePoints.first, (11...13).contains(cp.position) {
                stepFound += 1
                if cp.ciLow <= 1.05 && cp.ciHigh >= 1.05 { stepCovered += 1 }
            }
        }
        // Low noise, many packages; and run-to-run noise (2% per package × run) on top of a 1% within-run CV.
        var lowGate = 0, driftGate = 0, lowRegressing = 0, driftRegressing = 0
        for seed in 1...trials {
            let store = try Store(path: ":memory:")
            try makeSeries(store, name: "low", packages: (0..<20).map { Self.flat("p\($0)", 1 + Double($0)) }, seed: UInt64(9000 + seed))
            var rng = RNG(state: UInt64(7000 + seed))
            let jitter = (0..<20).map { _ in (0..<31).map { _ in exp(0.02 * rng.normal()) } }
            let between = (0..<20).map { k in PackageShape(name: "q\(k)", seconds: 1 + Double(k), cv: 0.01, level: { jitter[k][$0] }) }
            try makeSeries(store, name: "between", packages: between, seed: UInt64(8000 + seed))
            let a = try analyze(store, "low"), b = try analyze(store, "between")
            falseCP += (a.packages + b.packages).filter { !$0.changePoints.isEmpty }.count
            if a.gateFails { lowGate += 1 }
            if b.gateFails { driftGate += 1 }
            lowRegressing += a.count(.regressing)
            driftRegressing += b.count(.regressing)
        }
        // Power: a 3% step in the last run only, and in the last 5 runs, CV 1%, pinned at run 1.
        var lastOnly = 0, lastFive = 0
        for seed in 1...trials {
            let store = try Store(path: ":memory:")
            try makeSeries(store, name: "l1", packages: [PackageShape(name: "s", seconds: 3, cv: 0.01, level: { $0 == 30 ? 1.03 : 1 })],
                           seed: UInt64(3000 + seed), pin: 1)
            try makeSeries(store, name: "l5", packages: [PackageShape(name: "s", seconds: 3, cv: 0.01, level: { $0 >= 26 ? 1.03 : 1 })],
                           seed: UInt64(4000 + seed), pin: 1)
            if try analyze(store, "l1").gateFails { lastOnly += 1 }
            if try analyze(store, "l5").gateFails { lastFive += 1 }
        }
        print("3% step, CV 1%, pinned run 1: alert when only the latest run is slower \(lastOnly)/\(trials), when the last 5 are \(lastFive)/\(trials)")
        print("flat CV 1%, 20 packages: false gate \(lowGate)/\(trials), regressing \(lowRegressing)/\(20 * trials)")
        print("run-to-run noise 2% + CV 1%, 20 packages: false gate \(driftGate)/\(trials), regressing \(driftRegressing)/\(20 * trials)")
        print("flat package series with a change point: \(falseCP)/\(trials * 46)")
        print("noisy flat CV 5%: false gate \(falseAlertSeries)/\(trials) series, regressing \(falseRegressing)/\(items) package series")
        print("5% step at 12/30, CV 1%: found \(stepFound)/\(trials), CI covers 1.05 in \(stepCovered)/\(stepFound)")
    }
}
