import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// `bench report`: the HTML parses as XML, has the expected sections, shows exactly the numbers of
/// `bench compare`, stays self-contained and small.
final class ReportTests: TemporaryFolderTestCase {
    override class var databaseName: String { "r.db" }
    var dbPath: String { db }

    // MARK: Helpers

    /// With LABEILLE_REPORT_KEEP_DIR set, keeps a rendered report there to look at it in a browser.
    func keep(_ html: String, _ name: String) {
        guard let dir = ProcessInfo.processInfo.environment["LABEILLE_REPORT_KEEP_DIR"] else { return }
        try? html.write(toFile: "\(dir)/\(name).html", atomically: true, encoding: .utf8)
    }

    func parse(_ html: String, file: StaticString = #filePath, line: UInt = #line) throws -> XMLDocument {
        do {
            return try XMLDocument(xmlString: html, options: [])
        } catch {
            XCTFail("the report is not well-formed XML: \(error)", file: file, line: line)
            throw error
        }
    }

    func elements(_ doc: XMLDocument, _ xpath: String) throws -> [XMLElement] {
        try doc.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }

    /// An attribute's value (looked up in the list: on Linux, `attribute(forName:)` misses attributes of
    /// elements in a default namespace).
    func attr(_ e: XMLElement, _ name: String) -> String? {
        e.attributes?.first { $0.name == name }?.stringValue
    }

    /// Exactly the same Double (both NaN counts as equal).
    func assertSame(_ text: String?, _ value: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let text, let parsed = Double(text) else { return XCTFail("\(what): no number in '\(text ?? "nil")'", file: file, line: line) }
        if parsed.isNaN && value.isNaN { return }
        XCTAssertEqual(parsed, value, what, file: file, line: line)
    }

    /// Self-contained: no script, no external reference (the XHTML and SVG namespaces are names, not fetches).
    func assertSelfContained(_ html: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(html.lowercased().contains("<script"), "a script element", file: file, line: line)
        let stripped = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/1999/xhtml\"", with: "")
            .replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        XCTAssertFalse(stripped.contains("http://"), "an http:// reference", file: file, line: line)
        XCTAssertFalse(stripped.contains("https://"), "an https:// reference", file: file, line: line)
        XCTAssertFalse(stripped.lowercased().contains("javascript:"), file: file, line: line)
        XCTAssertNil(stripped.range(of: " on[a-z]+=\"", options: .regularExpression), "an event handler attribute", file: file, line: line)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\""), file: file, line: line)
    }

    /// Every package row of the forest plot and of the table carries the numbers of the comparison.
    func assertNumbersMatch(_ doc: XMLDocument, _ sets: [ComparisonSet], file: StaticString = #filePath, line: UInt = #line) throws {
        let forest = try elements(doc, "//*[@class='forest-row']")
        let table = try elements(doc, "//*[@class='comparison-row']")
        XCTAssertEqual(forest.count, sets.reduce(0) { $0 + $1.comparisons.count }, "forest rows", file: file, line: line)
        XCTAssertEqual(table.count, forest.count, "table rows", file: file, line: line)
        for set in sets {
            for c in set.comparisons {
                for (kind, rows) in [("forest", forest), ("table", table)] {
                    let matches = rows.filter { attr($0, "data-package") == c.package && attr($0, "data-treatment") == c.treatment }
                    XCTAssertEqual(matches.count, 1, "\(kind) row of \(c.package)/\(c.treatment)", file: file, line: line)
                    guard let e = matches.first else { continue }
                    XCTAssertEqual(attr(e, "data-baseline"), c.baseline, file: file, line: line)
                    assertSame(attr(e, "data-ratio"), c.ratio, "\(kind) ratio of \(c.package)", file: file, line: line)
                    assertSame(attr(e, "data-ci-low"), c.ratioLow, "\(kind) CI low of \(c.package)", file: file, line: line)
                    assertSame(attr(e, "data-ci-high"), c.ratioHigh, "\(kind) CI high of \(c.package)", file: file, line: line)
                    assertSame(attr(e, "data-q"), c.qValue, "\(kind) q of \(c.package)", file: file, line: line)
                    assertSame(attr(e, "data-overhead-pct"), c.overheadPct, "\(kind) overhead of \(c.package)", file: file, line: line)
                    XCTAssertEqual(attr(e, "data-verdict"), c.verdict.rawValue, "\(kind) verdict of \(c.package)", file: file, line: line)
                }
                // The printed cells are `bench compare`'s strings.
                if let row = table.first(where: { attr($0, "data-package") == c.package && attr($0, "data-treatment") == c.treatment }) {
                    let cells = (row.children ?? []).compactMap { $0.stringValue }
                    XCTAssertEqual(cells.count, 11, file: file, line: line)
                    if cells.count == 11 {
                        XCTAssertEqual(cells[0], c.package, file: file, line: line)
                        XCTAssertEqual(cells[1], NumberText.f(c.medianBaseline, 2), file: file, line: line)
                        XCTAssertEqual(cells[2], NumberText.f(c.medianTreatment, 2), file: file, line: line)
                        XCTAssertEqual(cells[3], NumberText.pct(c.overheadPct), file: file, line: line)
                        XCTAssertEqual(cells[4], NumberText.ratio(c.ratio), file: file, line: line)
                        XCTAssertEqual(cells[5], c.ratioIntervalText, file: file, line: line)
                        XCTAssertEqual(cells[6], NumberText.pValue(c.qValue), file: file, line: line)
                        XCTAssertEqual(cells[7], c.welch.stars, file: file, line: line)
                        XCTAssertTrue(cells[8].hasSuffix(c.verdictText), cells[8], file: file, line: line)
                    }
                }
            }
            // Sorted by effect like `bench compare`: the forest rows of this set in table order.
            let order = forest.filter { attr($0, "data-treatment") == set.treatment }.compactMap { attr($0, "data-package") }
            XCTAssertEqual(order, RunReport.sortedByEffect(set.comparisons).map(\.package), "forest order", file: file, line: line)
            let cards = try elements(doc, "//*[@data-treatment and contains(@class, 'suite-summary')]")
                .filter { attr($0, "data-treatment") == set.treatment && attr($0, "data-baseline") == set.baseline }
            XCTAssertEqual(cards.count, 1, "suite summary of \(set.treatment)", file: file, line: line)
            if let card = cards.first {
                assertSame(attr(card, "data-geomean"), set.summary.geomeanRatio, "geomean", file: file, line: line)
                assertSame(attr(card, "data-geomean-low"), set.summary.geomeanLow, "geomean low", file: file, line: line)
                assertSame(attr(card, "data-geomean-high"), set.summary.geomeanHigh, "geomean high", file: file, line: line)
                for v in Verdict.allCases {
                    XCTAssertEqual(attr(card, "data-\(v.rawValue)"), String(set.summary.counts[v] ?? 0), v.rawValue, file: file, line: line)
                }
            }
        }
    }

    /// A synthetic run written through RunWriter, as `bench run` would store it.
    @discardableResult
    func makeRun(_ store: Store, benchID: String, packages: Int, conditions: [(name: String, factor: Double)],
                 iterations: Int = 10, seed: UInt64 = 1, kernel: String = "6.1.0", env: [String: [KeyValue]] = [:],
                 pythonVersions: [String: String] = [:], testsPerPackage: Int = 0, names: [String]? = nil) throws -> StoredRun {
        var meta = RunMeta(benchID: benchID)
        meta.name = "synthetic"
        meta.system.cpuModel = "Test CPU"
        meta.system.osName = "Linux"
        meta.system.osKernelVersion = kernel
        meta.config.iterations = iterations
        meta.config.warmup = 1
        meta.config.alternate = true
        meta.conditions = conditions.map { c in
            var d = ConditionDefinition(name: c.name)
            d.description = "condition \(c.name)"
            d.env = env[c.name] ?? []
            return d
        }
        meta.pythonProfiles = conditions.map { c in
            var p = PythonProfile()
            p.version = pythonVersions[c.name] ?? "3.14.0"
            p.implementation = "CPython"
            p.compiler = "GCC 12.2.0"
            p.path = "/opt/\(c.name)/bin/python3"
            return (name: c.name, profile: p)
        }
        meta.packagesTotal = packages
        meta.packagesCompleted = packages
        let w = try RunWriter(db: store.db, meta: meta, origin: "measured", sourceDir: nil)
        var rng = SplitMix64(seed: seed)
        try store.db.transaction {
            for p in 0..<packages {
                let name = names?[p % names!.count] ?? "package-\(String(format: "%03d", p))"
                var rec = PackageResultRecord(package: name)
                let base = 1.0 + Double(p % 17) * 0.7
                let effect = 1.0 + Double(p % 7 - 3) * 0.01
                for (ci, c) in conditions.enumerated() {
                    var cond = ConditionResultRecord(conditionName: c.name)
                    for i in 1...iterations {
                        let factor = c.factor * (ci == 0 ? 1 : effect)
                        let v = base * factor * exp(0.01 * rng.normal())
                        var it = IterationRecord(index: i, warmup: false, wallTimeS: v, userTimeS: v * 0.9, sysTimeS: v * 0.05,
                                                 peakRSSMB: 50 + Double(p), exitCode: 0, status: "ok")
                        it.round = i
                        it.roundPosition = ci
                        if testsPerPackage > 0 {
                            it.perTestParseSuccess = true
                            it.perTestTimings = (0..<testsPerPackage).map { t in
                                TestTiming(testID: "tests/test_mod\(t % 9).py::test_case_\(t)", phase: "call",
                                           durationS: 0.002 * Double(t + 1) * factor * exp(0.02 * rng.normal()))
                            }
                        }
                        cond.iterations.append(it)
                    }
                    rec.conditions.append(cond)
                }
                _ = try w.insertPackage(rec)
            }
        }
        return try XCTUnwrap(RunQueries.load(benchID: benchID, db: store.db))
    }

    // MARK: Tests

    func testFixtureReportSectionsAndNumbersEqualCompare() throws {
        let store = try Store(path: dbPath)
        _ = try Ingest.ingest(directory: TestSupport.fixtureRun, into: store)
        let run = try XCTUnwrap(RunQueries.load(benchID: "bench_20261127_221025", db: store.db))
        let html = try RunReport.render(store: store, runs: [run])
        assertSelfContained(html)
        let doc = try parse(html)
        for id in ["summary", "environment", "system-table", "conditions-table", "suite", "forest", "forest-1", "verdict-legend",
                   "comparisons", "comparison-1", "iterations", "anomalies", "anomaly-table", "pareto", "pareto-1", "method"] {
            XCTAssertEqual(try elements(doc, "//*[@id='\(id)']").count, 1, "section #\(id)")
        }
        let sets = try RunComparison.withinRun(store: store, run: run, baseline: nil, metric: "wall", threshold: 0.01)
        XCTAssertEqual(sets.count, 1)
        XCTAssertEqual(sets[0].comparisons.count, 6)
        try assertNumbersMatch(doc, sets)

        // One iteration plot per package, one dot per valid iteration (3 per condition), axis with its unit.
        let plots = try elements(doc, "//*[@id='iterations']//*[contains(@class, 'plot-cell')]")
        XCTAssertEqual(Set(plots.compactMap { attr($0, "data-package") }), Set(sets[0].comparisons.map(\.package)))
        XCTAssertEqual(try elements(doc, "//*[@id='iterations']//*[starts-with(@class, 'dot ')]").count, 6 * 2 * 3)
        XCTAssertTrue(html.contains(">wall time (s)</text>"))
        XCTAssertTrue(html.contains("ratio treatment/baseline (log scale"))

        // The anomalies are those of `bench show --anomalies`.
        let anomalies = try AnomalyDetector.detect(db: store.db, benchID: run.benchID)
        XCTAssertEqual(anomalies.filter { $0.type != "high_load" }.count, 7)
        // The fixture was measured at load 1.7–3.3 on 2 logical CPUs: the 10 package × conditions whose median
        // load (mean of start and end per iteration; numbers checked with Python's statistics.median) is
        // above 2 say so, tomli's two (1.72, 1.69) do not.
        let loaded = anomalies.filter { $0.type == "high_load" }
        XCTAssertEqual(loaded.count, 10)
        XCTAssertFalse(loaded.contains { $0.package == "tomli" })
        XCTAssertEqual(try elements(doc, "//*[@id='anomaly-table']//*[@class='anomaly']").count, anomalies.count)

        // Pareto charts: most affected packages with per-test data; their tests are `compare --per-test`'s.
        let paretos = try elements(doc, "//*[@class='pareto']")
        XCTAssertFalse(paretos.isEmpty)
        XCTAssertLessThanOrEqual(paretos.count, 5)
        let click = try XCTUnwrap(paretos.first { attr($0, "data-package") == "click" })
        let perTest = try RunComparison.perTest(store: store, run: run, package: "click", baseline: "py312", treatment: "py313", threshold: 0.01)
        let bars = try click.nodes(forXPath: ".//*[@class='pareto-bar']").compactMap { $0 as? XMLElement }
        XCTAssertFalse(bars.isEmpty)
        for bar in bars {
            guard let test = attr(bar, "data-test") else { continue }  // the "other tests" bar
            let c = try XCTUnwrap(perTest.first { $0.package == test }, test)
            assertSame(attr(bar, "data-diff-s"), c.medianTreatment - c.medianBaseline, "per-test difference of \(test)")
        }
        let shares = bars.compactMap { attr($0, "data-cumulative-pct").flatMap(Double.init) }
        XCTAssertEqual(shares, shares.sorted(), "cumulative share increases")
        XCTAssertEqual(shares.last ?? 0, 100, accuracy: 1e-9)

        // The environment: the two conditions differ in the interpreter; it is highlighted.
        let differing = try elements(doc, "//*[@id='conditions-table']//*[local-name()='td' and contains(@class, 'differs')]").map { $0.stringValue ?? "" }
        XCTAssertTrue(differing.contains("3.13.0 (CPython)"), "\(differing)")
        XCTAssertTrue(differing.contains("/usr/local/cpython-3.13.0/bin/python3.13"), "\(differing)")
        XCTAssertFalse(differing.contains("GCC 12.2.0"))

        // Every chart has hover titles.
        XCTAssertGreaterThan(try elements(doc, "//*[@id='forest-1']//*[local-name()='title']").count, 6)
    }

    func testMetricAndThresholdFollowCompare() throws {
        let store = try Store(path: dbPath)
        _ = try Ingest.ingest(directory: TestSupport.fixtureRun, into: store)
        let run = try XCTUnwrap(RunQueries.load(benchID: "bench_20261127_221025", db: store.db))
        let html = try RunReport.render(store: store, runs: [run], options: RunReportOptions(baseline: "py313", metric: "cpu", threshold: 0.2))
        let doc = try parse(html)
        let sets = try RunComparison.withinRun(store: store, run: run, baseline: "py313", metric: "cpu", threshold: 0.2)
        XCTAssertEqual(sets[0].baseline, "py313")
        try assertNumbersMatch(doc, sets)
        XCTAssertTrue(html.contains("CPU time, user + sys (s)"))
    }

    func testSeveralRunsHighlightEnvironmentDifferencesAndMatchCompare() throws {
        let store = try Store(path: dbPath)
        let a = try makeRun(store, benchID: "bench_a", packages: 12, conditions: [("jit", 1.0), ("nojit", 1.0)], seed: 1,
                            kernel: "6.1.0", env: ["jit": [KeyValue("PYTHON_JIT", "1")]], pythonVersions: ["jit": "3.14.0"])
        let b = try makeRun(store, benchID: "bench_b", packages: 12, conditions: [("jit", 1.05), ("nojit", 1.0)], seed: 2,
                            kernel: "6.5.0", env: ["jit": [KeyValue("PYTHON_JIT", "0")]], pythonVersions: ["jit": "3.14.1"])
        let html = try RunReport.render(store: store, runs: [a, b])
        keep(html, "two-runs")
        assertSelfContained(html)
        let doc = try parse(html)
        let sets = try RunComparison.acrossRuns(store: store, runs: [a, b], baseline: nil, metric: "wall", threshold: 0.01)
        XCTAssertEqual(sets.map(\.treatment), ["bench_b/jit", "bench_b/nojit"])
        try assertNumbersMatch(doc, sets)
        XCTAssertEqual(try elements(doc, "//*[@id='forest-2']").count, 1)
        // Kernel differs between the runs; the CPU does not.
        let differingRows = try elements(doc, "//*[@id='system-table']//*[local-name()='tr' and @data-differs='true']").compactMap { $0.children?.first?.stringValue }
        XCTAssertTrue(differingRows.contains("Kernel ≠"), "\(differingRows)")
        XCTAssertFalse(differingRows.contains { $0.hasPrefix("CPU") }, "\(differingRows)")
        // Python version and the PYTHON_JIT variable of bench_b/jit differ from bench_a/jit.
        let row = try XCTUnwrap(try elements(doc, "//*[@id='conditions-table']//*[local-name()='tr' and @data-condition='bench_b/jit']").first)
        let marked = try row.nodes(forXPath: ".//*[contains(@class, 'differs')] | .//*[local-name()='mark']").compactMap(\.stringValue)
        XCTAssertTrue(marked.contains("3.14.1 (CPython)"), "\(marked)")
        XCTAssertTrue(marked.contains("PYTHON_JIT=0"), "\(marked)")
        let nojit = try XCTUnwrap(try elements(doc, "//*[@id='conditions-table']//*[local-name()='tr' and @data-condition='bench_b/nojit']").first)
        XCTAssertTrue(try nojit.nodes(forXPath: ".//*[contains(@class, 'differs')] | .//*[local-name()='mark']").isEmpty)
        // No per-test Pareto across runs (their iterations never pair).
        XCTAssertTrue(try elements(doc, "//*[@id='pareto']").isEmpty)
    }

    func testHundredPackagesStayUnderTwoMegabytes() throws {
        let store = try Store(path: dbPath)
        let run = try makeRun(store, benchID: "bench_100", packages: 100,
                              conditions: [("base", 1.0), ("jit", 1.0), ("ft", 1.02)], iterations: 10, testsPerPackage: 40)
        let start = Date()
        let html = try RunReport.render(store: store, runs: [run])
        let elapsed = Date().timeIntervalSince(start)
        let size = html.utf8.count
        print("100 packages × 3 conditions × 10 iterations, 40 tests each: \(size) bytes (\(size / 1024) KB) in \(String(format: "%.2f", elapsed))s")
        XCTAssertLessThan(size, 2_000_000)
        keep(html, "hundred-packages")
        assertSelfContained(html)
        let doc = try parse(html)
        XCTAssertEqual(try elements(doc, "//*[@class='forest-row']").count, 200)
        XCTAssertEqual(try elements(doc, "//*[@id='iterations']//*[contains(@class, 'plot-cell')]").count, 100)
        XCTAssertEqual(try elements(doc, "//*[@class='pareto']").count, 10)
        let sets = try RunComparison.withinRun(store: store, run: run, baseline: nil, metric: "wall", threshold: 0.01)
        try assertNumbersMatch(doc, sets)
    }

    func testHostileNamesAreEscaped() throws {
        let store = try Store(path: dbPath)
        let names = ["<script>alert(\"x\")</script>", "a&b 'q' \"dq\"", "ctl\u{1}char\u{7F}", "https://evil.example/x", "multi\nline"]
        let run = try makeRun(store, benchID: "bench_esc", packages: 5, conditions: [("c<1>", 1.0), ("c&2", 1.1)],
                              env: ["c&2": [KeyValue("K<", "v\">&")]], names: names)
        let html = try RunReport.render(store: store, runs: [run])
        keep(html, "hostile-names")
        XCTAssertFalse(html.contains("<script"))
        XCTAssertTrue(html.contains("&lt;script&gt;"))
        let doc = try parse(html)
        let forest = try elements(doc, "//*[@class='forest-row']").compactMap { attr($0, "data-package") }
        // The names come back intact from the attributes (control characters replaced).
        XCTAssertEqual(Set(forest), Set(names.map { $0.replacingOccurrences(of: "\u{1}", with: "\u{FFFD}") }))
        XCTAssertFalse(try elements(doc, "//*[local-name()='mark']").isEmpty)
    }

    func testSingleConditionRunStillReports() throws {
        let store = try Store(path: dbPath)
        let run = try makeRun(store, benchID: "bench_one", packages: 3, conditions: [("only", 1.0)])
        let html = try RunReport.render(store: store, runs: [run])
        let doc = try parse(html)
        XCTAssertTrue(html.contains("nothing to compare"))
        XCTAssertEqual(try elements(doc, "//*[@id='iterations']//*[contains(@class, 'plot-cell')]").count, 3)
        XCTAssertTrue(try elements(doc, "//*[@class='forest-row']").isEmpty)
    }

    func testWriterEscapesAndBalances() {
        XCTAssertEqual(HTMLWriter.escapeText("a<b>&c\"'"), "a&lt;b&gt;&amp;c\"'")
        XCTAssertEqual(HTMLWriter.escapeAttribute("a<b>&c\"'\n\t"), "a&lt;b&gt;&amp;c&quot;&#39;&#10;&#9;")
        XCTAssertEqual(HTMLWriter.escapeText("x\u{0}y\u{FFFE}"), "x\u{FFFD}y\u{FFFD}")
        var w = HTMLWriter()
        w.element("p", ["title": "1 < 2", "hidden": nil]) { w in
            w.text("a & b")
            w.leaf("br")
        }
        XCTAssertEqual(w.finish(), "<p title=\"1 &lt; 2\">a &amp; b<br/></p>")
        XCTAssertEqual(LogScale(domain: (0.5, 2), range: (0, 100))(1), 50, accuracy: 1e-9)
        XCTAssertTrue(LogScale(domain: (0.8, 1.25), range: (0, 400)).ticks().contains(1))
        XCTAssertEqual(LinearScale(domain: (0, 10), range: (0, 100)).ticks(count: 5), [0, 2, 4, 6, 8, 10])
        XCTAssertEqual([2.9, 2.925, 2.95].map { Axis.tickNumber($0, step: 0.025) }, ["2.900", "2.925", "2.950"])
        XCTAssertEqual([10, 20].map { Axis.tickNumber($0, step: 10) }, ["10", "20"])
    }

    // MARK: CLI

    func testCommandWritesTheReportAtomically() throws {
        let out = dir.appendingPathComponent("report.html").path
        let r = try TestSupport.labeille(["bench", "report", "--db", dbPath, TestSupport.fixtureRun, "-o", out])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Wrote \(out)"), r.stdout)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        _ = try parse(html)
        assertSelfContained(html)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }, [])
        // The same numbers as `bench compare --format json`.
        let json = try JSONParser.parse(try TestSupport.labeille(["bench", "compare", "--db", dbPath, "bench_20261127_221025", "--format", "json"]).stdout)
        guard case .array(let comps)? = json["comparisons"] else { return XCTFail("no comparisons") }
        let doc = try parse(html)
        for c in comps {
            guard case .string(let pkg)? = c["package"], case .number(let ratio)? = c["ratio"] else { continue }
            let row = try XCTUnwrap(try elements(doc, "//*[@class='forest-row']").first { attr($0, "data-package") == pkg })
            XCTAssertEqual(Double(attr(row, "data-ratio") ?? "") ?? .nan, ratio, accuracy: 1e-12 * ratio, pkg)
        }
    }

    func testCommandErrorsAreOneLineWithExitCode2() throws {
        XCTAssertEqual(try TestSupport.labeille(["bench", "ingest", "--db", dbPath, TestSupport.fixtureRun]).code, 0)
        let out = dir.appendingPathComponent("x.html").path
        func check(_ args: [String], _ needle: String) throws {
            let r = try TestSupport.labeille(["bench", "report", "--db", dbPath] + args)
            XCTAssertEqual(r.code, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(needle), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count, 1, "one line: \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        try check(["bench_nope", "-o", out], "unknown run 'bench_nope'")
        try check(["-o", out], "give RUN arguments")
        try check(["bench_20261127_221025"], "missing -o/--output")
        try check(["bench_20261127_221025", "-o", "/nonexistent/dir/x.html"], "cannot write /nonexistent/dir/x.html")
        try check(["bench_20261127_221025", "-o", dir.path], "it is a directory")
        try check(["bench_20261127_221025", "-o", out, "--metric", "bogus"], "The value 'bogus' is invalid for '--metric <metric>'. Please provide one of 'wall', 'cpu', 'rss' or 'instructions'.")
        try check(["bench_20261127_221025", "-o", out, "--baseline", "nope"], "baseline 'nope' not found")
    }
}

/// `bench report --series`: the series report parses, marks change points and the pinned baseline where
/// `track trend` finds them, and shows its classifications and alerts.
final class SeriesReportTests: XCTestCase {
    var dir: URL!
    var dbPath: String { dir.appendingPathComponent("s.db").path }

    override func setUp() { dir = TestSupport.tempDir() }

    func elements(_ doc: XMLDocument, _ xpath: String) throws -> [XMLElement] {
        try doc.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }
    func attr(_ e: XMLElement, _ name: String) -> String? { e.attributes?.first { $0.name == name }?.stringValue }

    /// A series of `runs` runs through RunWriter and Tracking.add (commit sha=c<r>): package `step` is 5% slower
    /// from run 12 on, `flat` does not move; both with CV 1% over 5 iterations.
    func makeSeries(_ store: Store, name: String, runs: Int = 30, pin: Int? = nil) throws {
        var rng = SplitMix64(seed: 7)
        try Tracking.create(name: name, description: "synthetic <series> & co", db: store.db)
        for r in 1...runs {
            let benchID = "\(name)-run\(String(format: "%02d", r))"
            var meta = RunMeta(benchID: benchID)
            meta.startTime = String(format: "2026-01-%02dT00:00:00Z", r)
            meta.conditions = [ConditionDefinition(name: "base"), ConditionDefinition(name: "jit")]
            meta.config.iterations = 5
            meta.config.warmup = 0
            try store.db.transaction {
                let w = try RunWriter(db: store.db, meta: meta, origin: "measured", sourceDir: nil)
                for (pkg, seconds, step) in [("step", 4.0, r >= 12 ? 1.05 : 1.0), ("flat", 2.0, 1.0)] {
                    var rec = PackageResultRecord(package: pkg)
                    for c in ["base", "jit"] {
                        var cr = ConditionResultRecord(conditionName: c)
                        for i in 1...5 {
                            let v = seconds * step * exp(0.01 * rng.normal())
                            cr.iterations.append(IterationRecord(index: i, warmup: false, wallTimeS: v, userTimeS: v, sysTimeS: 0,
                                                                 peakRSSMB: 10, exitCode: 0, status: "ok"))
                        }
                        rec.conditions.append(cr)
                    }
                    _ = try w.insertPackage(rec)
                }
            }
            try Tracking.add(seriesName: name, benchID: benchID, notes: "run \(r)", commit: [KeyValue("sha", "c\(r)")], db: store.db)
        }
        if let pin { try Tracking.pin(seriesName: name, benchID: "\(name)-run\(String(format: "%02d", pin))", db: store.db) }
    }

    func testSeriesReportMarksChangePointsPinAndClassifications() throws {
        let store = try Store(path: dbPath)
        try makeSeries(store, name: "nightly", pin: 3)
        let html = try SeriesReport.render(store: store, series: "nightly")
        if let keep = ProcessInfo.processInfo.environment["LABEILLE_REPORT_KEEP_DIR"] {
            try? html.write(toFile: keep + "/series.html", atomically: true, encoding: .utf8)
        }
        XCTAssertFalse(html.lowercased().contains("<script"))
        let stripped = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/1999/xhtml\"", with: "")
            .replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        XCTAssertFalse(stripped.contains("http://") || stripped.contains("https://"))
        let doc = try XMLDocument(xmlString: html, options: [])
        for id in ["summary", "runs", "runs-table", "classification", "classification-table", "alerts", "trends", "method"] {
            XCTAssertEqual(try elements(doc, "//*[@id='\(id)']").count, 1, "section #\(id)")
        }
        // The same analysis as `track trend`.
        let expected = TrendAnalyzer.analyze(try SeriesPointQuery.load(db: store.db, seriesName: "nightly"))
        XCTAssertEqual(expected.packages.count, 4)
        let rows = try elements(doc, "//*[@class='trend-row']")
        XCTAssertEqual(rows.count, 4)
        for t in expected.packages {
            let row = try XCTUnwrap(rows.first { attr($0, "data-package") == t.package && attr($0, "data-condition") == t.condition })
            XCTAssertEqual(attr(row, "data-classification"), t.classification.rawValue)
            XCTAssertEqual(attr(row, "data-change-points"), t.changePoints.map { String($0.position) }.joined(separator: " "))
            let chart = try XCTUnwrap(try elements(doc, "//*[contains(@class, 'trend-cell')]")
                .first { attr($0, "data-package") == t.package && attr($0, "data-condition") == t.condition })
            XCTAssertEqual(try chart.nodes(forXPath: ".//*[@class='trend-point']").count, 30)
            let marks = try chart.nodes(forXPath: ".//*[@class='change-point-mark']").compactMap { $0 as? XMLElement }
            XCTAssertEqual(marks.compactMap { attr($0, "data-position") }, t.changePoints.map { String($0.position) })
            for (m, cp) in zip(marks, t.changePoints) { XCTAssertEqual(Double(attr(m, "data-ratio") ?? ""), cp.ratio) }
            // The pinned run is marked on every chart.
            let pins = try chart.nodes(forXPath: ".//*[@class='pinned-mark']").compactMap { $0 as? XMLElement }
            XCTAssertEqual(pins.compactMap { attr($0, "data-position") }, ["3"])
        }
        // The 5% step at run 12 is found (±1 run) on both conditions of `step`, and none on `flat`.
        for c in ["base", "jit"] {
            let step = try XCTUnwrap(expected.packages.first { $0.package == "step" && $0.condition == c })
            XCTAssertTrue(step.changePoints.contains { abs($0.position - 12) <= 1 }, "\(step.changePoints)")
            let flat = try XCTUnwrap(expected.packages.first { $0.package == "flat" && $0.condition == c })
            XCTAssertTrue(flat.changePoints.isEmpty)
        }
        // Commit ids in the hover titles of the points.
        XCTAssertTrue(html.contains("position 12: nightly-run12, commit c12"))
        // Alerts: as many rows as `track alert` reports.
        XCTAssertEqual(try elements(doc, "//*[@id='alerts-table']//*[@class='alert']").count, expected.alerts.count)
        XCTAssertEqual(try elements(doc, "//*[contains(@class, 'series-summary')]").first.flatMap { attr($0, "data-regressing") },
                       String(expected.count(.regressing)))
        XCTAssertTrue(html.contains("synthetic &lt;series&gt; &amp; co"))
    }

    func testSeriesCommand() throws {
        let store = try Store(path: dbPath)
        try makeSeries(store, name: "nightly", runs: 8)
        let out = dir.appendingPathComponent("series.html").path
        var r = try TestSupport.labeille(["bench", "report", "--db", dbPath, "--series", "nightly", "-o", out])
        XCTAssertEqual(r.code, 0, r.stderr)
        _ = try XMLDocument(xmlString: try String(contentsOfFile: out, encoding: .utf8), options: [])
        r = try TestSupport.labeille(["bench", "report", "--db", dbPath, "--series", "nope", "-o", out + "2"])
        XCTAssertEqual(r.code, 2)
        XCTAssertEqual(r.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("nope"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "2"))
        r = try TestSupport.labeille(["bench", "report", "--db", dbPath, "--series", "nightly", "bench_x", "-o", out])
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.stderr.contains("either RUN arguments or --series"), r.stderr)
    }
}
