import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

/// Clones, worktrees and venvs: one clone per package reused across runs, a clean worktree per
/// condition, and one venv per package × condition reused while its key is unchanged.
public struct Workspace {
    public var reposDir: String
    public var worktreesDir: String
    public var venvsDir: String
    public var baseEnvironment: [String: String]
    /// Runs git, venv creation and installs.
    public var executor: any ProcessExecutor

    public init(reposDir: String, worktreesDir: String, venvsDir: String, baseEnvironment: [String: String],
                executor: any ProcessExecutor = SpawningExecutor()) {
        self.reposDir = reposDir
        self.worktreesDir = worktreesDir
        self.venvsDir = venvsDir
        self.baseEnvironment = baseEnvironment
        self.executor = executor
    }

    /// Clones the package (or fetches and resets an existing clone). Returns the clone path and revision.
    public func prepareRepository(name: String, url: String, depth: Int?) throws -> (path: String, revision: String) {
        let path = (reposDir as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: reposDir, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(".git")) {
            var fetch = ["git", "-C", path, "fetch", "--quiet", "origin"]
            if let depth, depth > 0 { fetch += ["--depth", String(depth)] }
            try executor.check(fetch, environment: baseEnvironment, what: "git fetch of \(name)")
            try executor.check(["git", "-C", path, "reset", "--quiet", "--hard", "FETCH_HEAD"], environment: baseEnvironment,
                          what: "git reset of \(name)")
        } else {
            try? FileManager.default.removeItem(atPath: path)
            var clone = ["git", "clone", "--quiet"]
            if let depth, depth > 0 { clone += ["--depth", String(depth), "--no-single-branch"] }
            try executor.check(clone + [url, path], environment: baseEnvironment, what: "git clone of \(name)")
        }
        let rev = try executor.check(["git", "-C", path, "rev-parse", "HEAD"], environment: baseEnvironment, what: "git rev-parse")
        return (path, rev.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A fresh detached worktree of the clone for one condition, so conditions never share build
    /// artefacts or files left behind by tests.
    public func prepareWorktree(repository: String, package: String, condition: String) throws -> String {
        let dir = ((worktreesDir as NSString).appendingPathComponent(package) as NSString).appendingPathComponent(condition)
        try FileManager.default.createDirectory(atPath: (dir as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: dir) {
            _ = try? executor.capture(["git", "-C", repository, "worktree", "remove", "--force", dir], environment: baseEnvironment)
            try? FileManager.default.removeItem(atPath: dir)
        }
        _ = try? executor.capture(["git", "-C", repository, "worktree", "prune"], environment: baseEnvironment)
        try executor.check(["git", "-C", repository, "worktree", "add", "--quiet", "--detach", "--force", dir, "HEAD"],
                      environment: baseEnvironment, what: "git worktree for \(package)/\(condition)")
        return dir
    }

    public struct Venv {
        public var path: String
        public var python: String
        public var reused: Bool
        public var setupSeconds: Double
        public var installSeconds: Double
    }

    /// The environment of commands run in a venv: `python`, `pip`, `pytest` resolve to the venv.
    public func venvEnvironment(venv: String, extra: [KeyValue]) -> [String: String] {
        var env = baseEnvironment
        env["PYTHONHOME"] = nil
        env["PYTHONPATH"] = nil
        env["PATH"] = "\(venv)/bin:" + (baseEnvironment["PATH"] ?? ExecutableLookup.defaultSearchPath)
        env["VIRTUAL_ENV"] = venv
        env["PYTHONNOUSERSITE"] = "1"
        for kv in extra { env[kv.key] = kv.value }
        return env
    }

    /// Creates (or reuses, when its key matches) the venv of one package × condition and installs into it.
    public func prepareVenv(package: String, condition: ConditionDefinition, interpreter: String, interpreterVersion: String,
                            installCommand: String?, worktree: String, timeout: Double) throws -> Venv {
        let dir = ((venvsDir as NSString).appendingPathComponent(package) as NSString).appendingPathComponent(condition.name)
        let key = [interpreter, interpreterVersion, installCommand ?? "", condition.extraDeps.joined(separator: "\u{1}"),
                   condition.env.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1}")].joined(separator: "\n")
        let stamp = (dir as NSString).appendingPathComponent(".labeille-venv-key")
        let python = (dir as NSString).appendingPathComponent("bin/python")
        let env = venvEnvironment(venv: dir, extra: condition.env)
        if (try? String(contentsOfFile: stamp, encoding: .utf8)) == key && FileManager.default.isExecutableFile(atPath: python) {
            // Editable installs point into the worktree, which is recreated at the same path: reinstall
            // cheaply only when an install command exists (it is idempotent).
            var installSeconds = 0.0
            if let cmd = installCommand, !cmd.isEmpty {
                let t0 = MonotonicClock.seconds()
                try executor.check(["/bin/sh", "-c", cmd], environment: env, cwd: worktree, timeout: timeout,
                              what: "install for \(package)/\(condition.name)")
                installSeconds = MonotonicClock.seconds() - t0
            }
            return Venv(path: dir, python: python, reused: true, setupSeconds: 0, installSeconds: installSeconds)
        }
        let t0 = MonotonicClock.seconds()
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: (dir as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let needsPip = !(installCommand ?? "").isEmpty || !condition.extraDeps.isEmpty
        // Venv creation is not the benchmark: a short per-iteration timeout must not break it.
        try executor.check([interpreter, "-m", "venv"] + (needsPip ? [] : ["--without-pip"]) + [dir],
                      environment: baseEnvironment, timeout: max(timeout, 300), what: "venv creation for \(package)/\(condition.name)")
        let setup = MonotonicClock.seconds() - t0
        let t1 = MonotonicClock.seconds()
        if let cmd = installCommand, !cmd.isEmpty {
            try executor.check(["/bin/sh", "-c", cmd], environment: env, cwd: worktree, timeout: timeout,
                          what: "install for \(package)/\(condition.name)")
        }
        // Each requirement is its own argument: `pkg<2` is never a shell redirection, and a failure stops setup.
        if !condition.extraDeps.isEmpty {
            try executor.check([python, "-m", "pip", "install", "--quiet"] + condition.extraDeps, environment: env, cwd: worktree,
                          timeout: timeout, what: "extra deps for \(package)/\(condition.name)")
        }
        try key.write(toFile: stamp, atomically: true, encoding: .utf8)
        return Venv(path: dir, python: python, reused: false, setupSeconds: setup, installSeconds: MonotonicClock.seconds() - t1)
    }
}

/// Test-command resolution and per-test duration parsing.
public enum TestCommand {
    /// The command to run: override, or registry command with the prefix or suffix applied.
    public static func resolve(registryCommand: String, condition: ConditionDefinition, defaultSuffix: String?) -> String {
        let base = registryCommand.trimmingCharacters(in: .whitespaces).isEmpty ? "python -m pytest" : registryCommand
        if let o = condition.testCommandOverride, !o.isEmpty { return o }
        if let prefix = condition.testCommandPrefix, !prefix.isEmpty {
            if base.hasPrefix("python -m ") { return prefix + " " + base.dropFirst("python -m ".count) }
            if base.hasPrefix("python ") { return prefix + " " + base.dropFirst("python ".count) }
            return prefix + " " + base
        }
        if let s = condition.testCommandSuffix ?? defaultSuffix, !s.isEmpty { return base + " " + s }
        return base
    }

    /// argv for a command string: split directly when it is a plain command (no shell syntax), so the
    /// measured process is the test runner itself; otherwise `/bin/sh -c COMMAND`, the command passed as
    /// one argument (never pasted into a quoted wrapper).
    public static func argv(_ command: String) -> (argv: [String], viaShell: Bool) {
        let special = CharacterSet(charactersIn: "|&;<>()$`*?[]{}~!#\n\\")
        if command.unicodeScalars.contains(where: { special.contains($0) }) {
            return (["/bin/sh", "-c", command], true)
        }
        var out: [String] = []
        var cur = ""
        var quote: Character?
        var inToken = false
        for ch in command {
            if let q = quote {
                if ch == q { quote = nil } else { cur.append(ch) }
            } else if ch == "'" || ch == "\"" {
                quote = ch; inToken = true
            } else if ch == " " || ch == "\t" {
                if inToken { out.append(cur); cur = ""; inToken = false }
            } else {
                cur.append(ch); inToken = true
            }
        }
        if quote != nil { return (["/bin/sh", "-c", command], true) }
        if inToken { out.append(cur) }
        return out.isEmpty ? (["/bin/sh", "-c", command], true) : (out, false)
    }

    public static func invokesPytest(_ command: String) -> Bool {
        command.range(of: #"(^|[\s/])(py\.test|pytest)(\s|$)|-m\s+pytest"#, options: .regularExpression) != nil
    }
}
