import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore
import Yams

/// One package of the laruche registry (`<registry>/packages/<name>.yaml`), joined with its
/// `index.yaml` entry.
public struct RegistryPackage: Equatable, Sendable {
    /// The index name (= the package file's stem).
    public var name: String
    /// Git URL; nil or empty means the package cannot be benchmarked.
    public var repo: String?
    public var pypiURL = ""
    /// `pure`, `extensions` or `unknown`.
    public var extensionType = "unknown"
    public var pythonVersions: [String] = []
    /// `pip`, `pip-extras` or `custom` (informational).
    public var installMethod = "pip"
    /// Shell string run in the clone; empty = `pip install -e .`.
    public var installCommand = ""
    /// Shell string run in the clone; empty = `python -m pytest`.
    public var testCommand = ""
    /// `pytest`, `unittest` or `custom`.
    public var testFramework = "pytest"
    public var usesXdist = false
    /// Per-package timeout in seconds (see `effectiveTimeout(runTimeout:)`).
    public var timeout: Int?
    /// `skip: true` in the package file or in its index entry.
    public var skip = false
    public var skipReason: String?
    /// "major.minor" → reason, from the package file; versions listed only in the index's
    /// `skip_versions_keys` appear with an empty reason. Keys are kept as written (`3.10` stays "3.10").
    public var skipVersions: [String: String] = [:]
    public var notes = ""
    public var enriched = false
    /// Shallow-clone depth; nil = full clone.
    public var cloneDepth: Int?
    public var importName: String?
    /// `download_count` from `index.yaml`; nil when unknown or when the package is not in the index.
    public var downloads: Int?
    /// Listed in `index.yaml`.
    public var inIndex = false
    /// Path of the package file; nil when the index lists the package but the file is missing.
    public var packageFile: String?
    /// Keys of the package file that are not registry fields (sorted), for a debug log.
    public var unknownFields: [String] = []

    public init(name: String) { self.name = name }

    /// The timeout to use for this package's iterations and installs: the larger of the run's and the
    /// package's own (the original ignored the package's).
    public func effectiveTimeout(runTimeout: Double) -> Double {
        max(runTimeout, Double(timeout ?? 0))
    }

    /// Why the registry says not to run this package under Python `pythonVersion` ("3.12"; longer
    /// versions are cut to major.minor), or nil. Ignores `forceRun` — see `Registry.select`.
    public func registrySkipReason(pythonVersion: String?) -> String? {
        if skip {
            let why = (skipReason ?? "").trimmingCharacters(in: .whitespaces)
            return why.isEmpty ? "marked skip in registry" : "marked skip in registry: \(why)"
        }
        if let v = pythonVersion.map(Registry.majorMinor), let why = skipVersions[v] {
            let reason = why.trimmingCharacters(in: .whitespaces)
            return reason.isEmpty ? "skipped for Python \(v) in registry" : "skipped for Python \(v) in registry: \(reason)"
        }
        return nil
    }
}

/// Loading and selecting packages from a laruche registry directory.
public enum Registry {
    /// The registry schema version this loader understands.
    public static let supportedSchemaVersion = 1

    public static let packageFields = [
        "package", "repo", "pypi_url", "extension_type", "python_versions", "install_method", "install_command",
        "test_command", "test_framework", "uses_xdist", "timeout", "skip", "skip_reason", "skip_versions", "notes",
        "enriched", "clone_depth", "import_name",
    ]

    /// Loads every package of the registry at `directory`.
    ///
    /// Order: `index.yaml` order, then package files the index does not list (sorted by name, with no
    /// download count). Without `index.yaml`, every `packages/*.yaml` file is loaded. An index entry
    /// without a package file is returned with `packageFile == nil` (`select` reports it as skipped).
    ///
    /// Throws `ConfigError` when the directory does not exist, when `schema.yaml` is unreadable or declares
    /// a newer schema, and when `index.yaml` or any package file is malformed (naming the file).
    public static func load(directory: String) throws -> [RegistryPackage] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw ConfigError("Registry directory does not exist: \(directory)")
        }
        try checkSchema(directory: directory)

        let packagesDir = directory + "/packages"
        let files = ((try? fm.contentsOfDirectory(atPath: packagesDir)) ?? [])
            .filter { $0.hasSuffix(".yaml") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(5)) }
            .sorted()
        let fileSet = Set(files)

        var out: [RegistryPackage] = []
        var listed = Set<String>()
        let indexPath = directory + "/index.yaml"
        if fm.fileExists(atPath: indexPath) {
            for entry in try loadIndex(path: indexPath) where listed.insert(entry.name).inserted {
                var pkg = fileSet.contains(entry.name)
                    ? try loadPackage(path: "\(packagesDir)/\(entry.name).yaml", name: entry.name)
                    : RegistryPackage(name: entry.name)
                pkg.inIndex = true
                pkg.downloads = entry.downloads
                pkg.skip = pkg.skip || entry.skip
                for v in entry.skipVersionsKeys where pkg.skipVersions[v] == nil { pkg.skipVersions[v] = "" }
                out.append(pkg)
            }
        }
        for name in files where !listed.contains(name) {
            out.append(try loadPackage(path: "\(packagesDir)/\(name).yaml", name: name))
        }
        return out
    }

    /// Chooses the packages to benchmark.
    ///
    /// * `packages` given: the user's order is kept (duplicates dropped; a name not found exactly is
    ///   matched case-insensitively); unknown names are reported as `not in registry`. With `top` as
    ///   well, the `top` most-downloaded of the eligible listed packages are kept, still in the user's order.
    /// * otherwise: all packages ranked by download count (descending, unknown counts last, then name),
    ///   and with `top` the first `top` eligible ones (the original took the first N alphabetically).
    /// * A package is ineligible when its package file is missing or it has no repo URL (always), or when
    ///   it is marked `skip` or lists `pythonVersion` (major.minor) in `skip_versions` — unless
    ///   `forceRun` (the original ignored these marks). Ineligible packages are reported in `skipped` with
    ///   the reason; when `top` cuts the ranked list short, packages past the cut are neither selected nor
    ///   reported.
    public static func select(_ all: [RegistryPackage], packages: [String]?, top: Int?, pythonVersion: String?,
                              forceRun: Bool) -> (selected: [RegistryPackage], skipped: [(name: String, reason: String)]) {
        var skipped: [(name: String, reason: String)] = []
        func ineligibility(_ p: RegistryPackage) -> String? {
            // The name becomes a folder of clones, worktrees and venvs.
            if let problem = SafeName.problem(p.name) { return "the package name \(problem)" }
            if p.packageFile == nil { return "listed in index.yaml but packages/\(p.name).yaml is missing" }
            if (p.repo ?? "").trimmingCharacters(in: .whitespaces).isEmpty { return "no repo URL in registry" }
            return forceRun ? nil : p.registrySkipReason(pythonVersion: pythonVersion)
        }
        let limit = top.map { max(0, $0) }

        if let wanted = packages {
            var byName: [String: RegistryPackage] = [:]
            var byLower: [String: RegistryPackage] = [:]
            for p in all {
                if byName[p.name] == nil { byName[p.name] = p }
                if byLower[p.name.lowercased()] == nil { byLower[p.name.lowercased()] = p }
            }
            var eligible: [RegistryPackage] = []
            var seen = Set<String>()
            for raw in wanted {
                let name = raw.trimmingCharacters(in: .whitespaces)
                if name.isEmpty { continue }
                guard let p = byName[name] ?? byLower[name.lowercased()] else {
                    if seen.insert("?" + name).inserted { skipped.append((name: name, reason: "not in registry")) }
                    continue
                }
                guard seen.insert(p.name).inserted else { continue }
                if let why = ineligibility(p) { skipped.append((name: p.name, reason: why)) } else { eligible.append(p) }
            }
            guard let limit, limit < eligible.count else { return (eligible, skipped) }
            let kept = Set(ranked(eligible).prefix(limit).map(\.name))
            return (eligible.filter { kept.contains($0.name) }, skipped)
        }

        var selected: [RegistryPackage] = []
        for p in ranked(all) {
            if let limit, selected.count >= limit { break }
            if let why = ineligibility(p) { skipped.append((name: p.name, reason: why)) } else { selected.append(p) }
        }
        return (selected, skipped)
    }

    /// Download count descending, unknown counts last, then name (code-point order).
    public static func ranked(_ packages: [RegistryPackage]) -> [RegistryPackage] {
        packages.enumerated().sorted { a, b in
            switch (a.element.downloads, b.element.downloads) {
            case let (x?, y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default:
                if a.element.name != b.element.name { return a.element.name < b.element.name }
                return a.offset < b.offset
            }
        }.map(\.element)
    }

    /// "3.12.1" → "3.12"; "3.14t" → "3.14".
    static func majorMinor(_ version: String) -> String {
        let parts = version.trimmingCharacters(in: .whitespaces).split(separator: ".")
        guard parts.count >= 2 else { return version.trimmingCharacters(in: .whitespaces) }
        return "\(parts[0]).\(parts[1].prefix { $0.isNumber })"
    }

    // MARK: - Files

    static func checkSchema(directory: String) throws {
        let path = directory + "/schema.yaml"
        guard FileManager.default.fileExists(atPath: path) else { return }
        let root: Node?
        do {
            let text = try SafeFile.readText(path)
            root = try Yams.compose(yaml: text)
        } catch {
            let detail = (error as? YamlError).map(YAMLSource.describe) ?? "\(error)"
            throw ConfigError("schema.yaml exists at \(directory) but cannot be parsed: \(detail)")
        }
        guard case let .mapping(map)? = root, let versionNode = map["schema_version"],
              let version = versionNode.scalar.flatMap({ Int($0.string) }) else { return }
        if version > supportedSchemaVersion {
            let minimum = map["min_labeille_version"]?.scalar?.string ?? "unknown"
            throw ConfigError(
                "Registry schema v\(version) detected at \(directory), but this labeille supports schema v\(supportedSchemaVersion) "
                    + "(the registry requires labeille >= \(minimum)). Upgrade labeille (pip install --upgrade labeille) "
                    + "or re-sync a compatible registry (labeille registry sync).")
        }
    }

    struct IndexEntry {
        var name: String
        var downloads: Int?
        var skip = false
        var skipVersionsKeys: [String] = []
    }

    static func loadIndex(path: String) throws -> [IndexEntry] {
        let doc = YAMLSource(name: path)
        let text: String
        do { text = try SafeFile.readText(path) } catch {
            throw ConfigError("Cannot read \(error)")
        }
        guard let root = try doc.compose(text) else { return [] }
        let top = try doc.mapping(root, path: "index", expected: "a mapping with 'packages'")
        guard let list = top.pairs.first(where: { $0.0.scalar?.string == "packages" })?.1, !doc.isNull(list) else {
            return []
        }
        guard case let .sequence(seq) = list else {
            throw doc.error(list, "packages", "expected a list of package entries, got \(doc.typeName(list))")
        }
        var out: [IndexEntry] = []
        for (i, item) in seq.enumerated() {
            guard case let .mapping(m) = item else { continue }  // non-mappings are skipped, as the original
            let path = "packages[\(i)]"
            guard let nameNode = m["name"], !doc.isNull(nameNode) else {
                throw doc.error(item, path, "entry has no 'name'")
            }
            var e = IndexEntry(name: try doc.string(nameNode, path: "\(path).name"))
            if let d = m["download_count"], !doc.isNull(d) { e.downloads = try doc.int(d, path: "\(path).download_count") }
            if let s = m["skip"], !doc.isNull(s) { e.skip = try doc.bool(s, path: "\(path).skip") }
            if let k = m["skip_versions_keys"], !doc.isNull(k) {
                e.skipVersionsKeys = try doc.stringList(k, path: "\(path).skip_versions_keys")
            }
            out.append(e)
        }
        return out
    }

    /// Parses one package file; `name` is its stem.
    public static func loadPackage(path: String, name: String) throws -> RegistryPackage {
        let doc = YAMLSource(name: path)
        let text: String
        do { text = try SafeFile.readText(path) } catch {
            throw ConfigError("Cannot read package file \(error)")
        }
        guard let root = try doc.compose(text) else {
            throw ConfigError("Malformed package file \(path): empty document (expected a mapping)")
        }
        let map = try doc.mapping(root, path: "package", expected: "a mapping of package fields")
        var p = RegistryPackage(name: name)
        p.packageFile = path
        var unknown: [String] = []
        for (k, v) in map.pairs {
            guard let key = k.scalar?.string else { throw doc.error(k, "package", "keys must be plain strings") }
            if doc.isNull(v) { if !packageFields.contains(key) { unknown.append(key) }; continue }
            switch key {
            case "package": _ = try doc.string(v, path: key)
            case "repo": p.repo = try doc.string(v, path: key)
            case "pypi_url": p.pypiURL = try doc.string(v, path: key)
            case "extension_type": p.extensionType = try doc.string(v, path: key)
            case "python_versions": p.pythonVersions = try doc.stringList(v, path: key)
            case "install_method": p.installMethod = try doc.string(v, path: key)
            case "install_command": p.installCommand = try doc.string(v, path: key)
            case "test_command": p.testCommand = try doc.string(v, path: key)
            case "test_framework": p.testFramework = try doc.string(v, path: key)
            case "uses_xdist": p.usesXdist = try doc.bool(v, path: key)
            case "timeout": p.timeout = try doc.int(v, path: key)
            case "skip": p.skip = try doc.bool(v, path: key)
            case "skip_reason": p.skipReason = try doc.string(v, path: key)
            case "skip_versions":
                let m = try doc.mapping(v, path: key, expected: "a mapping of \"major.minor\": reason")
                for (vk, vv) in m.pairs {
                    guard let version = vk.scalar?.string else { throw doc.error(vk, key, "versions must be scalars") }
                    p.skipVersions[version] = doc.isNull(vv) ? "" : try doc.string(vv, path: "\(key).\(version)")
                }
            case "notes": p.notes = try doc.string(v, path: key)
            case "enriched": p.enriched = try doc.bool(v, path: key)
            case "clone_depth": p.cloneDepth = try doc.int(v, path: key)
            case "import_name": p.importName = try doc.string(v, path: key)
            default: unknown.append(key)
            }
        }
        p.unknownFields = unknown.sorted()
        return p
    }
}
