import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// Paths and helpers shared by the tests: real temporary folders, real SQLite files, the real binary.
enum TestSupport {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtureRun = repoRoot.appendingPathComponent("examples/bench_20261127_221025").path

    static func tempDir(_ name: String = #function) -> URL {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("labeille-tests-\(safe)-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        TemporaryFolderSweeper.shared.register(url)
        return url
    }

    /// The built `labeille` executable next to the test bundle.
    static var binary: String {
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("labeille").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return repoRoot.appendingPathComponent(".build/debug/labeille").path
    }

    struct Result { var code: Int32; var stdout: String; var stderr: String }

    /// Runs a program to completion, capturing its output through files.
    @discardableResult
    static func run(_ path: String, _ args: [String], environment: [String: String]? = nil, cwd: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if let environment { p.environment = environment }
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let dir = tempDir("proc")
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let r = Result(code: p.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        try? FileManager.default.removeItem(at: dir)
        return r
    }

    static func labeille(_ args: [String], environment: [String: String]? = nil, cwd: String? = nil) throws -> Result {
        try run(binary, args, environment: environment, cwd: cwd)
    }

    static func which(_ name: String) -> String? {
        ExecutableLookup.find(name, searchPath: ProcessInfo.processInfo.environment["PATH"])
    }

    /// The site-packages folder holding the host python3's pytest. Skips the test when pytest is missing,
    /// except in CI, where `.ci/run` installs it and its absence is a failure.
    static func pytestSitePackages() throws -> String {
        let probe = try run(which("python3")!, ["-c", "import os, pytest; print(os.path.dirname(os.path.dirname(pytest.__file__)))"])
        guard probe.code == 0 else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("pytest missing in CI (.ci/run installs it)") }
            throw XCTSkip("pytest not installed for python3")
        }
        return probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts the `labeille` binary with `args` in the background, its output discarded.
    static func startLabeille(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Waits (at most `seconds`) until the database at `path` holds at least `count` iterations; returns how
    /// many it holds then (0 when the deadline passed first).
    static func waitForIterations(in path: String, atLeast count: Int, seconds: Double) -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: path), let s = try? Store(path: path),
               let n = try? s.db.scalar("SELECT COUNT(*) FROM iteration").intValue, n >= count { return n }
            usleep(50_000)
        }
        return 0
    }

    /// Row counts of every table, to prove a failed operation changed nothing.
    static func rowCounts(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
            let t = row[0].stringValue!
            out[t] = try db.scalar("SELECT COUNT(*) FROM \"\(t)\"").intValue
        }
        return out
    }

    /// Copies the fixture run into a temporary directory so tests can damage it.
    static func copyFixture(to dir: URL) throws -> URL {
        let dst = dir.appendingPathComponent("bench_20261127_221025")
        try FileManager.default.copyItem(atPath: fixtureRun, toPath: dst.path)
        return dst
    }
}

/// A test with a fresh temporary folder `dir`, removed afterwards, and a database path `db` in it.
/// Removes the folders `TestSupport.tempDir` made during a test once that test has finished, passed or failed,
/// so that a run of the suite leaves nothing in the temporary directory.
final class TemporaryFolderSweeper: NSObject, XCTestObservation {
    nonisolated(unsafe) static let shared: TemporaryFolderSweeper = {
        let sweeper = TemporaryFolderSweeper()
        XCTestObservationCenter.shared.addTestObserver(sweeper)
        return sweeper
    }()
    private let lock = NSLock()
    private var folders: [URL] = []

    func register(_ folder: URL) {
        lock.lock()
        folders.append(folder)
        lock.unlock()
    }

    func testCaseDidFinish(_ testCase: XCTestCase) {
        lock.lock()
        let finished = folders
        folders = []
        lock.unlock()
        for folder in finished { try? FileManager.default.removeItem(at: folder) }
    }
}

class TemporaryFolderTestCase: XCTestCase {
    var dir: URL!
    /// The database's file name in `dir`.
    class var databaseName: String { "run.db" }
    var db: String { dir.appendingPathComponent(Self.databaseName).path }

    /// A fresh folder per test; `TemporaryFolderSweeper` removes it when the test finishes.
    override func setUp() { dir = TestSupport.tempDir() }
}

/// End-to-end `bench run` tests: a registry of tiny packages in `dir` and the run's arguments.
class BenchRunTestCase: TemporaryFolderTestCase {
    func registry(_ packages: [ExampleRegistry.Package]) throws -> String {
        try ExampleRegistry.create(at: dir.path, packages: packages).registryDir
    }

    func runArgs(_ registry: String, _ extra: [String]) -> [String] {
        ["bench", "run", "--db", db, "--registry-dir", registry, "--work-dir", dir.appendingPathComponent("work").path,
         "--results-dir", dir.appendingPathComponent("results").path] + extra
    }
}

extension TemporaryFolderTestCase {
    /// A `bench run` in this process, on the database `db`, its work and results folders in `dir`, through
    /// `executor`. `conditions` are `--condition` texts.
    func inProcessRunner(registry: String, conditions: [String], executor: any ProcessExecutor,
                         configure: (inout CLIOverrides) -> Void = { _ in }) throws -> BenchRunner {
        var cli = CLIOverrides()
        cli.registryDir = registry
        cli.workDir = dir.appendingPathComponent("work").path
        cli.resultsDir = dir.appendingPathComponent("results").path
        configure(&cli)
        let settings = try BenchSettings.resolve(profile: nil, cli: cli, inlineConditions: conditions)
        var runner = BenchRunner(settings: settings, store: try Store(path: db), observer: SilentRunObserver())
        runner.executor = executor
        return runner
    }
}

func XCTAssertClose(_ a: Double?, _ b: Double, rel: Double = 1e-9, abs absTol: Double = 1e-12, _ message: String = "",
                    file: StaticString = #filePath, line: UInt = #line) {
    guard let a else { XCTFail("nil instead of \(b) \(message)", file: file, line: line); return }
    if a.isNaN && b.isNaN { return }
    if a == b { return }
    XCTAssertLessThanOrEqual(Swift.abs(a - b), Swift.max(absTol, rel * Swift.abs(b)), "\(a) vs \(b) \(message)", file: file, line: line)
}
