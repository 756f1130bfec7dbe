import Foundation
import XCTest

/// The library's layers, as Package.swift declares them. The compiler refuses an import a target does not
/// depend on; these tests keep the dependency lists themselves from growing a cycle or a shortcut, and
/// keep every SQL statement in the store.
final class LayeringTests: XCTestCase {
    /// Each layer and the layers it may use (directly). Anything else is an architecture change: update the
    /// README's Layout graph with it.
    static let allowed: [String: Set<String>] = [
        "LabeilleCore": [],
        "LabeilleStats": ["LabeilleCore"],
        "LabeilleStore": ["LabeilleCore", "LabeilleStats"],
        "LabeilleRunner": ["LabeilleCore", "LabeilleStats", "LabeilleStore"],
        "LabeilleReports": ["LabeilleCore", "LabeilleStats"],
        "LabeilleUseCases": ["LabeilleCore", "LabeilleStats", "LabeilleStore", "LabeilleRunner", "LabeilleReports"],
    ]

    /// Target name → the Labeille targets it depends on, read from Package.swift.
    func declaredLayers() throws -> [String: Set<String>] {
        let manifest = try String(contentsOf: TestSupport.repoRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        var out: [String: Set<String>] = [:]
        let target = try NSRegularExpression(pattern: #"\.target\(\s*name:\s*"(\w+)",\s*dependencies:\s*\[([^\]]*)\]"#)
        let range = NSRange(manifest.startIndex..., in: manifest)
        for m in target.matches(in: manifest, range: range) {
            let name = String(manifest[Range(m.range(at: 1), in: manifest)!])
            let deps = String(manifest[Range(m.range(at: 2), in: manifest)!])
            let labeille = deps.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                .filter { $0.hasPrefix("Labeille") }
            out[name] = Set(labeille)
        }
        return out
    }

    func testEveryLayerDependsOnlyOnTheLayersBelowIt() throws {
        let declared = try declaredLayers()
        for (layer, allowed) in Self.allowed {
            let deps = try XCTUnwrap(declared[layer], "\(layer) is not declared in Package.swift")
            XCTAssertTrue(deps.isSubset(of: allowed), "\(layer) depends on \(deps.subtracting(allowed).sorted()), outside its layer")
        }
        // The umbrella library re-exports the layers; nothing but it may sit above the use cases.
        XCTAssertEqual(Set(declared.keys).subtracting(Self.allowed.keys), ["LabeilleBench"])
    }

    /// The umbrella `LabeilleBench` is for code outside the project: a project file that imports it compiles
    /// only when that module happens to be built first, and hides which layers it uses.
    func testNoProjectFileImportsTheUmbrella() throws {
        var offenders: [String] = []
        for folder in ["Sources", "Tests"] {
            let root = TestSupport.repoRoot.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
            for case let url as URL in files where url.pathExtension == "swift" {
                let text = try String(contentsOf: url, encoding: .utf8)
                if text.split(separator: "\n").contains(where: { $0 == "import LabeilleBench" || $0 == "@testable import LabeilleBench" }) {
                    offenders.append(url.lastPathComponent)
                }
            }
        }
        XCTAssertEqual(offenders, [])
    }

    /// SQL is text, so the compiler cannot see it: a statement written outside the store would bypass the
    /// one place where the schema is known. (Running it would not compile: `Database`'s SQL methods are internal
    /// to the store. This scan also catches statements built as strings and handed to the store.)
    func testOnlyTheStoreWritesSQL() throws {
        let sources = TestSupport.repoRoot.appendingPathComponent("Sources")
        let statement = try NSRegularExpression(pattern: #"\b(SELECT|INSERT INTO|DELETE FROM|UPDATE [a-z_]+ SET|PRAGMA|CREATE (TABLE|VIEW|INDEX))\b"#)
        var offenders: [String] = []
        var scanned = 0, storeFilesWithSQL = 0
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "swift" {
            let relative = url.path.replacingOccurrences(of: sources.path + "/", with: "")
            let text = try String(contentsOf: url, encoding: .utf8)
            let hasSQL = statement.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            scanned += 1
            if relative.hasPrefix("LabeilleStore/") { storeFilesWithSQL += hasSQL ? 1 : 0; continue }
            if hasSQL && !relative.hasPrefix("embed-sql/") { offenders.append(relative) }
        }
        XCTAssertEqual(offenders, [], "SQL outside Sources/LabeilleStore")
        // The scan itself works: it read the tree and recognises the store's statements.
        XCTAssertGreaterThan(scanned, 50)
        XCTAssertGreaterThan(storeFilesWithSQL, 5)
    }
}
