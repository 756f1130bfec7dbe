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
    public static func probe(python: String, environment: [String: String],
                             executor: any ProcessExecutor = SpawningExecutor()) throws -> PythonProfile {
        func fail(_ reason: String) -> ProbeError { ProbeError(path: python, reason: reason) }

        var env = ProcessInfo.processInfo.environment
        env["PYTHONHOME"] = nil
        env["PYTHONPATH"] = nil
        env["ASAN_OPTIONS"] = "detect_leaks=0"
        for (k, v) in environment { env[k] = v }

        guard !python.isEmpty else { throw fail("empty interpreter path") }
        guard let exe = ExecutableLookup.find(python, searchPath: env["PATH"]) else {
            if python.contains("/") {
                let abs = ExecutableLookup.absolutePath(python)
                if FileManager.default.fileExists(atPath: abs) { throw fail("\(abs) is not an executable file") }
                throw fail("no such file: \(abs)")
            }
            throw fail("not found on PATH")
        }

        let result: ProcessOutcome
        do {
            result = try executor.run(ProcessRequest([exe, "-c", script], environment: env, output: .captured, timeout: timeoutSeconds))
        } catch let e as ChildProcessError {
            throw fail(e.description)
        }
        if result.timedOut { throw fail("probe timed out after \(Int(timeoutSeconds)) s") }
        let stderrTail = String(result.errorText.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
        if let sig = result.signal {
            throw fail("probe killed by signal \(sig)" + (stderrTail.isEmpty ? "" : ": \(stderrTail)"))
        }
        if result.exitCode != 0 {
            throw fail("probe exited with status \(result.exitCode ?? -1)" + (stderrTail.isEmpty ? "" : ": \(stderrTail)"))
        }
        guard let line = result.outputText.split(separator: "\n").last(where: { $0.hasPrefix(marker) }) else {
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
