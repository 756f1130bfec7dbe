// Python interpreter characterisation, fixing the Python harness's probe (which shared one profile per
// interpreter path, read the JIT state from a non-existent `sys.flags.jit` and, testing still-quoted
// CONFIG_ARGS tokens, never found a build flag):
// * the interpreter runs with the condition's own environment, so callers must probe each
//   (interpreter, environment) pair — e.g. PYTHON_JIT=0 vs 1 — instead of sharing one profile
//   per path;
// * JIT state comes from `sys._jit.is_available()/is_enabled()` (CPython 3.14+), else
//   jit_available from CONFIG_ARGS `--enable-experimental-jit[=yes|yes-off]` and jit_enabled false;
// * build flags are CONFIG_ARGS split shell-style (the tokens are quoted), keeping
//   `--enable-*` / `--with-*`.
// Unlike the Python harness, a failed probe is an error, not a silent default profile.


import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `cannot probe Python interpreter '<path>': <reason>`
public struct ProbeError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    /// The interpreter as given to `probe` (bare name or path).
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "cannot probe Python interpreter '\(path)': \(reason)" }
    public var errorDescription: String? { description }
}

public enum PythonProber {
    /// Seconds before the probe process group is killed.
    public static let timeoutSeconds = 20.0

    static let marker = "@@LABEILLE-PYTHON-PROBE@@"

    /// Runs in the probed interpreter. The script's own directory ('' for -c, i.e. the current
    /// directory) is dropped from sys.path first so a stray json.py/platform.py cannot break it.
    static let script = #"""
import sys
sys.path[:] = [p for p in sys.path if p not in ('', '.')]
import json, platform, shlex, sysconfig
cfg = sysconfig.get_config_var('CONFIG_ARGS') or ''
try:
    toks = shlex.split(cfg)
except ValueError:
    toks = [t.strip('\'"') for t in cfg.split()]
flags = [t for t in toks if t.startswith('--enable-') or t.startswith('--with-')]
jit = getattr(sys, '_jit', None)
if jit is not None and hasattr(jit, 'is_available') and hasattr(jit, 'is_enabled'):
    jit_available = bool(jit.is_available())
    jit_enabled = bool(jit.is_enabled())
else:
    jit_available = any(t == '--enable-experimental-jit' or (t.startswith('--enable-experimental-jit=') and t.split('=', 1)[1] in ('yes', 'yes-off')) for t in toks)
    jit_enabled = False
gil_disabled = bool(sysconfig.get_config_var('Py_GIL_DISABLED'))
if gil_disabled and hasattr(sys, '_is_gil_enabled'):
    gil_disabled = not sys._is_gil_enabled()
print('@@LABEILLE-PYTHON-PROBE@@' + json.dumps({
    'version': platform.python_version(),
    'implementation': platform.python_implementation(),
    'compiler': platform.python_compiler(),
    'build_flags': flags,
    'jit_available': jit_available,
    'jit_enabled': jit_enabled,
    'gil_disabled': gil_disabled,
    'debug_build': hasattr(sys, 'gettotalrefcount'),
    'hash_randomization': sys.flags.hash_randomization != 0,
}))
"""#

    /// Probes `python` with `environment` layered over the inherited environment (minus
    /// PYTHONHOME/PYTHONPATH, plus `ASAN_OPTIONS=detect_leaks=0` unless `environment` sets it) —
    /// the same layering test iterations see. Pass the condition's effective environment
    /// (default env + condition env): settings such as PYTHON_JIT, PYTHON_GIL or PYTHONHASHSEED
    /// change the result, so a profile must never be shared across conditions whose environments
    /// differ (the original shared one, so a `nojit` condition reported its `jit` twin).
    ///
    /// `python` may be a path (made absolute against the current directory) or a bare name looked
    /// up in `environment["PATH"]` (else the inherited PATH). The returned `path` is that absolute
    /// path (symlinks are kept: a venv's `bin/python` stays as is).
    ///
    /// - Throws: `ProbeError` when the interpreter is missing or not executable, cannot be
    ///   started, times out (20 s), exits non-zero, or prints no valid probe JSON.
    public static func probe(python: String, environment: [String: String]) throws -> PythonProfile {
        func fail(_ reason: String) -> ProbeError { ProbeError(path: python, reason: reason) }

        var env = ProcessInfo.processInfo.environment
        env["PYTHONHOME"] = nil
        env["PYTHONPATH"] = nil
        env["ASAN_OPTIONS"] = "detect_leaks=0"
        for (k, v) in environment { env[k] = v }

        guard !python.isEmpty else { throw fail("empty interpreter path") }
        guard let exe = ProfilingProcess.resolveExecutable(python, searchPath: env["PATH"]) else {
            if python.contains("/") {
                let abs = ProfilingProcess.absolutePath(python)
                if FileManager.default.fileExists(atPath: abs) { throw fail("\(abs) is not an executable file") }
                throw fail("no such file: \(abs)")
            }
            throw fail("not found on PATH")
        }

        let result: ProfilingProcess.Result
        do {
            result = try ProfilingProcess.run(executable: exe, arguments: ["-c", script], environment: env,
                                              timeout: timeoutSeconds)
        } catch let e as ProfilingProcess.SpawnError {
            throw fail(e.description)
        }
        if result.timedOut { throw fail("probe timed out after \(Int(timeoutSeconds)) s") }
        let stderrTail = String(result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
        if let sig = result.signal {
            throw fail("probe killed by signal \(sig)" + (stderrTail.isEmpty ? "" : ": \(stderrTail)"))
        }
        if result.exitCode != 0 {
            throw fail("probe exited with status \(result.exitCode ?? -1)" + (stderrTail.isEmpty ? "" : ": \(stderrTail)"))
        }
        guard let line = result.stdoutText.split(separator: "\n").last(where: { $0.hasPrefix(marker) }) else {
            throw fail("probe printed no result" + (stderrTail.isEmpty ? "" : " (stderr: \(stderrTail))"))
        }
        let json = Data(line.dropFirst(marker.count).utf8)
        guard let obj = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw fail("probe output is not a JSON object")
        }

        var p = PythonProfile()
        p.path = exe
        p.version = obj["version"] as? String ?? ""
        p.implementation = obj["implementation"] as? String ?? ""
        p.compiler = obj["compiler"] as? String ?? ""
        p.buildFlags = (obj["build_flags"] as? [Any])?.compactMap { $0 as? String } ?? []
        p.jitAvailable = bool(obj["jit_available"]) ?? false
        p.jitEnabled = bool(obj["jit_enabled"]) ?? false
        p.gilDisabled = bool(obj["gil_disabled"]) ?? false
        p.debugBuild = bool(obj["debug_build"]) ?? false
        p.hashRandomization = bool(obj["hash_randomization"]) ?? true
        if p.version.isEmpty { throw fail("probe output has no version") }
        return p
    }

    static func bool(_ v: Any?) -> Bool? {
        if let b = v as? Bool { return b }
        if let n = v as? NSNumber { return n.intValue != 0 }
        return nil
    }
}

/// Small synchronous runner for helper processes (python3 probes): posix_spawn in a new process
/// group, stdin from /dev/null, stdout/stderr captured through pipes, hard deadline after which
/// the whole group is SIGKILLed. Safe to call from any thread.
enum ProfilingProcess {
    struct Result {
        var exitCode: Int32?
        var signal: Int32?
        var timedOut: Bool
        var stdout: [UInt8]
        var stderr: [UInt8]
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    struct SpawnError: Error, CustomStringConvertible {
        var what: String
        var errno: Int32
        var description: String { "\(what): \(String(cString: strerror(errno)))" }
    }

    static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
        let cwd = FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: cwd).appendingPathComponent(path).standardizedFileURL.path
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    /// A path containing "/" is made absolute; a bare name is searched in `searchPath`
    /// (default "/usr/local/bin:/usr/bin:/bin"; an empty entry means the current directory).
    static func resolveExecutable(_ name: String, searchPath: String?) -> String? {
        if name.contains("/") {
            let abs = absolutePath(name)
            return isExecutableFile(abs) ? abs : nil
        }
        let path = searchPath ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
            let base = dir.isEmpty ? FileManager.default.currentDirectoryPath : String(dir)
            let candidate = absolutePath(base + "/" + name)
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func run(executable: String, arguments: [String], environment: [String: String],
                    timeout: Double) throws -> Result {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { throw SpawnError(what: "pipe", errno: errno) }
        guard pipe(&errPipe) == 0 else {
            let e = errno
            close(outPipe[0]); close(outPipe[1])
            throw SpawnError(what: "pipe", errno: e)
        }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var parentEnds = [outPipe[0], errPipe[0]]
        defer { for fd in parentEnds where fd >= 0 { close(fd) } }

        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&fa, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&fa, errPipe[1], 2)

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attr, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attr, &allSignals)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }

        var pid: pid_t = 0
        let rc = argv.withUnsafeBufferPointer { a in
            envp.withUnsafeBufferPointer { e in
                posix_spawn(&pid, executable, &fa, &attr, a.baseAddress!, e.baseAddress!)
            }
        }
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else { throw SpawnError(what: "cannot start \(executable)", errno: rc) }

        let deadline = now() + timeout
        var result = Result(exitCode: nil, signal: nil, timedOut: false, stdout: [], stderr: [])
        var buffer = [UInt8](repeating: 0, count: 65536)
        var status: Int32 = 0
        var reaped = false
        for fd in parentEnds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

        /// Reads what is available on the open pipe ends; closes an end at EOF.
        func drain(_ ready: [Bool]) {
            for i in parentEnds.indices where parentEnds[i] >= 0 && ready[i] {
                while true {
                    let got = buffer.withUnsafeMutableBytes { read(parentEnds[i], $0.baseAddress, $0.count) }
                    if got > 0 {
                        if i == 0 { result.stdout.append(contentsOf: buffer[0..<got]) }
                        else { result.stderr.append(contentsOf: buffer[0..<got]) }
                        continue
                    }
                    if got < 0 && errno == EINTR { continue }
                    if got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
                    close(parentEnds[i])  // EOF or a hard error
                    parentEnds[i] = -1
                    break
                }
            }
        }

        // Collect output until both pipes reach EOF and the child is reaped, or the deadline.
        // The child's exit also ends collection: a pipe end leaked into some other process
        // (pipe() + FD_CLOEXEC is not atomic) must not keep us waiting.
        while !reaped || parentEnds.contains(where: { $0 >= 0 }) {
            let remaining = deadline - now()
            if remaining <= 0 { result.timedOut = true; break }
            if reaped {
                drain([true, true])
                break
            }
            var fds = parentEnds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let n = poll(&fds, nfds_t(fds.count), Int32(min(remaining * 1000, 50)) + 1)
            if n < 0 && errno != EINTR { break }
            if n > 0 { drain(fds.map { $0.revents != 0 }) }
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { reaped = true }
            else if r < 0 && errno != EINTR { throw SpawnError(what: "waiting for \(executable)", errno: errno) }
        }

        if !reaped {
            // Timed out (or poll failed): kill the whole group, then reap.
            if result.timedOut || now() >= deadline { result.timedOut = true }
            kill(-pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 {
                if errno != EINTR { throw SpawnError(what: "waiting for \(executable)", errno: errno) }
            }
            drain([true, true])
        } else if result.timedOut {
            kill(-pid, SIGKILL)  // stragglers in the group
        }
        let sig = status & 0x7f
        if sig == 0 { result.exitCode = (status >> 8) & 0xff } else { result.signal = sig }
        return result
    }
}
