import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

final class ProfilingTests: XCTestCase {

    /// Runs a command through Foundation.Process and returns trimmed stdout (nil on failure).
    private func shell(_ executable: String, _ args: [String], env: [String: String]? = nil) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let env { p.environment = env }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func hostPython3() throws -> String {
        guard let exe = ExecutableLookup.find("python3", searchPath: ProcessInfo.processInfo.environment["PATH"]) else {
            throw XCTSkip("python3 not on PATH")
        }
        return exe
    }

    // MARK: - System profile

    func testCaptureOnThisMachine() throws {
        let p = SystemProfiler.capture(workDirectory: FileManager.default.currentDirectoryPath)
        XCTAssertGreaterThanOrEqual(p.cpuCoresLogical, 1)
        XCTAssertGreaterThanOrEqual(p.cpuCoresPhysical, 1)
        XCTAssertGreaterThan(p.ramTotalGB, 1.0)
        XCTAssertGreaterThan(p.ramAvailableGB, 0.0)
        XCTAssertLessThanOrEqual(p.ramAvailableGB, p.ramTotalGB)
        XCTAssertGreaterThanOrEqual(p.swapTotalGB, 0.0)
        XCTAssertEqual(p.osName, "Linux")
        XCTAssertEqual(p.osKernelVersion, shell("/bin/uname", ["-r"]) ?? shell("/usr/bin/uname", ["-r"]))
        XCTAssertEqual(p.cpuArchitecture, shell("/bin/uname", ["-m"]) ?? shell("/usr/bin/uname", ["-m"]))
        XCTAssertFalse(p.hostname.isEmpty)
        XCTAssertFalse(p.osDistro.isEmpty)
        XCTAssertNotEqual(p.cpuModel, "unknown")
        XCTAssertNotNil(p.timestamp.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"#, options: .regularExpression),
                        "timestamp \(p.timestamp)")
        XCTAssertGreaterThanOrEqual(p.loadAvg1m, 0)
        XCTAssertEqual(p.loadAvg1m, (p.loadAvg1m * 100).rounded() / 100)
        XCTAssertGreaterThanOrEqual(p.runningProcesses, 1)  // at least this process
        XCTAssertTrue(["ssd", "hdd", "unknown"].contains(p.diskType), p.diskType)
        XCTAssertGreaterThan(p.diskAvailableGB, 0)
        XCTAssertEqual(p.diskAvailableGB, (p.diskAvailableGB * 10).rounded() / 10)
        if let f = p.cpuFreqMHz { XCTAssertGreaterThan(f, 0) }
        if let f = p.cpuFreqMaxMHz { XCTAssertGreaterThan(f, 0) }

        // Logical cores honour the affinity mask (what `nproc` reports).
        if let nproc = shell("/usr/bin/nproc", []).flatMap(Int.init) {
            XCTAssertEqual(p.cpuCoresLogical, nproc)
        }
        // Host python3 (the original reported its own harness interpreter).
        if let exe = try? hostPython3() {
            XCTAssertEqual(p.hostPythonVersion, shell(exe, ["-c", "import platform; print(platform.python_version())"]))
            XCTAssertEqual(p.hostPythonImplementation, "CPython")
        }
    }

    func testTimestampFormat() {
        let t = UTCTimestamp.iso8601()
        XCTAssertNotNil(t.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"#, options: .regularExpression), t)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        let d = try! XCTUnwrap(f.date(from: t))
        XCTAssertLessThan(abs(d.timeIntervalSinceNow), 5)
        // Fixed instants against Foundation's formatter (a fraction of a second is dropped, not rounded).
        for seconds in [0.0, 951_782_400.999, 1_764_643_507.25] {
            let date = Date(timeIntervalSince1970: seconds)
            XCTAssertEqual(UTCTimestamp.iso8601(date), f.string(from: date))
            f.dateFormat = "yyyyMMdd_HHmmss"
            XCTAssertEqual(UTCTimestamp.compact(date), f.string(from: date))
            f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        }
    }

    func testDiskProbeForMissingAndNilWorkDirectory() {
        XCTAssertEqual(SystemProfiler.existingDirectory(nil), "/")
        XCTAssertEqual(SystemProfiler.existingDirectory("/definitely/not/here/xyz"), "/")
        let tmp = FileManager.default.temporaryDirectory.path
        XCTAssertEqual(SystemProfiler.existingDirectory(tmp + "/not-yet-created/sub"),
                       URL(fileURLWithPath: tmp).standardizedFileURL.path)
        let p = SystemProfiler.capture(workDirectory: "/definitely/not/here/xyz")
        XCTAssertGreaterThan(p.diskAvailableGB, 0)
        // /proc is not a block device.
        XCTAssertEqual(SystemProfiler.diskType(path: "/proc"), "unknown")
    }

    func testParsers() {
        XCTAssertEqual(SystemProfiler.parseCPUList("0-3,8,10-11\n"), [0, 1, 2, 3, 8, 10, 11])
        XCTAssertEqual(SystemProfiler.parseCPUList("5"), [5])
        XCTAssertNil(SystemProfiler.parseCPUList("a-b"))
        XCTAssertEqual(SystemProfiler.parsePressureSomeAvg10(
            "some avg10=12.34 avg60=0.40 avg300=1.47 total=14465538\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"), 12.34)
        XCTAssertNil(SystemProfiler.parsePressureSomeAvg10("garbage"))
        let os = SystemProfiler.parseOSRelease("# c\nNAME=\"Debian GNU/Linux\"\nPRETTY_NAME='Ubuntu 24.04 LTS'\nID=debian\n")
        XCTAssertEqual(os["PRETTY_NAME"], "Ubuntu 24.04 LTS")
        XCTAssertEqual(os["NAME"], "Debian GNU/Linux")
        XCTAssertEqual(os["ID"], "debian")
        XCTAssertEqual(SystemProfiler.unescapeMountField(#"/mnt/my\040disk"#), "/mnt/my disk")
        XCTAssertEqual(SystemProfiler.devMajor(0xfe00), 254)
        XCTAssertEqual(SystemProfiler.devMinor(0xfe00), 0)
    }

    func testCPUInfoParsing() {
        let x86 = """
        processor\t: 0
        physical id\t: 0
        core id\t\t: 0
        model name\t: AMD EPYC 7B13
        cpu MHz\t\t: 2000.000

        processor\t: 1
        physical id\t: 0
        core id\t\t: 0
        model name\t: AMD EPYC 7B13
        cpu MHz\t\t: 3000.000

        processor\t: 2
        physical id\t: 0
        core id\t\t: 1
        model name\t: AMD EPYC 7B13
        cpu MHz\t\t: 4000.000

        """
        let blocks = SystemProfiler.parseCPUInfo(x86)
        XCTAssertEqual(SystemProfiler.cpuModel(from: blocks), "AMD EPYC 7B13")
        XCTAssertEqual(SystemProfiler.physicalCoreCount(allowed: nil, cpuinfo: blocks), 2)
        XCTAssertEqual(SystemProfiler.currentFrequencyMHz(cpuinfo: blocks, allowed: nil), 3000.0)
        XCTAssertEqual(SystemProfiler.currentFrequencyMHz(cpuinfo: blocks, allowed: [0, 2]), 3000.0)
        XCTAssertEqual(SystemProfiler.currentFrequencyMHz(cpuinfo: blocks, allowed: [1]), 3000.0)
        XCTAssertEqual(SystemProfiler.currentFrequencyMHz(cpuinfo: blocks, allowed: [2]), 4000.0)

        let arm = """
        processor\t: 0
        BogoMIPS\t: 50.00
        CPU implementer\t: 0x41
        CPU architecture: 8
        CPU variant\t: 0x3
        CPU part\t: 0xd0c

        """
        XCTAssertEqual(SystemProfiler.cpuModel(from: SystemProfiler.parseCPUInfo(arm)), "ARM Neoverse-N1")
        let armUnknownPart = arm.replacingOccurrences(of: "0xd0c", with: "0xfff")
        XCTAssertEqual(SystemProfiler.cpuModel(from: SystemProfiler.parseCPUInfo(armUnknownPart)), "ARM (part 0xfff)")
        XCTAssertNil(SystemProfiler.cpuModel(from: SystemProfiler.parseCPUInfo("processor : 0\n")))
    }

    // MARK: - Snapshot and stability

    func testSnapshotPlausible() {
        let a = SystemProfiler.snapshot()
        XCTAssertGreaterThanOrEqual(a.loadAvg1m, 0)
        XCTAssertLessThan(a.loadAvg1m, 10_000)
        XCTAssertGreaterThan(a.ramAvailableGB, 0)
        XCTAssertEqual(a.ramAvailableGB, (a.ramAvailableGB * 100).rounded() / 100)
        if FileManager.default.fileExists(atPath: "/proc/pressure/cpu") {
            let cpu = try! XCTUnwrap(a.cpuPressureSome10)
            XCTAssertTrue((0...100).contains(cpu))
        }
        if FileManager.default.fileExists(atPath: "/proc/pressure/memory") {
            let mem = try! XCTUnwrap(a.memoryPressureSome10)
            XCTAssertTrue((0...100).contains(mem))
        }
        XCTAssertGreaterThan(a.monotonicSeconds, 0)
        let b = SystemProfiler.snapshot()
        XCTAssertGreaterThan(b.monotonicSeconds, a.monotonicSeconds)
    }

    func testStabilityLive() {
        // Absurdly generous thresholds: stable on any machine.
        XCTAssertEqual(SystemProfiler.stabilityIssues(maxLoadPerCore: 1e9, minAvailableRAMFraction: 0,
                                                      maxCPUPressure: 101, maxMemoryPressure: 101), [])
        // Impossible thresholds: everything readable is reported.
        let issues = SystemProfiler.stabilityIssues(maxLoadPerCore: -1, minAvailableRAMFraction: 1.01,
                                                    maxCPUPressure: -1, maxMemoryPressure: -1)
        XCTAssertTrue(issues.contains { $0.contains("load average") }, "\(issues)")
        XCTAssertTrue(issues.contains { $0.contains("Available RAM") }, "\(issues)")
        if FileManager.default.fileExists(atPath: "/proc/pressure/cpu") {
            XCTAssertTrue(issues.contains { $0.contains("CPU pressure") }, "\(issues)")
            XCTAssertTrue(issues.contains { $0.contains("Memory pressure") }, "\(issues)")
        }
        // The brief's call shape still compiles (defaults for the PSI thresholds).
        _ = SystemProfiler.stabilityIssues()
        _ = SystemProfiler.stabilityIssues(maxLoadPerCore: 0.5, minAvailableRAMFraction: 0.1)
    }

    func testStabilityDecisions() {
        func check(load: Double? = 0.1, cpus: Int = 4, avail: Double? = 8, total: Double? = 16,
                   cpuP: Double? = nil, memP: Double? = nil) -> [String] {
            SystemProfiler.stabilityIssues(loadAvg1m: load, usableCPUs: cpus, ramAvailableGB: avail, ramTotalGB: total,
                                           cpuPressureSome10: cpuP, memoryPressureSome10: memP)
        }
        XCTAssertEqual(check(), [])
        XCTAssertEqual(check(load: 1.9, cpus: 4), [])           // 0.475 per core
        let high = check(load: 2.4, cpus: 4)                     // 0.6 per core
        XCTAssertEqual(high.count, 1)
        XCTAssertTrue(high[0].contains("1-minute load average is 2.40 on 4 usable CPUs"), high[0])
        XCTAssertTrue(high[0].contains("0.60 per CPU"), high[0])
        XCTAssertEqual(check(load: 0.6, cpus: 1).count, 1)
        XCTAssertEqual(check(load: 0.6, cpus: 0).count, 1)       // treated as 1 core
        let lowRAM = check(avail: 1.0, total: 16)
        XCTAssertEqual(lowRAM.count, 1)
        XCTAssertTrue(lowRAM[0].contains("Available RAM is 1.0 GB of 16.0 GB"), lowRAM[0])
        XCTAssertEqual(check(avail: 2.0, total: 16), [])
        XCTAssertTrue(check(cpuP: 25)[0].contains("CPU pressure"))
        XCTAssertEqual(check(cpuP: 5), [])
        XCTAssertTrue(check(memP: 6)[0].contains("Memory pressure"))
        XCTAssertEqual(check(memP: 1), [])
        XCTAssertEqual(SystemProfiler.stabilityIssues(loadAvg1m: nil, usableCPUs: 1, ramAvailableGB: nil, ramTotalGB: nil,
                                                      cpuPressureSome10: 25, memoryPressureSome10: 6,
                                                      maxCPUPressure: 30, maxMemoryPressure: 10), [])
        // Unreadable metrics are skipped, never reported as instability.
        XCTAssertEqual(check(load: nil, avail: nil, total: nil), [])
        XCTAssertEqual(check(load: 100, avail: 0, cpuP: 90, memP: 90).count, 4)
        XCTAssertEqual(SystemProfiler.stabilityIssues(loadAvg1m: 1.5, usableCPUs: 2, ramAvailableGB: nil, ramTotalGB: nil,
                                                      cpuPressureSome10: nil, memoryPressureSome10: nil,
                                                      maxLoadPerCore: 1.0).count, 0)
    }

    func testEnvironmentNotesDoNotCrash() {
        for note in SystemProfiler.environmentNotes() { XCTAssertFalse(note.isEmpty) }
    }

    // MARK: - Python probe

    func testProbeHostPython3() throws {
        let exe = try hostPython3()
        let expected = shell(exe, ["-c", "import platform; print(platform.python_version())"])
        XCTAssertNotNil(expected)
        let p = try PythonProber.probe(python: "python3", environment: [:])
        XCTAssertEqual(p.version, expected)
        XCTAssertEqual(p.implementation, "CPython")
        XCTAssertEqual(p.path, exe)
        XCTAssertTrue(p.path.hasPrefix("/"))
        XCTAssertFalse(p.compiler.isEmpty)
        XCTAssertFalse(p.debugBuild)
        for flag in p.buildFlags {
            XCTAssertTrue(flag.hasPrefix("--enable-") || flag.hasPrefix("--with-"), flag)
            XCTAssertFalse(flag.contains("'"), flag)
        }
        // Build flags match CONFIG_ARGS when the interpreter was built with any
        // (the original tested still-quoted tokens and never found one).
        let configArgs = shell(exe, ["-c", "import sysconfig; print(sysconfig.get_config_var('CONFIG_ARGS') or '')"]) ?? ""
        if configArgs.contains("--enable-") || configArgs.contains("--with-") {
            XCTAssertFalse(p.buildFlags.isEmpty, configArgs)
        }
        // Probing the absolute path gives the same profile.
        XCTAssertEqual(try PythonProber.probe(python: exe, environment: [:]), p)
    }

    func testProbeHonoursEnvironment() throws {
        _ = try hostPython3()
        let seeded = try PythonProber.probe(python: "python3", environment: ["PYTHONHASHSEED": "0"])
        XCTAssertFalse(seeded.hashRandomization)
        let inherited = ProcessInfo.processInfo.environment["PYTHONHASHSEED"]
        let unseeded = try PythonProber.probe(python: "python3", environment: [:])
        XCTAssertEqual(unseeded.hashRandomization, inherited == nil || inherited != "0")
        let random = try PythonProber.probe(python: "python3", environment: ["PYTHONHASHSEED": "random"])
        XCTAssertTrue(random.hashRandomization)
        XCTAssertEqual(seeded.version, random.version)
    }

    /// Exercises the probe script's JIT / GIL / build-flag / debug logic by faking the
    /// interpreter attributes from a sitecustomize.py put on the probe's PYTHONPATH (which also
    /// shows the supplied environment wins over the PYTHONPATH scrubbing of the inherited one).
    func testProbeJITGILAndBuildFlagLogic() throws {
        _ = try hostPython3()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("probe-fake-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = """
        import os, sys, sysconfig, types
        _jit = os.environ.get('FAKE_JIT')
        if _jit:
            a, e = _jit.split(',')
            sys._jit = types.SimpleNamespace(is_available=lambda: a == '1', is_enabled=lambda: e == '1')
        _orig = sysconfig.get_config_var
        def _fake(name):
            if name == 'CONFIG_ARGS' and 'FAKE_CONFIG_ARGS' in os.environ:
                return os.environ['FAKE_CONFIG_ARGS']
            if name == 'Py_GIL_DISABLED' and 'FAKE_GIL_BUILD' in os.environ:
                return int(os.environ['FAKE_GIL_BUILD'])
            return _orig(name)
        sysconfig.get_config_var = _fake
        if 'FAKE_GIL_ENABLED' in os.environ:
            sys._is_gil_enabled = lambda: os.environ['FAKE_GIL_ENABLED'] == '1'
        if 'FAKE_DEBUG' in os.environ:
            sys.gettotalrefcount = lambda: 0
        """
        try site.write(to: dir.appendingPathComponent("sitecustomize.py"), atomically: true, encoding: .utf8)
        func probe(_ extra: [String: String]) throws -> PythonProfile {
            try PythonProber.probe(python: "python3", environment: ["PYTHONPATH": dir.path].merging(extra) { $1 })
        }
        let quotedArgs = "'--prefix=/opt/py' '--enable-experimental-jit=yes-off' '--with-lto' 'CFLAGS=-O2 -g' '--enable-shared'"

        var p = try probe(["FAKE_JIT": "1,1"])
        XCTAssertTrue(p.jitAvailable); XCTAssertTrue(p.jitEnabled)
        p = try probe(["FAKE_JIT": "1,0"])
        XCTAssertTrue(p.jitAvailable); XCTAssertFalse(p.jitEnabled)
        p = try probe(["FAKE_JIT": "0,0", "FAKE_CONFIG_ARGS": quotedArgs])
        XCTAssertFalse(p.jitAvailable)  // sys._jit wins over CONFIG_ARGS

        p = try probe(["FAKE_CONFIG_ARGS": quotedArgs])
        XCTAssertEqual(p.buildFlags, ["--enable-experimental-jit=yes-off", "--with-lto", "--enable-shared"])
        XCTAssertTrue(p.jitAvailable); XCTAssertFalse(p.jitEnabled)
        p = try probe(["FAKE_CONFIG_ARGS": "'--enable-experimental-jit'"])
        XCTAssertTrue(p.jitAvailable)
        p = try probe(["FAKE_CONFIG_ARGS": "'--enable-experimental-jit=interpreter'"])
        XCTAssertFalse(p.jitAvailable)
        p = try probe(["FAKE_CONFIG_ARGS": "'--enable-experimental-jit=no' '--prefix=/x'"])
        XCTAssertFalse(p.jitAvailable)
        XCTAssertEqual(p.buildFlags, ["--enable-experimental-jit=no"])
        p = try probe(["FAKE_CONFIG_ARGS": "'unbalanced --with-pydebug"])  // shlex fails → whitespace split
        XCTAssertEqual(p.buildFlags, ["--with-pydebug"])

        p = try probe(["FAKE_GIL_BUILD": "1"])
        XCTAssertTrue(p.gilDisabled)
        p = try probe(["FAKE_GIL_BUILD": "1", "FAKE_GIL_ENABLED": "0"])
        XCTAssertTrue(p.gilDisabled)
        p = try probe(["FAKE_GIL_BUILD": "1", "FAKE_GIL_ENABLED": "1"])  // PYTHON_GIL=1 re-enabled it
        XCTAssertFalse(p.gilDisabled)
        p = try probe(["FAKE_GIL_BUILD": "0", "FAKE_GIL_ENABLED": "0"])
        XCTAssertFalse(p.gilDisabled)

        p = try probe(["FAKE_DEBUG": "1"])
        XCTAssertTrue(p.debugBuild)
    }

    func testProbeUsesEnvironmentPATHForBareNames() throws {
        let exe = try hostPython3()
        let dir = URL(fileURLWithPath: exe).deletingLastPathComponent().path
        // The lookup uses the PATH of the given environment (the shim-style launchers found on
        // some hosts need the rest of PATH to run, so only resolution is checked here).
        XCTAssertEqual(ExecutableLookup.find("python3", searchPath: "/nonexistent-dir:" + dir), exe)
        XCTAssertNil(ExecutableLookup.find("python3", searchPath: "/nonexistent-dir"))
        let inheritedPATH = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let p = try PythonProber.probe(python: "python3", environment: ["PATH": dir + ":" + inheritedPATH])
        XCTAssertEqual(p.path, exe)
        XCTAssertThrowsError(try PythonProber.probe(python: "python3", environment: ["PATH": "/nonexistent-dir"])) { e in
            XCTAssertTrue("\(e)".hasPrefix("cannot probe Python interpreter 'python3': "), "\(e)")
        }
    }

    func testProbeNonexistentPathThrows() {
        let missing = "/nonexistent/bin/python3.99"
        XCTAssertThrowsError(try PythonProber.probe(python: missing, environment: [:])) { error in
            guard let e = error as? ProbeError else { return XCTFail("not a ProbeError: \(error)") }
            XCTAssertEqual(e.path, missing)
            XCTAssertTrue(e.description.hasPrefix("cannot probe Python interpreter '\(missing)': "), e.description)
        }
        XCTAssertThrowsError(try PythonProber.probe(python: "no-such-python-xyz", environment: [:])) { error in
            XCTAssertEqual("\(error)", "cannot probe Python interpreter 'no-such-python-xyz': not found on PATH")
        }
    }

    func testProbeFailingInterpreterThrows() throws {
        // An executable that is not a Python: exits non-zero / prints no probe result.
        for (exe, fragment) in [("/bin/false", "exited with status 1"), ("/bin/true", "printed no result")]
        where FileManager.default.isExecutableFile(atPath: exe) {
            XCTAssertThrowsError(try PythonProber.probe(python: exe, environment: [:])) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error)")
            }
        }
        // A non-executable file.
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("not-exec-\(getpid())").path
        _ = FileManager.default.createFile(atPath: tmp, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        XCTAssertThrowsError(try PythonProber.probe(python: tmp, environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("not an executable file"), "\(error)")
        }
    }

    /// Runs through the real executor with the output captured, as the probes do.
    private func captured(_ argv: [String], environment: [String: String], timeout: Double) throws -> ProcessOutcome {
        try SpawningExecutor().run(ProcessRequest(argv, environment: environment, output: .captured, timeout: timeout))
    }

    func testProcessRunnerTimeoutKillsGroup() throws {
        let start = MonotonicClock.seconds()
        let r = try captured(["/bin/sh"] + ["-c", "sleep 30 & sleep 30; echo done"],
                                         environment: ["PATH": "/usr/bin:/bin"], timeout: 0.5)
        XCTAssertTrue(r.timedOut)
        XCTAssertEqual(r.signal, 9)
        XCTAssertLessThan(MonotonicClock.seconds() - start, 5)
        let ok = try captured(["/bin/sh"] + ["-c", "echo out; echo err >&2; exit 3"],
                                          environment: ["PATH": "/usr/bin:/bin"], timeout: 10)
        XCTAssertEqual(ok.exitCode, 3)
        XCTAssertEqual(ok.outputText, "out\n")
        XCTAssertEqual(ok.errorText, "err\n")
        XCTAssertFalse(ok.timedOut)
        // More output than a pipe buffer holds, on both streams.
        let big = try captured(["/bin/sh"] + ["-c", "head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2"],
                                           environment: ["PATH": "/usr/bin:/bin"], timeout: 10)
        XCTAssertEqual(big.exitCode, 0)
        XCTAssertEqual(big.standardOutput.count, 300_000)
        XCTAssertEqual(big.standardError.count, 200_000)
        // A background grandchild keeping stdout open does not hold the caller until it exits.
        let t0 = MonotonicClock.seconds()
        let bg = try captured(["/bin/sh"] + ["-c", "sleep 3 & echo hi"],
                                          environment: ["PATH": "/usr/bin:/bin"], timeout: 10)
        XCTAssertEqual(bg.exitCode, 0)
        XCTAssertEqual(bg.outputText, "hi\n")
        XCTAssertFalse(bg.timedOut)
        XCTAssertLessThan(MonotonicClock.seconds() - t0, 2)
        // A missing executable is a spawn error.
        XCTAssertThrowsError(try captured(["/nonexistent/x"] + [], environment: [:], timeout: 5))
    }
}
