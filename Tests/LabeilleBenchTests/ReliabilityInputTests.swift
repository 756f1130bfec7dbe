import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// Hostile and broken inputs through the real binary: every one is refused with one line naming the file
/// (and line), exit 2, and an unchanged database; none crashes or hangs.
final class ReliabilityInputTests: TemporaryFolderTestCase {
    override class var databaseName: String { "l.db" }

    /// Runs the binary and checks exit 2, one `error:` line containing every needle.
    @discardableResult
    func refused(_ args: [String], _ needles: [String], cwd: String? = nil,
                 file: StaticString = #filePath, line: UInt = #line) throws -> TestSupport.Result {
        let r = try TestSupport.labeille(args, cwd: cwd)
        XCTAssertEqual(r.code, 2, "\(args): \(r.stderr)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("error: ") || r.stderr.hasPrefix("Error: "), r.stderr, file: file, line: line)
        for n in needles { XCTAssertTrue(r.stderr.contains(n), "'\(n)' not in: \(r.stderr)", file: file, line: line) }
        return r
    }

    func ingestFixture() throws {
        XCTAssertEqual(try TestSupport.labeille(["bench", "ingest", "--db", db, TestSupport.fixtureRun]).code, 0)
    }

    // MARK: - Numbers at the edge

    func testTinyThresholdsAreRefusedInsteadOfTrapping() throws {
        try ingestFixture()
        for t in ["1e-10", "1e-12", "0", "1", "nan", "inf"] {
            try refused(["bench", "compare", "--db", db, "bench_20261127_221025", "--threshold", t], ["--threshold", "1e-6"])
        }
        try refused(["bench", "report", "--db", db, "bench_20261127_221025", "--threshold", "1e-12", "-o", dir.appendingPathComponent("r.html").path],
                    ["--threshold"])
        XCTAssertEqual(try TestSupport.labeille(["bench", "compare", "--db", db, "bench_20261127_221025", "--threshold", "1e-6"]).code, 0)
        // The statistics themselves no longer convert an unbounded Double to Int.
        let c = Comparator.compare(package: "p", baseline: "a", treatment: "b", metric: "wall",
                                   a: [1, 1.1, 0.9, 1.05, 0.95, 1.02], b: [1, 1.1, 0.9, 1.05, 0.95, 1.01], threshold: 1e-300)
        XCTAssertNil(c.iterationsNeeded)
    }

    func testHugeTimesFormatWithoutTrapping() {
        XCTAssertEqual(NumberText.time(1e19), "1.000e+19s")
        XCTAssertEqual(NumberText.time(1e300), "1.000e+300s")
        XCTAssertEqual(NumberText.time(125), "2m05s")
        XCTAssertEqual(SQLValue.real(1e300).intValue, nil)
    }

    func testRunOptionsOutOfRangeAreRefusedBeforeAnyWork() throws {
        let base = ["bench", "run", "--db", db, "--registry-dir", dir.path, "--target-python", "/bin/false"]
        try refused(base + ["--timeout", "9223372036854775807"], ["timeout", "604800"])
        try refused(base + ["--warmup", "9223372036854775807"], ["warmup", "1000"])
        try refused(base + ["--iterations", "9223372036854775807"], ["iterations", "10000"])
        try refused(base + ["--top", "9223372036854775807"], ["top_n"])
        try refused(base + ["--memory-limit", "9223372036854775807"], ["memory-limit"])
        try refused(base + ["--cpu-affinity", "0-50000000"], ["--cpu-affinity", "50000000"])
        try refused(base + ["--condition", "a:target_python=/bin/false,cpu_affinity=0-100000000"], ["cpu_affinity"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: db), "refused before the database is touched")
    }

    func testCPUsBeyondThisMachineAreRefusedBeforeSetup() throws {
        var cli = CLIOverrides()
        cli.cpuAffinity = "500"
        cli.registryDir = dir.path
        cli.targetPython = "/bin/sh"
        let s = try BenchSettings.resolve(profile: nil, cli: cli, inlineConditions: [])
        let problems = s.pathProblems().map(\.description)
        XCTAssertTrue(problems.contains { $0.contains("CPU 500 does not exist") }, "\(problems)")
    }

    func testProfileErrorsNameFileAndLine() throws {
        let profile = dir.appendingPathComponent("p.yaml").path
        let base = ["bench", "run", "--db", db, "--registry-dir", dir.path, "--profile", profile]
        for (text, needle) in [("name: x\niterations: 2\n", "p.yaml:2: iterations"), ("timeout: 0\n", "p.yaml:1: timeout"),
                               ("timeout: 1e19\n", "p.yaml:1: timeout"), ("warmup: 5000\n", "p.yaml:1: warmup"),
                               ("default_constraints:\n  cpu_affinity: \"0-100000000\"\n", "p.yaml:2")] {
            try text.write(toFile: profile, atomically: true, encoding: .utf8)
            try refused(base, [needle])
        }
        try refused(["bench", "run", "--db", db, "--profile", dir.path], [dir.path, "not a regular file"])
    }

    // MARK: - Files

    func testResultsFilesThatAreNotRegularFilesAreRefused() throws {
        let run = try TestSupport.copyFixture(to: dir)
        let results = run.appendingPathComponent("bench_results.jsonl").path
        try FileManager.default.removeItem(atPath: results)
        XCTAssertEqual(mkfifo(results, 0o644), 0)
        try refused(["bench", "ingest", "--db", db, run.path], [results, "FIFO"])
        try FileManager.default.removeItem(atPath: results)
        try FileManager.default.createSymbolicLink(atPath: results, withDestinationPath: "/dev/zero")
        try refused(["bench", "ingest", "--db", db, run.path], [results, "character device"])
        try FileManager.default.removeItem(atPath: results)
        try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: false)
        try refused(["bench", "ingest", "--db", db, run.path], [results, "directory"])
    }

    func testALineLongerThanTheCapIsRefusedWithItsLine() throws {
        let path = dir.appendingPathComponent("long.jsonl").path
        try ("{}\n" + String(repeating: "x", count: 3 << 20)).write(toFile: path, atomically: true, encoding: .utf8)
        let reader = try LineReader(path: path, maxLineBytes: 2 << 20)
        XCTAssertNotNil(try reader.nextLine { _ in 0 })
        XCTAssertThrowsError(try reader.nextLine { _ in 0 }) { XCTAssertEqual(($0 as? LineTooLong)?.line, 2) }
    }

    /// Each garbage value that used to be accepted is refused with file:line, and nothing is stored.
    func testGarbageInResultsIsRefusedWithFileAndLine() throws {
        try ingestFixture()
        let before = try TestSupport.rowCounts(try Store(path: db).db)
        let original = try Data(contentsOf: URL(fileURLWithPath: TestSupport.fixtureRun + "/bench_results.jsonl"))
        let firstLine = String(decoding: original.split(separator: 0x0A)[0], as: UTF8.self)
        let iteration = "\"wall_time_s\": 19.021188"
        XCTAssertTrue(firstLine.contains(iteration))
        var cases: [(String, Data)] = [
            ("negative time", Data(firstLine.replacingOccurrences(of: iteration, with: "\"wall_time_s\": -1.5").utf8)),
            ("huge time", Data(firstLine.replacingOccurrences(of: iteration, with: "\"wall_time_s\": 1e19").utf8)),
            ("1e300", Data(firstLine.replacingOccurrences(of: iteration, with: "\"wall_time_s\": 1e300").utf8)),
            ("NaN", Data(firstLine.replacingOccurrences(of: iteration, with: "\"wall_time_s\": NaN").utf8)),
            ("leading zero", Data(firstLine.replacingOccurrences(of: iteration, with: "\"wall_time_s\": 007").utf8)),
            ("bare dot", Data(firstLine.replacingOccurrences(of: iteration, with: "\"wall_time_s\": 1.").utf8)),
            ("unknown status", Data(firstLine.replacingOccurrences(of: "\"status\": \"ok\"", with: "\"status\": \"okay\"").utf8)),
            ("duplicate key", Data(firstLine.replacingOccurrences(of: iteration, with: "\(iteration), \(iteration)").utf8)),
            ("NUL in name", Data(firstLine.replacingOccurrences(of: "\"package\": \"click\"", with: "\"package\": \"cl\\u0000ick\"").utf8)),
            ("slash in name", Data(firstLine.replacingOccurrences(of: "\"package\": \"click\"", with: "\"package\": \"../click\"").utf8)),
            ("condition ..", Data(firstLine.replacingOccurrences(of: "\"py312\":", with: "\"..\":").utf8)),
            ("exit code", Data(firstLine.replacingOccurrences(of: "\"exit_code\": 0", with: "\"exit_code\": 99999999999").utf8)),
            ("duplicate package", Data((firstLine + "\n" + firstLine).utf8)),
        ]
        var invalidUTF8 = Data(firstLine.replacingOccurrences(of: "\"package\": \"click\"", with: "\"package\": \"cl#ick\"").utf8)
        invalidUTF8[invalidUTF8.firstIndex(of: UInt8(ascii: "#"))!] = 0xFF
        cases.append(("invalid UTF-8", invalidUTF8))
        for (label, content) in cases {
            let run = dir.appendingPathComponent("run-\(label.filter(\.isLetter))")
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            var meta = try String(contentsOfFile: TestSupport.fixtureRun + "/bench_meta.json", encoding: .utf8)
            meta = meta.replacingOccurrences(of: "bench_20261127_221025", with: "bench_garbage")
            try meta.write(to: run.appendingPathComponent("bench_meta.json"), atomically: true, encoding: .utf8)
            try content.write(to: run.appendingPathComponent("bench_results.jsonl"))
            let lineNo = label == "duplicate package" ? 2 : 1
            try refused(["bench", "ingest", "--db", db, run.path], ["bench_results.jsonl:\(lineNo):"])
            XCTAssertEqual(try TestSupport.rowCounts(try Store(path: db).db), before, label)
        }
    }

    func testMetaErrorsNameTheLine() throws {
        let run = try TestSupport.copyFixture(to: dir)
        let meta = run.appendingPathComponent("bench_meta.json")
        var text = try String(contentsOf: meta, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"iterations\": 3", with: "\"iterations\": -3")
        try text.write(to: meta, atomically: true, encoding: .utf8)
        let r = try refused(["bench", "ingest", "--db", db, run.path], ["bench_meta.json:", "iterations"])
        XCTAssertNotNil(r.stderr.range(of: #"bench_meta\.json:\d+: "#, options: .regularExpression), r.stderr)
    }

    // MARK: - Names and output paths

    func testUnsafeAndDuplicateConditionNamesAreRefused() throws {
        for name in ["..", ".", "a/b", "-x", "a\u{1}b"] {
            XCTAssertThrowsError(try ConditionParser.parseInline("\(name):target_python=/bin/sh"), name)
        }
        XCTAssertThrowsError(try BenchSettings.resolve(profile: nil, cli: CLIOverrides(),
                                                       inlineConditions: ["a:target_python=/bin/sh", "a:target_python=/bin/true"])) {
            XCTAssertTrue("\($0)".contains("more than once"), "\($0)")
        }
        var cli = CLIOverrides()
        cli.packages = ["ok,../evil"]
        XCTAssertThrowsError(try BenchSettings.resolve(profile: nil, cli: cli, inlineConditions: ["a:target_python=/bin/sh"])) {
            XCTAssertTrue("\($0)".contains("'../evil'"), "\($0)")
        }
    }

    func testRelativePathsAreMadeAbsolute() throws {
        var cli = CLIOverrides()
        cli.workDir = "work"
        cli.resultsDir = "out"
        cli.registryDir = "../reg"
        cli.targetPython = "venv/bin/python"
        let s = try BenchSettings.resolve(profile: nil, cli: cli, inlineConditions: ["b:target_python=python3"]).withAbsolutePaths(relativeTo: "/home/u/x")
        XCTAssertEqual(s.workDir, "/home/u/x/work")
        XCTAssertEqual(s.reposDir, "/home/u/x/work/repos")
        XCTAssertEqual(s.venvsDir, "/home/u/x/work/venvs")
        XCTAssertEqual(s.resultsDir, "/home/u/x/out")
        XCTAssertEqual(s.registryDir, "/home/u/reg")
        XCTAssertEqual(s.defaultTargetPython, "/home/u/x/venv/bin/python")
        XCTAssertEqual(s.conditions[0].targetPython, "python3")
    }

    func testExportWritesOnlyRegularFilesOrStdout() throws {
        try ingestFixture()
        let target = dir.appendingPathComponent("target.csv").path
        try "keep".write(toFile: target, atomically: true, encoding: .utf8)
        let link = dir.appendingPathComponent("link.csv").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        try refused(["bench", "export", "--db", db, "bench_20261127_221025", "-o", link], ["symbolic link"])
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), target)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "keep")
        let fifo = dir.appendingPathComponent("fifo.csv").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        try refused(["bench", "export", "--db", db, "bench_20261127_221025", "-o", fifo], ["FIFO"])
        var st = stat()
        XCTAssertEqual(lstat(fifo, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO)
        let r = try TestSupport.labeille(["bench", "export", "--db", db, "bench_20261127_221025", "-o", "-"])
        XCTAssertEqual(r.code, 0)
        XCTAssertTrue(r.stdout.hasPrefix("package,condition,iteration"))
        XCTAssertEqual(try TestSupport.labeille(["bench", "export", "--db", db, "bench_20261127_221025", "-o", target]).code, 0)
    }

    // MARK: - The database

    func testReadOnlyCommandsCreateNothing() throws {
        let missing = dir.appendingPathComponent("typo/sub/x.db").path
        try refused(["bench", "show", "--list", "--db", missing], ["no database at", missing])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("typo").path))
        for args in [["bench", "show", "--list"], ["bench", "show"], ["bench", "track", "list"], ["bench", "compare", "bench_x"]] {
            let r = try TestSupport.labeille(args, environment: ["PATH": "/usr/bin:/bin"], cwd: dir.path)
            XCTAssertEqual(r.code, 2, "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("results").path), "\(args) created results/")
        }
    }

    func testForeignDatabaseIsRefusedAndLeftAlone() throws {
        let foreign = dir.appendingPathComponent("other.db").path
        let sqlite = try XCTUnwrap(TestSupport.which("sqlite3"))
        XCTAssertEqual(try TestSupport.run(sqlite, [foreign, "CREATE TABLE accounts(id INTEGER, balance REAL); INSERT INTO accounts VALUES (1, 2.5);"]).code, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: foreign))
        try refused(["bench", "ingest", "--db", foreign, TestSupport.fixtureRun], ["another program", "accounts"])
        try refused(["bench", "show", "--list", "--db", foreign], ["another program"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: foreign)), before)
        XCTAssertEqual(try TestSupport.run(sqlite, [foreign, ".tables"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "accounts")
    }

    /// A database file the user cannot write is read (as an unprivileged user when the tests run as root).
    func testReadOnlyDatabaseFileCanBeRead() throws {
        try ingestFixture()
        _ = try Store(path: db)  // checkpointed and closed: the WAL is empty
        chmod(db, 0o444)
        chmod(dir.path, 0o555)
        defer { chmod(dir.path, 0o755) }
        var args = [TestSupport.binary, "bench", "show", "--list", "--db", db]
        var program = TestSupport.binary
        if geteuid() == 0 {
            guard let setpriv = TestSupport.which("setpriv") else { throw XCTSkip("setpriv is needed to drop root") }
            program = setpriv
            args = ["--reuid=65534", "--regid=65534", "--clear-groups"] + args
        } else {
            args.removeFirst()
        }
        let r = try TestSupport.run(program, args)
        if r.stderr.contains("Permission denied") && r.stderr.contains(TestSupport.binary) {
            throw XCTSkip("the unprivileged user cannot reach the binary here")
        }
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("bench_20261127_221025"), r.stdout)
    }

    /// A writer behind a long write (longer than the old 10 s busy timeout) waits, says so once, and succeeds.
    func testWriterWaitsForTheLockAsLongAsNeeded() throws {
        _ = try Store(path: db)
        let python = try XCTUnwrap(TestSupport.which("python3"))
        let ready = dir.appendingPathComponent("locked").path
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: python)
        holder.arguments = ["-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            c.execute("INSERT INTO schema_views(file, sql_hash) VALUES ('lock-holder', 'x')")
            open(sys.argv[2], "w").close()
            time.sleep(11)
            c.execute("ROLLBACK")
            """, db, ready]
        try holder.run()
        while !FileManager.default.fileExists(atPath: ready) && holder.isRunning { usleep(20_000) }
        let r = try TestSupport.labeille(["bench", "ingest", "--db", db, TestSupport.fixtureRun])
        holder.waitUntilExit()
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "waiting for another process").count - 1, 1, r.stderr)
        XCTAssertEqual(try Store(path: db).db.scalar("SELECT COUNT(*) FROM run").intValue, 1)
    }

    /// Several processes creating and migrating the same new database at once all succeed.
    func testConcurrentCreationOfANewDatabase() throws {
        for round in 0..<6 {
            let path = dir.appendingPathComponent("new-\(round).db").path
            let procs: [Process] = try (0..<3).map { i in
                let p = Process()
                p.executableURL = URL(fileURLWithPath: TestSupport.binary)
                p.arguments = i == 0 ? ["bench", "ingest", "--db", path, TestSupport.fixtureRun] : ["bench", "track", "init", "s\(i)", "--db", path]
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                try p.run()
                return p
            }
            for p in procs { p.waitUntilExit() }
            XCTAssertEqual(procs.map(\.terminationStatus), [0, 0, 0], "round \(round)")
        }
    }
}
