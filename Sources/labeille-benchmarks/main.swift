// Measurement benchmarks of the harness (README "Benchmarks"):
//   labeille-benchmarks spawn [N]          N × /bin/true through ChildProcess.run vs a bare posix_spawn + wait4
//   labeille-benchmarks measure N CMD...   N runs of a command: median wall and CPU as `bench run` measures them
//   labeille-benchmarks shards [PACKAGES]  predicted and achieved makespan of balanced vs hash shard assignment
//   labeille-benchmarks calibrate [SCALE] [ONLY]  the seeded calibration table of compare and track alert
//                                          (README "Statistics"); SCALE < 1 runs fewer suites per cell; ONLY keeps
//                                          the compare cells whose "noise/design" contains it, or "alert" alone
import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore
import LabeilleUseCases

func now() -> Double { MonotonicClock.seconds() }

func median(_ x: [Double]) -> Double { Statistics.median(x) }

/// The reference: the cheapest way to start and reap a process from Swift (no group, no limits, no pidfd).
func bareSpawn(_ path: String) -> Double {
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
    defer { free(argv[0]) }
    let t0 = now()
    _ = argv.withUnsafeBufferPointer { posix_spawn(&pid, path, nil, nil, UnsafeMutablePointer(mutating: $0.baseAddress!), environ) }
    var status: Int32 = 0
    var ru = rusage()
    while wait4(pid, &status, 0, &ru) < 0 && errno == EINTR {}
    return now() - t0
}

let args = Array(CommandLine.arguments.dropFirst())
let env = ProcessInfo.processInfo.environment
switch args.first {
case "spawn":
    let n = args.count > 1 ? Int(args[1]) ?? 1000 : 1000
    for _ in 0..<20 { _ = bareSpawn("/bin/true"); _ = try ChildProcess.run(["/bin/true"], environment: env, workingDirectory: nil, stdoutPath: nil, stderrPath: nil, timeout: 10) }
    var bare: [Double] = [], call: [Double] = [], wall: [Double] = [], rss: [Double] = []
    for _ in 0..<n {
        bare.append(bareSpawn("/bin/true"))
        let t0 = now()
        let o = try ChildProcess.run(["/bin/true"], environment: env, workingDirectory: nil, stdoutPath: nil, stderrPath: nil, timeout: 10)
        call.append(now() - t0)
        wall.append(o.wallSeconds)
        rss.append(o.peakRSSMB)
    }
    print("spawn: \(n) × /bin/true, interleaved with a bare posix_spawn + wait4")
    print(String(format: "  bare posix_spawn+wait4     median %.3f ms", median(bare) * 1e3))
    print(String(format: "  ChildProcess.run call      median %.3f ms  (overhead vs bare %+.3f ms)", median(call) * 1e3, (median(call) - median(bare)) * 1e3))
    print(String(format: "  measured wall of /bin/true median %.3f ms", median(wall) * 1e3))
    print(String(format: "  measured peak RSS          median %.2f MB", median(rss)))
case "measure":
    guard args.count >= 3, let n = Int(args[1]) else { print("usage: labeille-benchmarks measure N CMD [ARGS…]"); exit(2) }
    let cmd = Array(args.dropFirst(2))
    _ = try ChildProcess.run(cmd, environment: env, workingDirectory: nil, stdoutPath: nil, stderrPath: nil, timeout: nil)
    var wall: [Double] = [], cpu: [Double] = []
    for _ in 0..<n {
        let o = try ChildProcess.run(cmd, environment: env, workingDirectory: nil, stdoutPath: nil, stderrPath: nil, timeout: nil)
        wall.append(o.wallSeconds)
        cpu.append(o.userSeconds + o.sysSeconds)
    }
    print(String(format: "median_wall_s %.6f\nmedian_cpu_s %.6f", median(wall), median(cpu)))
case "shards":
    let packages = args.count > 1 ? Int(args[1]) ?? 1000 : 1000
    shardMakespanBenchmark(packages: packages, shardCounts: [8, 2, 4, 16, 64], seeds: 5)
case "calibrate":
    // A mistyped argument must not start a run of several minutes that measures something else.
    let scale = args.count > 1 ? Double(args[1]) : 1
    guard let scale, scale.isFinite, scale > 0, scale <= 100 else {
        FileHandle.standardError.write(Data("error: calibrate: SCALE must be a number in (0, 100], got '\(args[1])'\n".utf8))
        exit(2)
    }
    let only = args.count > 2 ? args[2] : nil
    if let only, only != "alert", !CompareCalibration.cellNames.contains(where: { $0.contains(only) }) {
        FileHandle.standardError.write(Data("error: calibrate: ONLY '\(only)' matches no cell (cells: \(CompareCalibration.cellNames.joined(separator: ", ")), or alert)\n".utf8))
        exit(2)
    }
    let t0 = now()
    if only != "alert" {
        print(CompareCalibration.table(scale: scale, only: only) { FileHandle.standardError.write(Data("calibrating \($0)\n".utf8)) })
    }
    if only == nil || only == "alert" { print(AlertCalibration.table(scale: scale)) }
    FileHandle.standardError.write(Data(String(format: "calibration took %.0f s\n", now() - t0).utf8))
default:
    print("usage: labeille-benchmarks spawn [N] | measure N CMD [ARGS…] | shards [PACKAGES] | calibrate [SCALE] [ONLY]")
    exit(2)
}
