import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// Configuration layer of `bench run`: inline conditions, YAML profiles, settings resolution and the
/// registry.
final class RunConfigurationTests: XCTestCase {
    // MARK: - Fixtures

    /// The full example profile of the Python labeille's user documentation, which must load unchanged.
    static let userDocProfile = """
        name: JIT overhead measurement
        description: Compare JIT-enabled vs JIT-disabled CPython
        iterations: 7
        warmup: 2
        timeout: 600

        conditions:
          jit:
            target_python: /opt/cpython-jit/python
            env:
              PYTHON_JIT: "1"
          nojit:
            target_python: /opt/cpython-jit/python
            env:
              PYTHON_JIT: "0"

        # Shared settings applied to all conditions unless overridden
        default_env:
          ASAN_OPTIONS: "detect_leaks=0"
        default_extra_deps:
          - pytest-timeout

        # Optional: package filtering
        packages:
          - requests
          - click
          - flask

        # Optional: resource constraints applied to all conditions
        default_constraints:
          cpu_affinity: "0,1"
          memory_limit_mb: 4096
        """

    private var tempDirs: [URL] = []

    override func tearDown() {
        for d in tempDirs { try? FileManager.default.removeItem(at: d) }
        tempDirs = []
        super.tearDown()
    }

    private func makeTempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("labeille-config-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        tempDirs.append(dir)
        return dir
    }

    private func writeFile(_ dir: URL, _ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private func profile(_ yaml: String, file: String = "profile.yaml") throws -> BenchProfile {
        let dir = try makeTempDir()
        return try BenchProfile.load(path: try writeFile(dir, file, yaml))
    }

    /// An environment without LABEILLE_REGISTRY_DIR and with a known HOME/PATH.
    private let env: [String: String] = ["HOME": "/home/tester", "PATH": "/nonexistent-bin"]

    private func resolve(_ profile: BenchProfile? = nil, _ cli: CLIOverrides = CLIOverrides(),
                         _ inline: [String] = [], environment: [String: String]? = nil) throws -> BenchSettings {
        try BenchSettings.resolve(profile: profile, cli: cli, inlineConditions: inline, environment: environment ?? env)
    }

    private func assertConfigError(_ expression: @autoclosure () throws -> Any, contains parts: [String],
                                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let e = error as? ConfigError else {
                return XCTFail("expected ConfigError, got \(error)", file: file, line: line)
            }
            for part in parts {
                XCTAssertTrue(e.message.contains(part), "'\(e.message)' does not contain '\(part)'", file: file, line: line)
            }
            XCTAssertEqual(e.description, e.message, file: file, line: line)
        }
    }

    private func value(_ env: [KeyValue], _ key: String) -> String? { env.first { $0.key == key }?.value }

    // MARK: - Inline condition grammar

    func testInlineUserDocExample() throws {
        let c = try ConditionParser.parseInline("jit:target_python=/opt/cpython-jit/python,env.PYTHON_JIT=1")
        XCTAssertEqual(c.name, "jit")
        XCTAssertEqual(c.targetPython, "/opt/cpython-jit/python")
        XCTAssertEqual(c.env, [KeyValue("PYTHON_JIT", "1")])
    }

    func testInlineEveryKey() throws {
        let c = try ConditionParser.parseInline(
            "cov:target_python=/opt/py/bin/python3,env.A=1,env.B=two,extra_deps=coverage+pytest-cov,"
                + "test_command_prefix=coverage run -m,test_command_suffix=-x -q,test_command_override=make test,"
                + "install_command=pip install -e .[test],description=With coverage,memory_limit_mb=4096,"
                + "cpu_time_limit_s=300,cpu_affinity=0+2-3,file_size_limit_mb=100")
        XCTAssertEqual(c.name, "cov")
        XCTAssertEqual(c.targetPython, "/opt/py/bin/python3")
        XCTAssertEqual(c.env, [KeyValue("A", "1"), KeyValue("B", "two")])
        XCTAssertEqual(c.extraDeps, ["coverage", "pytest-cov"])
        XCTAssertEqual(c.testCommandPrefix, "coverage run -m")
        XCTAssertEqual(c.testCommandSuffix, "-x -q")
        XCTAssertEqual(c.testCommandOverride, "make test")
        XCTAssertEqual(c.installCommand, "pip install -e .[test]")
        XCTAssertEqual(c.description, "With coverage")
        XCTAssertEqual(c.constraints, ResourceConstraints(memoryLimitMB: 4096, cpuTimeLimitS: 300, fileSizeLimitMB: 100,
                                                          cpuAffinity: [0, 2, 3]))
    }

    func testInlineAliasesOfTheSpec() throws {
        let c = try ConditionParser.parseInline(
            "a:test_prefix=coverage run,test_suffix=-v --tb=short,memory_limit=512,cpu_time_limit=60,cpu_affinity=1")
        XCTAssertEqual(c.testCommandPrefix, "coverage run")
        XCTAssertEqual(c.testCommandSuffix, "-v --tb=short")
        XCTAssertEqual(c.constraints.memoryLimitMB, 512)
        XCTAssertEqual(c.constraints.cpuTimeLimitS, 60)
        XCTAssertEqual(c.constraints.cpuAffinity, [1])
    }

    func testInlineEnvValueContainingEquals() throws {
        let c = try ConditionParser.parseInline("asan:env.ASAN_OPTIONS=detect_leaks=0:abort_on_error=1,env.X=")
        XCTAssertEqual(c.env, [KeyValue("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1"), KeyValue("X", "")])
    }

    func testInlineEmptyConditionAndColonInValue() throws {
        let base = try ConditionParser.parseInline("baseline:")
        XCTAssertEqual(base, ConditionDefinition(name: "baseline"))
        XCTAssertEqual(try ConditionParser.parseInline("  spaced  :  ").name, "spaced")
        // Only the first ':' separates the name.
        XCTAssertEqual(try ConditionParser.parseInline("p:target_python=/opt/py:3").targetPython, "/opt/py:3")
    }

    func testInlineCommasInsideValues() throws {
        // A piece that is not `key=...` continues the previous value (inner spaces kept).
        XCTAssertEqual(try ConditionParser.parseInline("a:env.X=a, b,env.Y=1").env, [KeyValue("X", "a, b"), KeyValue("Y", "1")])
        let c = try ConditionParser.parseInline("a:test_command_suffix=-k 'a or b',--tb=short,env.X=1")
        XCTAssertEqual(c.testCommandSuffix, "-k 'a or b',--tb=short")
        XCTAssertEqual(c.env, [KeyValue("X", "1")])
        // Trailing and doubled commas are ignored; spaces around keys and values stripped.
        let d = try ConditionParser.parseInline("a: env.A = 1 ,, env.B = 2 ,")
        XCTAssertEqual(d.env, [KeyValue("A", "1"), KeyValue("B", "2")])
    }

    func testInlineRepeatedKeys() throws {
        let c = try ConditionParser.parseInline("a:env.X=1,env.Y=2,env.X=3,description=one,description=two")
        XCTAssertEqual(c.env, [KeyValue("X", "3"), KeyValue("Y", "2")])
        XCTAssertEqual(c.description, "two")
    }

    func testInlineErrors() {
        assertConfigError(try ConditionParser.parseInline("nocolon"), contains: ["'nocolon'", "name:key=value"])
        assertConfigError(try ConditionParser.parseInline(":env.X=1"), contains: ["name", "empty"])
        assertConfigError(try ConditionParser.parseInline("jit:evn.X=1"),
                          contains: ["condition 'jit'", "unknown key 'evn.X'", "target_python", "env.KEY", "extra_deps"])
        assertConfigError(try ConditionParser.parseInline("jit:target_python"),
                          contains: ["condition 'jit'", "expected key=value", "'target_python'"])
        assertConfigError(try ConditionParser.parseInline("jit:env.=1"), contains: ["condition 'jit'", "env."])
        assertConfigError(try ConditionParser.parseInline("jit:memory_limit_mb=lots"),
                          contains: ["condition 'jit'", "memory_limit_mb", "'lots'", "not an integer"])
        assertConfigError(try ConditionParser.parseInline("jit:memory_limit=0"), contains: ["must be positive"])
        assertConfigError(try ConditionParser.parseInline("jit:cpu_affinity=a+b"),
                          contains: ["condition 'jit'", "cpu_affinity", "'a'"])
        assertConfigError(try ConditionParser.parseInline("jit:target_python="), contains: ["target_python", "empty value"])
        // A key-shaped piece after a comma starts a pair, so this is an unknown key, not part of the value.
        assertConfigError(try ConditionParser.parseInline("x:test_command_override=pytest --deselect a,b=c"),
                          contains: ["unknown key 'b'"])
        assertConfigError(try ConditionParser.parseInline("a/b:env.X=1"), contains: ["'/'"])
    }

    // MARK: - Profile parsing

    func testUserDocProfile() throws {
        let p = try profile(Self.userDocProfile, file: "jit-overhead.yaml")
        XCTAssertEqual(p.name, "JIT overhead measurement")
        XCTAssertEqual(p.description, "Compare JIT-enabled vs JIT-disabled CPython")
        XCTAssertEqual(p.iterations, 7)
        XCTAssertEqual(p.warmup, 2)
        XCTAssertEqual(p.timeout, 600)
        XCTAssertEqual(p.conditions.map(\.name), ["jit", "nojit"])
        XCTAssertEqual(p.conditions[0].targetPython, "/opt/cpython-jit/python")
        XCTAssertEqual(p.conditions[0].env, [KeyValue("PYTHON_JIT", "1")])
        XCTAssertEqual(p.conditions[1].env, [KeyValue("PYTHON_JIT", "0")])
        XCTAssertEqual(p.defaultEnv, [KeyValue("ASAN_OPTIONS", "detect_leaks=0")])
        XCTAssertEqual(p.defaultExtraDeps, ["pytest-timeout"])
        XCTAssertEqual(p.packages, ["requests", "click", "flask"])
        XCTAssertEqual(p.defaultConstraints, ResourceConstraints(memoryLimitMB: 4096, cpuAffinity: [0, 1]))
        XCTAssertTrue(p.path?.hasSuffix("jit-overhead.yaml") ?? false)

        // Resolved: the default_* keys reach every condition (the original ignored them).
        let s = try resolve(p)
        XCTAssertEqual(s.name, "JIT overhead measurement")
        XCTAssertEqual(s.iterations, 7)
        XCTAssertEqual(s.warmup, 2)
        XCTAssertEqual(s.timeout, 600)
        XCTAssertEqual(s.packages, ["requests", "click", "flask"])
        XCTAssertEqual(s.conditions.map(\.name), ["jit", "nojit"])
        for (c, jit) in zip(s.conditions, ["1", "0"]) {
            XCTAssertEqual(c.env, [KeyValue("ASAN_OPTIONS", "detect_leaks=0"), KeyValue("PYTHON_JIT", jit)])
            XCTAssertEqual(c.extraDeps, ["pytest-timeout"])
            XCTAssertEqual(c.constraints, ResourceConstraints(memoryLimitMB: 4096, cpuAffinity: [0, 1]))
            XCTAssertEqual(c.targetPython, "/opt/cpython-jit/python")
        }
        XCTAssertEqual(s.strategy, .alternating)
    }

    func testUserDocFlowStyleProfileAndFileOrder() throws {
        let p = try profile("""
            name: JIT overhead
            iterations: 7
            warmup: 2
            conditions:
              zeta:
                target_python: /opt/cpython-jit/python
                env: { PYTHON_JIT: "1" }
              alpha:
                target_python: /opt/cpython-jit/python
                env: { PYTHON_JIT: "0" }
              middle:
            """)
        XCTAssertEqual(p.conditions.map(\.name), ["zeta", "alpha", "middle"])
        XCTAssertEqual(p.conditions[2], ConditionDefinition(name: "middle"))
    }

    func testProfileEnvScalarsCoercedToStrings() throws {
        // Unquoted numbers and booleans become strings as written (the original crashed on them).
        let p = try profile("""
            default_env:
              THREADS: 4
            conditions:
              jit:
                target_python: /p
                env:
                  PYTHON_JIT: 1
                  RATIO: 0.5
                  FLAG: true
                  EMPTY: ""
            """)
        XCTAssertEqual(p.defaultEnv, [KeyValue("THREADS", "4")])
        XCTAssertEqual(p.conditions[0].env,
                       [KeyValue("PYTHON_JIT", "1"), KeyValue("RATIO", "0.5"), KeyValue("FLAG", "true"), KeyValue("EMPTY", "")])
        assertConfigError(try profile("default_env:\n  X:\n"), contains: ["default_env.X", "null"])
        assertConfigError(try profile("default_env:\n  X: [1, 2]\n"), contains: ["default_env.X", "a list"])
    }

    func testProfileAllTopLevelKeys() throws {
        let p = try profile("""
            name: n
            description: d
            iterations: 9
            warmup: 0
            timeout: 120.5
            target_python: /usr/bin/python3
            default_test_command_suffix: -x
            constraints:
              cpu_affinity: [2, 3]
              cpu_time_limit_s: 30
              file_size_limit_mb: 10
            top_n: 15
            registry_dir: /reg
            repos_dir: /r
            venvs_dir: /v
            work_dir: /w
            results_dir: /res
            alternate: false
            interleave: true
            adaptive: yes
            adaptive_threshold: 0.01
            adaptive_min_iterations: 4
            drop_caches: true
            warm_vs_cold: false
            per_test_timing: true
            check_stability: true
            wait_for_stability: false
            force_run: true
            installer: UV
            default_extra_deps: "a, b"
            packages: requests,click
            """)
        XCTAssertEqual(p.iterations, 9)
        XCTAssertEqual(p.warmup, 0)
        XCTAssertEqual(p.timeout, 120.5)
        XCTAssertEqual(p.targetPython, "/usr/bin/python3")
        XCTAssertEqual(p.defaultTestCommandSuffix, "-x")
        XCTAssertEqual(p.defaultConstraints, ResourceConstraints(cpuTimeLimitS: 30, fileSizeLimitMB: 10, cpuAffinity: [2, 3]))
        XCTAssertEqual(p.topN, 15)
        XCTAssertEqual(p.registryDir, "/reg")
        XCTAssertEqual(p.reposDir, "/r")
        XCTAssertEqual(p.venvsDir, "/v")
        XCTAssertEqual(p.workDir, "/w")
        XCTAssertEqual(p.resultsDir, "/res")
        XCTAssertEqual(p.alternate, false)
        XCTAssertEqual(p.interleave, true)
        XCTAssertEqual(p.adaptive, true)
        XCTAssertEqual(p.adaptiveThreshold, 0.01)
        XCTAssertEqual(p.adaptiveMinIterations, 4)
        XCTAssertEqual(p.dropCaches, true)
        XCTAssertEqual(p.warmVsCold, false)
        XCTAssertEqual(p.perTestTiming, true)
        XCTAssertEqual(p.checkStability, true)
        XCTAssertEqual(p.waitForStability, false)
        XCTAssertEqual(p.forceRun, true)
        XCTAssertEqual(p.installer, "uv")
        XCTAssertEqual(p.defaultExtraDeps, ["a", "b"])
        XCTAssertEqual(p.packages, ["requests", "click"])
    }

    func testProfileConditionKeys() throws {
        let p = try profile("""
            conditions:
              cov:
                description: coverage
                target_python: /p
                extra_deps: [coverage, pytest-cov]
                test_command_prefix: coverage run -m
                test_suffix: -q
                test_command_override: null
                install_command: pip install .
                constraints:
                  memory_limit_mb: 2048
                  cpu_affinity: 0-1
            """)
        let c = p.conditions[0]
        XCTAssertEqual(c.description, "coverage")
        XCTAssertEqual(c.extraDeps, ["coverage", "pytest-cov"])
        XCTAssertEqual(c.testCommandPrefix, "coverage run -m")
        XCTAssertEqual(c.testCommandSuffix, "-q")
        XCTAssertNil(c.testCommandOverride)
        XCTAssertEqual(c.installCommand, "pip install .")
        XCTAssertEqual(c.constraints, ResourceConstraints(memoryLimitMB: 2048, cpuAffinity: [0, 1]))
    }

    func testProfileErrors() throws {
        assertConfigError(try profile("name: x\nitertions: 7\n", file: "typo.yaml"),
                          contains: ["typo.yaml:2", "unknown key 'itertions'", "iterations"])
        assertConfigError(try profile("conditions:\n  jit:\n    evn:\n      X: 1\n", file: "c.yaml"),
                          contains: ["c.yaml:3", "conditions.jit", "unknown key 'evn'", "target_python"])
        assertConfigError(try profile("conditions:\n  jit:\n    constraints:\n      memory: 1\n"),
                          contains: ["conditions.jit.constraints", "unknown key 'memory'"])
        assertConfigError(try profile("default_constraints:\n  cpu_affinity: \"a,b\"\n", file: "aff.yaml"),
                          contains: ["aff.yaml:2", "cpu_affinity", "'a'"])
        assertConfigError(try profile("iterations: seven\n"), contains: ["iterations", "expected an integer", "'seven'"])
        assertConfigError(try profile("drop_caches: maybe\n"), contains: ["drop_caches", "true or false"])
        assertConfigError(try profile("- a\n- b\n", file: "list.yaml"), contains: ["list.yaml", "mapping", "a list"])
        assertConfigError(try profile("conditions: [a, b]\n"), contains: ["conditions", "mapping of condition_name"])
        assertConfigError(try profile("conditions:\n  jit: 3\n"), contains: ["conditions.jit", "mapping"])
        assertConfigError(try profile("constraints: {memory_limit_mb: 1}\ndefault_constraints: {memory_limit_mb: 2}\n"),
                          contains: ["default_constraints", "constraints"])
        assertConfigError(try profile("installer: conda\n"), contains: ["installer", "conda"])
        assertConfigError(try profile(""), contains: ["empty"])
        assertConfigError(try BenchProfile.load(path: "/nonexistent/profile.yaml"), contains: ["Profile not found", "/nonexistent/profile.yaml"])
    }

    func testMalformedYAMLNamesFileAndLine() throws {
        assertConfigError(try profile("name: x\nconditions:\n  jit: {target_python: /p\n  nojit: {}\n", file: "broken.yaml"),
                          contains: ["Invalid YAML in", "broken.yaml", "line "])
        assertConfigError(try profile("name: a\nname: b\n", file: "dup.yaml"), contains: ["dup.yaml", "duplicated key", "'name'", "line 1"])
    }

    // MARK: - Settings: defaults and precedence

    func testDefaultsWithoutProfileUsePython3FromPath() throws {
        let bin = try makeTempDir()
        let python = try writeFile(bin, "python3", "#!/bin/sh\n")
        XCTAssertEqual(chmod(python, 0o755), 0)
        let s = try resolve(environment: ["HOME": "/home/tester", "PATH": "/nonexistent:\(bin.path)"])
        XCTAssertEqual(s.conditions.map(\.name), ["default"])
        XCTAssertEqual(s.conditions[0].targetPython, python)
        XCTAssertEqual(s.iterations, 5)
        XCTAssertEqual(s.warmup, 1)
        XCTAssertEqual(s.timeout, 600)
        XCTAssertEqual(s.totalIterations, 6)
        XCTAssertFalse(s.alternate)
        XCTAssertFalse(s.interleave)
        XCTAssertEqual(s.strategy, .block)
        XCTAssertTrue(s.block)
        XCTAssertFalse(s.adaptive)
        XCTAssertEqual(s.adaptiveThreshold, 0.005)
        XCTAssertEqual(s.adaptiveMinIterations, 5)
        XCTAssertNil(s.packages)
        XCTAssertNil(s.topN)
        XCTAssertNil(s.reposDir)
        XCTAssertNil(s.venvsDir)
        XCTAssertEqual(s.resultsDir, "results")
        XCTAssertEqual(s.registryDir, "/home/tester/.local/share/labeille/registry")
        XCTAssertEqual(s.installer, .auto)
        XCTAssertEqual(s.name, "")
        XCTAssertTrue(s.warnings.isEmpty)

        // No python3 on PATH: the bare word, which pathProblems() reports.
        let bare = try resolve()
        XCTAssertEqual(bare.conditions[0].targetPython, "python3")
        XCTAssertTrue(bare.pathProblems().contains { $0.field == "conditions.default.target_python" && $0.message.contains("does not exist") })
        // --target-python is the default condition's interpreter.
        var cli = CLIOverrides()
        cli.targetPython = "/opt/py/bin/python"
        XCTAssertEqual(try resolve(nil, cli).conditions[0].targetPython, "/opt/py/bin/python")
    }

    /// A profile that sets every option the command line can also set.
    func everyOptionProfile() throws -> BenchProfile {
        try profile("""
            name: from profile
            iterations: 7
            warmup: 3
            timeout: 100
            drop_caches: true
            per_test_timing: true
            interleave: true
            adaptive: true
            adaptive_threshold: 0.02
            adaptive_min_iterations: 6
            packages: [a, b]
            top_n: 10
            registry_dir: /profile/registry
            results_dir: /profile/results
            work_dir: /profile/work
            conditions:
              jit: {target_python: /p}
            """)
    }

    func testProfileValuesSurviveWhenTheCLIGivesNothing() throws {
        let p = try everyOptionProfile()
        // Nothing given on the CLI: every profile value survives (drop_caches included: the original's flag
        // default overwrote it).
        let s = try resolve(p)
        XCTAssertEqual(s.name, "from profile")
        XCTAssertEqual(s.iterations, 7)
        XCTAssertEqual(s.warmup, 3)
        XCTAssertEqual(s.timeout, 100)
        XCTAssertTrue(s.dropCaches)
        XCTAssertTrue(s.perTestTiming)
        XCTAssertTrue(s.interleave)
        XCTAssertEqual(s.strategy, .interleaved)
        XCTAssertTrue(s.adaptive)
        XCTAssertEqual(s.adaptiveThreshold, 0.02)
        XCTAssertEqual(s.adaptiveMinIterations, 6)
        XCTAssertEqual(s.packages, ["a", "b"])
        XCTAssertEqual(s.topN, 10)
        XCTAssertEqual(s.registryDir, "/profile/registry")  // the original ignored it
        XCTAssertEqual(s.resultsDir, "/profile/results")
        XCTAssertEqual(s.reposDir, "/profile/work/repos")
        XCTAssertEqual(s.venvsDir, "/profile/work/venvs")
    }

    func testCLIBeatsProfileOnlyWhenGiven() throws {
        let p = try everyOptionProfile()
        var cli = CLIOverrides()
        cli.name = "cli"
        cli.iterations = 10
        cli.warmup = 0  // 0 is a value, not "unset"
        cli.timeout = 30
        cli.dropCaches = false
        cli.interleave = false
        cli.adaptiveThreshold = 0.001
        cli.adaptiveMinIterations = 3
        cli.packages = ["x, y", "z"]
        cli.topN = 2
        cli.registryDir = "/cli/registry"
        cli.workDir = "/cli/work"
        cli.venvsDir = "/cli/venvs"
        let o = try resolve(p, cli)
        XCTAssertEqual(o.name, "cli")
        XCTAssertEqual(o.iterations, 10)
        XCTAssertEqual(o.warmup, 0)
        XCTAssertEqual(o.timeout, 30)
        XCTAssertFalse(o.dropCaches)
        XCTAssertFalse(o.interleave)
        XCTAssertTrue(o.perTestTiming)
        XCTAssertEqual(o.adaptiveThreshold, 0.001)
        XCTAssertEqual(o.adaptiveMinIterations, 3)
        XCTAssertEqual(o.packages, ["x", "y", "z"])
        XCTAssertEqual(o.topN, 2)
        XCTAssertEqual(o.registryDir, "/cli/registry")
        XCTAssertEqual(o.workDir, "/cli/work")
        XCTAssertEqual(o.reposDir, "/cli/work/repos")
        XCTAssertEqual(o.venvsDir, "/cli/venvs")
    }

    func testRegistryDirFromEnvironmentAndTildeExpansion() throws {
        var e = env
        e["LABEILLE_REGISTRY_DIR"] = "~/reg"
        XCTAssertEqual(try resolve(nil, CLIOverrides(), [], environment: e).registryDir, "/home/tester/reg")
        var cli = CLIOverrides()
        cli.workDir = "~/bench-work"
        cli.targetPython = "~/py/bin/python"
        let s = try resolve(nil, cli)
        XCTAssertEqual(s.reposDir, "/home/tester/bench-work/repos")
        XCTAssertEqual(s.venvsDir, "/home/tester/bench-work/venvs")
        XCTAssertEqual(s.conditions[0].targetPython, "/home/tester/py/bin/python")
    }

    func testDefaultsMergedIntoConditions() throws {
        let p = try profile("""
            target_python: /default/python
            default_env:
              ASAN_OPTIONS: detect_leaks=0
              SHARED: base
            default_extra_deps: [pytest-timeout, coverage]
            default_test_command_suffix: -x
            default_constraints:
              memory_limit_mb: 4096
              cpu_affinity: "0,1"
            conditions:
              plain:
              custom:
                target_python: /own/python
                env: {SHARED: mine, OWN: "1"}
                extra_deps: [coverage, hypothesis]
                test_command_suffix: -q
                constraints: {memory_limit_mb: 1024}
            """)
        let s = try resolve(p)
        let plain = s.conditions[0], custom = s.conditions[1]
        XCTAssertEqual(plain.targetPython, "/default/python")
        XCTAssertEqual(plain.env, [KeyValue("ASAN_OPTIONS", "detect_leaks=0"), KeyValue("SHARED", "base")])
        XCTAssertEqual(plain.extraDeps, ["pytest-timeout", "coverage"])
        XCTAssertEqual(plain.testCommandSuffix, "-x")
        XCTAssertEqual(plain.constraints, ResourceConstraints(memoryLimitMB: 4096, cpuAffinity: [0, 1]))
        XCTAssertEqual(custom.targetPython, "/own/python")
        XCTAssertEqual(custom.env, [KeyValue("ASAN_OPTIONS", "detect_leaks=0"), KeyValue("SHARED", "mine"), KeyValue("OWN", "1")])
        XCTAssertEqual(custom.extraDeps, ["pytest-timeout", "coverage", "hypothesis"])
        XCTAssertEqual(custom.testCommandSuffix, "-q")
        XCTAssertEqual(custom.constraints, ResourceConstraints(memoryLimitMB: 1024, cpuAffinity: [0, 1]))
        XCTAssertEqual(s.defaultEnv.count, 2)
        XCTAssertEqual(s.defaultTargetPython, "/default/python")
    }

    func testCLISharedOverrides() throws {
        let p = try profile("""
            default_env: {A: "1", B: "2"}
            default_extra_deps: [pytest-timeout]
            default_constraints: {memory_limit_mb: 4096, cpu_affinity: [0]}
            conditions:
              jit: {target_python: /p, env: {B: cond}}
            """)
        var cli = CLIOverrides()
        cli.env = ["B=cli", "C=x=y", "D="]
        cli.defaultExtraDeps = ["coverage,pytest-cov"]
        cli.defaultTestCommandSuffix = "--maxfail=1"
        cli.cpuAffinity = "2,3"
        cli.cpuTimeLimit = 300
        let s = try resolve(p, cli)
        XCTAssertEqual(s.defaultEnv, [KeyValue("A", "1"), KeyValue("B", "cli"), KeyValue("C", "x=y"), KeyValue("D", "")])
        let c = s.conditions[0]
        XCTAssertEqual(value(c.env, "B"), "cond")  // the condition's own env still wins
        XCTAssertEqual(value(c.env, "C"), "x=y")
        XCTAssertEqual(c.extraDeps, ["coverage", "pytest-cov"])  // --extra-deps replaces the profile list
        XCTAssertEqual(c.testCommandSuffix, "--maxfail=1")
        // Each CLI constraint overrides its own field only.
        XCTAssertEqual(c.constraints, ResourceConstraints(memoryLimitMB: 4096, cpuTimeLimitS: 300, cpuAffinity: [2, 3]))
    }

    func testInlineConditionsReplaceOrAppend() throws {
        let p = try profile("""
            target_python: /default/python
            conditions:
              jit: {target_python: /p, env: {PYTHON_JIT: "1"}, description: profile jit}
              nojit: {target_python: /p, env: {PYTHON_JIT: "0"}}
            """)
        let s = try resolve(p, CLIOverrides(), ["extra:env.X=3", "jit:env.PYTHON_JIT=2"])
        XCTAssertEqual(s.conditions.map(\.name), ["jit", "nojit", "extra"])
        // Replaced wholesale, in place: no target_python of its own → the default one.
        XCTAssertEqual(s.conditions[0].targetPython, "/default/python")
        XCTAssertEqual(s.conditions[0].env, [KeyValue("PYTHON_JIT", "2")])
        XCTAssertEqual(s.conditions[0].description, "")
        XCTAssertEqual(s.conditions[2].env, [KeyValue("X", "3")])
        assertConfigError(try resolve(p, CLIOverrides(), ["bad"]), contains: ["'bad'"])
        // Two --conditions with one name would silently replace each other: refused.
        assertConfigError(try resolve(p, CLIOverrides(), ["extra:env.X=1", "extra:env.X=3"]), contains: ["'extra'", "more than once"])
    }

    func testQuickMode() throws {
        var cli = CLIOverrides()
        cli.quick = true
        cli.iterations = 10
        cli.warmup = 4
        cli.targetPython = "/p"
        var s = try resolve(nil, cli)
        XCTAssertEqual(s.iterations, 3)
        XCTAssertEqual(s.warmup, 0)
        XCTAssertEqual(s.topN, 20)
        XCTAssertFalse(s.adaptive)
        XCTAssertTrue(s.quick)
        XCTAssertEqual(s.name, "Quick benchmark")
        XCTAssertTrue(s.warnings.isEmpty)

        cli.topN = 100
        XCTAssertEqual(try resolve(nil, cli).topN, 20)
        cli.topN = 5
        XCTAssertEqual(try resolve(nil, cli).topN, 5)
        cli.name = "My bench"
        XCTAssertEqual(try resolve(nil, cli).name, "My bench (quick)")

        // Adaptive from the profile or the CLI is switched off, with a warning for the explicit flag
        // (3 iterations are below its minimum, so it could never trigger).
        let p = try profile("adaptive: true\nconditions:\n  a: {target_python: /p}\n")
        XCTAssertFalse(try resolve(p, cli).adaptive)
        cli.adaptive = true
        s = try resolve(p, cli)
        XCTAssertFalse(s.adaptive)
        XCTAssertEqual(s.warnings.map(\.field), ["adaptive"])
    }

    func testStrategies() throws {
        let two = try profile("conditions:\n  a: {target_python: /p}\n  b: {target_python: /p}\n")
        XCTAssertEqual(try resolve(two).strategy, .alternating)
        XCTAssertTrue(try resolve(two).alternate)
        var cli = CLIOverrides()
        cli.alternate = false
        XCTAssertEqual(try resolve(two, cli).strategy, .block)
        cli = CLIOverrides()
        cli.interleave = true
        let inter = try resolve(two, cli)
        XCTAssertEqual(inter.strategy, .interleaved)
        XCTAssertTrue(inter.warnings.isEmpty)  // auto-alternate does not conflict
        cli.alternate = true
        XCTAssertEqual(try resolve(two, cli).warnings.map(\.field), ["interleave"])
        // --interleave is honoured without a profile too (the original ignored it there).
        var bare = CLIOverrides()
        bare.interleave = true
        XCTAssertEqual(try resolve(nil, bare, ["a:target_python=/p", "b:target_python=/p"]).strategy, .interleaved)
    }

    func testWarmVsCold() throws {
        let p = try profile("conditions:\n  jit: {target_python: /p, description: JIT on}\n  nojit: {target_python: /p}\n")
        var cli = CLIOverrides()
        cli.warmVsCold = true
        let s = try resolve(p, cli)
        XCTAssertEqual(s.conditions.map(\.name), ["jit-warm", "jit-cold", "nojit-warm", "nojit-cold"])
        XCTAssertEqual(s.coldConditions, ["jit-cold", "nojit-cold"])
        XCTAssertFalse(s.dropCaches)
        XCTAssertTrue(s.dropsCaches(for: "jit-cold"))
        XCTAssertFalse(s.dropsCaches(for: "jit-warm"))
        XCTAssertEqual(s.conditions[0].description, "JIT on (warm caches)")
        XCTAssertTrue(s.conditions[3].description.contains("cold"))
        cli.dropCaches = true
        let both = try resolve(p, cli)
        XCTAssertFalse(both.dropCaches)
        XCTAssertEqual(both.warnings.map(\.field), ["drop_caches"])
    }

    // MARK: - Validation

    func testValidationErrors() throws {
        let p = try profile("conditions:\n  a: {target_python: /p}\n")
        func cli(_ edit: (inout CLIOverrides) -> Void) -> CLIOverrides {
            var c = CLIOverrides()
            edit(&c)
            return c
        }
        assertConfigError(try resolve(p, cli { $0.iterations = 0 }),
                          contains: ["Invalid benchmark configuration:", "iterations: Need at least 3", "(got 0)"])  // 0 is not "unset"
        assertConfigError(try resolve(p, cli { $0.iterations = 2 }), contains: ["iterations", "(got 2)"])
        assertConfigError(try resolve(p, cli { $0.warmup = -1 }), contains: ["warmup", "cannot be negative"])
        assertConfigError(try resolve(p, cli { $0.timeout = 0 }), contains: ["timeout", "must be positive (got 0)"])
        assertConfigError(try resolve(p, cli { $0.topN = 0 }), contains: ["top_n"])
        assertConfigError(try resolve(p, cli { $0.cpuAffinity = "a,b" }), contains: ["--cpu-affinity", "'a'"])
        assertConfigError(try resolve(p, cli { $0.memoryLimit = 0 }), contains: ["memory_limit"])
        assertConfigError(try resolve(p, cli { $0.env = ["NOEQUALS"] }),
                          contains: ["Invalid --env format (expected KEY=VALUE): NOEQUALS"])
        assertConfigError(try resolve(p, cli { $0.installer = "conda" }), contains: ["installer"])
        assertConfigError(try resolve(p, cli { $0.adaptive = true; $0.adaptiveThreshold = 0 }),
                          contains: ["adaptive_threshold"])
        assertConfigError(try resolve(p, cli { $0.adaptive = true; $0.adaptiveMinIterations = 2 }),
                          contains: ["adaptive_min_iterations", ">= 3"])
        // Adaptive rules are skipped when adaptive is off.
        XCTAssertNoThrow(try resolve(p, cli { $0.adaptiveThreshold = 0 }))
        // A profile value that is too low can be corrected from the CLI.
        let low = try profile("iterations: 2\nconditions:\n  a: {target_python: /p}\n")
        XCTAssertThrowsError(try resolve(low))
        XCTAssertEqual(try resolve(low, cli { $0.iterations = 4 }).iterations, 4)
        // Several errors are reported together.
        XCTAssertThrowsError(try resolve(p, cli { $0.iterations = 1; $0.warmup = -2 })) { error in
            XCTAssertEqual((error as? ConfigError)?.issues.map(\.field), ["iterations", "warmup"])
        }
        // A condition with no interpreter anywhere.
        assertConfigError(try resolve(nil, CLIOverrides(), ["cov:test_command_prefix=coverage run -m"]),
                          contains: ["conditions.cov.target_python", "has no target Python"])
    }

    func testValidationWarnings() throws {
        let p = try profile("conditions:\n  a: {target_python: /p}\n")
        var cli = CLIOverrides()
        cli.adaptive = true
        cli.adaptiveMinIterations = 10
        let s = try resolve(p, cli)
        XCTAssertEqual(s.warnings.map(\.field), ["adaptive_min_iterations"])
        XCTAssertTrue(s.warnings[0].message.contains("exceeds total iterations (5)"))
        XCTAssertEqual(s.warnings[0].severity, .warning)
    }

    func testPathProblems() throws {
        let dir = try makeTempDir()
        let python = try writeFile(dir, "python", "#!/bin/sh\n")
        var cli = CLIOverrides()
        cli.registryDir = dir.path
        let ok = try resolve(nil, cli, ["a:target_python=\(python)"])
        XCTAssertEqual(ok.pathProblems(), [])
        cli.registryDir = dir.path + "/missing"
        let bad = try resolve(nil, cli, ["a:target_python=\(dir.path)", "b:target_python=/nonexistent/python"])
        XCTAssertEqual(bad.pathProblems().map(\.message), [
            "Target Python for condition 'a' is not a file: \(dir.path)",
            "Target Python for condition 'b' does not exist: /nonexistent/python",
            "Registry directory does not exist: \(dir.path)/missing",
        ])
    }

    // MARK: - Registry

    /// gamma 5000 downloads; delta 300 (skip: true); alpha 100 (skip_versions 3.14); beta unknown count.
    private func makeRegistry() throws -> URL {
        let dir = try makeTempDir()
        _ = try writeFile(dir, "index.yaml", """
            last_updated: '2026-03-01T00:00:00'
            packages:
            - name: alpha
              download_count: 100
              extension_type: pure
              skip_versions_keys: ['3.14']
            - name: beta
              download_count: null
            - name: delta
              download_count: 300
              skip: true
            - name: gamma
              download_count: 5000
              enriched: true
            """)
        _ = try writeFile(dir, "packages/alpha.yaml", """
            package: alpha
            repo: https://github.com/example/alpha
            install_command: pip install -e '.[test]'
            test_command: python -m pytest tests/
            skip_versions:
              '3.14': C API changes
              3.10: old
            """)
        _ = try writeFile(dir, "packages/beta.yaml", """
            package: beta
            repo: https://github.com/example/beta
            test_command: python -m unittest
            test_framework: unittest
            timeout: 1200
            clone_depth: 50
            notes: null
            future_field: 1
            """)
        _ = try writeFile(dir, "packages/delta.yaml", """
            package: delta
            repo: https://github.com/example/delta
            skip: true
            skip_reason: flaky network tests
            """)
        _ = try writeFile(dir, "packages/gamma.yaml", """
            package: gamma
            repo: https://github.com/example/gamma
            test_command: pytest -x
            uses_xdist: true
            import_name: gamma_lib
            python_versions: ['3.12', '3.13']
            """)
        return dir
    }

    func testRegistryLoad() throws {
        let all = try Registry.load(directory: try makeRegistry().path)
        XCTAssertEqual(all.map(\.name), ["alpha", "beta", "delta", "gamma"])
        let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
        let alpha = try XCTUnwrap(byName["alpha"]), beta = try XCTUnwrap(byName["beta"])
        let delta = try XCTUnwrap(byName["delta"]), gamma = try XCTUnwrap(byName["gamma"])
        XCTAssertEqual(alpha.repo, "https://github.com/example/alpha")
        XCTAssertEqual(alpha.installCommand, "pip install -e '.[test]'")
        XCTAssertEqual(alpha.testCommand, "python -m pytest tests/")
        XCTAssertEqual(alpha.skipVersions, ["3.14": "C API changes", "3.10": "old"])
        XCTAssertEqual(alpha.downloads, 100)
        XCTAssertTrue(alpha.inIndex)
        XCTAssertNil(beta.downloads)
        XCTAssertEqual(beta.testFramework, "unittest")
        XCTAssertEqual(beta.timeout, 1200)
        XCTAssertEqual(beta.cloneDepth, 50)
        XCTAssertEqual(beta.notes, "")
        XCTAssertEqual(beta.unknownFields, ["future_field"])
        XCTAssertEqual(beta.effectiveTimeout(runTimeout: 600), 1200)
        XCTAssertEqual(alpha.effectiveTimeout(runTimeout: 600), 600)
        XCTAssertTrue(delta.skip)
        XCTAssertEqual(delta.skipReason, "flaky network tests")
        XCTAssertEqual(gamma.testFramework, "pytest")
        XCTAssertTrue(gamma.usesXdist)
        XCTAssertEqual(gamma.importName, "gamma_lib")
        XCTAssertEqual(gamma.pythonVersions, ["3.12", "3.13"])
        XCTAssertEqual(gamma.downloads, 5000)
    }

    func testRegistryTopOrdersByDownloads() throws {
        let all = try Registry.load(directory: try makeRegistry().path)
        // Force-run: nothing skipped, ranked by downloads desc, unknown counts last (the original took names A–Z).
        let forced = Registry.select(all, packages: nil, top: nil, pythonVersion: "3.14", forceRun: true)
        XCTAssertEqual(forced.selected.map(\.name), ["gamma", "delta", "alpha", "beta"])
        XCTAssertTrue(forced.skipped.isEmpty)
        XCTAssertEqual(Registry.select(all, packages: nil, top: 2, pythonVersion: "3.12", forceRun: true).selected.map(\.name),
                       ["gamma", "delta"])
        // Without force-run, skipped packages do not count towards N.
        let top2 = Registry.select(all, packages: nil, top: 2, pythonVersion: "3.14", forceRun: false)
        XCTAssertEqual(top2.selected.map(\.name), ["gamma", "beta"])
        XCTAssertEqual(top2.skipped.map(\.name), ["delta", "alpha"])
        XCTAssertTrue(top2.skipped[0].reason.contains("flaky network tests"))
        XCTAssertTrue(top2.skipped[1].reason.contains("3.14"))
        XCTAssertTrue(top2.skipped[1].reason.contains("C API changes"))
        let top1 = Registry.select(all, packages: nil, top: 1, pythonVersion: "3.14", forceRun: false)
        XCTAssertEqual(top1.selected.map(\.name), ["gamma"])
        XCTAssertTrue(top1.skipped.isEmpty)
    }

    func testRegistryPackagesFilter() throws {
        let all = try Registry.load(directory: try makeRegistry().path)
        let r = Registry.select(all, packages: ["beta", "nosuch", "GAMMA", "beta"], top: nil, pythonVersion: "3.12", forceRun: false)
        XCTAssertEqual(r.selected.map(\.name), ["beta", "gamma"])  // user order, duplicates dropped
        XCTAssertEqual(r.skipped.map(\.name), ["nosuch"])
        XCTAssertEqual(r.skipped.first?.reason, "not in registry")
        // Top N among the listed packages, by downloads, keeping the user's order.
        let t = Registry.select(all, packages: ["beta", "alpha", "gamma"], top: 2, pythonVersion: "3.12", forceRun: false)
        XCTAssertEqual(t.selected.map(\.name), ["alpha", "gamma"])
    }

    func testRegistrySkipAndSkipVersions() throws {
        let all = try Registry.load(directory: try makeRegistry().path)
        let wanted = ["delta", "alpha"]
        let py314 = Registry.select(all, packages: wanted, top: nil, pythonVersion: "3.14", forceRun: false)
        XCTAssertEqual(py314.selected.map(\.name), [])
        XCTAssertEqual(py314.skipped.map(\.name), ["delta", "alpha"])
        // skip_versions only applies to the listed version; "3.14.2" is cut to "3.14".
        XCTAssertEqual(Registry.select(all, packages: wanted, top: nil, pythonVersion: "3.12", forceRun: false).selected.map(\.name), ["alpha"])
        XCTAssertEqual(Registry.select(all, packages: wanted, top: nil, pythonVersion: "3.14.2", forceRun: false).selected.map(\.name), [])
        XCTAssertEqual(Registry.select(all, packages: wanted, top: nil, pythonVersion: "3.10", forceRun: false).selected.map(\.name), [])
        XCTAssertEqual(Registry.select(all, packages: wanted, top: nil, pythonVersion: nil, forceRun: false).selected.map(\.name), ["alpha"])
        // force_run benchmarks them anyway.
        let forced = Registry.select(all, packages: wanted, top: nil, pythonVersion: "3.14", forceRun: true)
        XCTAssertEqual(forced.selected.map(\.name), ["delta", "alpha"])
        XCTAssertTrue(forced.skipped.isEmpty)
    }

    func testRegistryProblems() throws {
        let reg = try makeRegistry()
        // Index entry without a package file, and a package without repo: never selected, even with force-run.
        _ = try writeFile(reg, "index.yaml", """
            packages:
            - name: gamma
              download_count: 5000
            - name: ghost
              download_count: 10
            - {name: norepo}
            """)
        _ = try writeFile(reg, "packages/norepo.yaml", "package: norepo\nrepo: null\n")
        let all = try Registry.load(directory: reg.path)
        XCTAssertEqual(all.map(\.name), ["gamma", "ghost", "norepo", "alpha", "beta", "delta"])
        XCTAssertFalse(all[3].inIndex)
        let r = Registry.select(all, packages: ["ghost", "norepo", "gamma"], top: nil, pythonVersion: nil, forceRun: true)
        XCTAssertEqual(r.selected.map(\.name), ["gamma"])
        XCTAssertEqual(r.skipped.map(\.name), ["ghost", "norepo"])
        XCTAssertTrue(r.skipped[0].reason.contains("packages/ghost.yaml"))
        XCTAssertTrue(r.skipped[1].reason.contains("repo"))

        // Malformed package YAML names the file.
        let badFile = try writeFile(reg, "packages/broken.yaml", "package: broken\nrepo: [unclosed\n")
        assertConfigError(try Registry.load(directory: reg.path), contains: [badFile])
        _ = try writeFile(reg, "packages/broken.yaml", "- just\n- a list\n")
        assertConfigError(try Registry.load(directory: reg.path), contains: [badFile, "mapping"])
        _ = try writeFile(reg, "packages/broken.yaml", "package: broken\ntimeout: soon\n")
        assertConfigError(try Registry.load(directory: reg.path), contains: [badFile + ":2", "timeout"])
        try FileManager.default.removeItem(atPath: badFile)

        // Malformed index.
        let index = try writeFile(reg, "index.yaml", "packages: {name: x\n")
        assertConfigError(try Registry.load(directory: reg.path), contains: [index])

        // Missing directory; newer schema.
        assertConfigError(try Registry.load(directory: reg.path + "/nope"), contains: ["Registry directory does not exist"])
        _ = try writeFile(reg, "index.yaml", "packages: []\n")
        _ = try writeFile(reg, "schema.yaml", "schema_version: 99\nmin_labeille_version: '9.0'\n")
        assertConfigError(try Registry.load(directory: reg.path), contains: ["schema v99", "registry sync", ">= 9.0"])
        _ = try writeFile(reg, "schema.yaml", "schema_version: 1\n")
        XCTAssertEqual(try Registry.load(directory: reg.path).map(\.name), ["alpha", "beta", "delta", "gamma", "norepo"])
    }

    func testRegistryWithoutIndexLoadsPackageFiles() throws {
        let reg = try makeRegistry()
        try FileManager.default.removeItem(at: reg.appendingPathComponent("index.yaml"))
        let all = try Registry.load(directory: reg.path)
        XCTAssertEqual(all.map(\.name), ["alpha", "beta", "delta", "gamma"])
        XCTAssertTrue(all.allSatisfy { $0.downloads == nil && !$0.inIndex })
        // Without the index, alpha's skip_versions still come from its own file; delta's skip too.
        let r = Registry.select(all, packages: nil, top: nil, pythonVersion: "3.14", forceRun: false)
        XCTAssertEqual(r.selected.map(\.name), ["beta", "gamma"])
    }
}
