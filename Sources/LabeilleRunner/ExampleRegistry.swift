import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

/// A tiny laruche registry of local git repositories with real unittest suites: the bundled example of
/// the README's main job (offline, nothing to install) and the fixture of the end-to-end tests.
public enum ExampleRegistry {
    public struct Created {
        public var registryDir: String
        public var packages: [String]
    }

    /// A package: its name, download count and test files (name → source).
    public struct Package: Sendable {
        public var name: String
        public var downloads: Int
        public var testCommand: String
        public var files: [String: String]
        public var timeout: Int?
        public init(name: String, downloads: Int, testCommand: String = "python -m unittest discover -s tests -q",
                    files: [String: String], timeout: Int? = nil) {
            self.name = name; self.downloads = downloads; self.testCommand = testCommand; self.files = files; self.timeout = timeout
        }
    }

    /// A unittest module whose tests import standard modules and burn a known amount of CPU.
    public static func cpuSuite(tests: Int, milliseconds: Int, imports: [String]) -> String {
        var s = "import unittest, time\n" + imports.map { "import \($0)\n" }.joined() + "\n\ndef burn(ms):\n"
        s += "    end = time.perf_counter() + ms / 1000.0\n    x = 0\n    while time.perf_counter() < end:\n        x += 1\n    return x\n\n\n"
        s += "class Work(unittest.TestCase):\n"
        for i in 0..<tests { s += "    def test_\(i)(self):\n        self.assertGreater(burn(\(milliseconds)), 0)\n\n" }
        return s
    }

    public static let demoPackages: [Package] = [
        Package(name: "tinyjson", downloads: 900, files: ["tests/test_json.py": cpuSuite(tests: 4, milliseconds: 40, imports: ["json", "decimal", "fractions"])]),
        Package(name: "tinyhttp", downloads: 800, files: ["tests/test_http.py": cpuSuite(tests: 3, milliseconds: 30, imports: ["http.client", "email.parser", "urllib.parse"])]),
        Package(name: "tinyasync", downloads: 700, files: ["tests/test_async.py": cpuSuite(tests: 3, milliseconds: 30, imports: ["asyncio", "concurrent.futures"])]),
        Package(name: "tinytext", downloads: 600, files: ["tests/test_text.py": cpuSuite(tests: 5, milliseconds: 20, imports: ["textwrap", "difflib", "re", "string"])]),
    ]

    public static func findPython() throws -> String {
        guard let python = ExecutableLookup.find("python3", searchPath: ProcessInfo.processInfo.environment["PATH"]) else {
            throw SetupError("python3 not found on PATH")
        }
        return python
    }

    /// Writes `base/registry` and one git repository per package under `base/upstream`.
    @discardableResult
    public static func create(at base: String, packages: [Package] = demoPackages) throws -> Created {
        let fm = FileManager.default
        let registry = (base as NSString).appendingPathComponent("registry")
        let upstream = (base as NSString).appendingPathComponent("upstream")
        try fm.createDirectory(atPath: (registry as NSString).appendingPathComponent("packages"), withIntermediateDirectories: true)
        try fm.createDirectory(atPath: upstream, withIntermediateDirectories: true)
        var env = ProcessInfo.processInfo.environment
        env["GIT_AUTHOR_NAME"] = "labeille"; env["GIT_AUTHOR_EMAIL"] = "labeille@example.invalid"
        env["GIT_COMMITTER_NAME"] = "labeille"; env["GIT_COMMITTER_EMAIL"] = "labeille@example.invalid"
        var index = "last_updated: '2026-11-27T00:00:00'\npackages:\n"
        for p in packages {
            let repo = (upstream as NSString).appendingPathComponent(p.name)
            if !fm.fileExists(atPath: (repo as NSString).appendingPathComponent(".git")) {
                try fm.createDirectory(atPath: repo, withIntermediateDirectories: true)
                for (file, text) in p.files {
                    let path = (repo as NSString).appendingPathComponent(file)
                    try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try text.write(toFile: path, atomically: true, encoding: .utf8)
                }
                if p.files.keys.contains(where: { $0.hasPrefix("tests/") }) {
                    try "".write(toFile: (repo as NSString).appendingPathComponent("tests/__init__.py"), atomically: true, encoding: .utf8)
                }
                try SpawningExecutor().check(["git", "init", "--quiet", "-b", "main", repo], environment: env, what: "git init")
                try SpawningExecutor().check(["git", "-C", repo, "add", "-A"], environment: env, what: "git add")
                try SpawningExecutor().check(["git", "-C", repo, "commit", "--quiet", "-m", "tests"], environment: env, what: "git commit")
            }
            var yaml = "package: \(p.name)\nrepo: \(repo)\ninstall_command: ''\ntest_command: \"\(p.testCommand.replacingOccurrences(of: "\"", with: "\\\""))\"\n"
            yaml += "test_framework: \(p.testCommand.contains("pytest") ? "pytest" : "unittest")\n"
            if let t = p.timeout { yaml += "timeout: \(t)\n" }
            try yaml.write(toFile: "\(registry)/packages/\(p.name).yaml", atomically: true, encoding: .utf8)
            index += "- name: \(p.name)\n  download_count: \(p.downloads)\n"
        }
        try index.write(toFile: "\(registry)/index.yaml", atomically: true, encoding: .utf8)
        return Created(registryDir: registry, packages: packages.map(\.name))
    }
}
