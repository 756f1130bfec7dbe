import Foundation
import XCTest
@testable import LabeilleStore

/// The README's view table is the map sqlite3 users read: every view of a fresh database (and the measured_stats
/// table the views read) has a row there listing exactly its columns, in order.
final class ViewDocumentationTests: XCTestCase {
    func testReadmeViewTableListsEveryColumnOfEveryView() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("viewdocs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: dir.appendingPathComponent("db.sqlite").path)
        let readme = try String(contentsOf: TestSupport.repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let documented = Self.viewTable(readme)
        let views = try store.db.query("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name").map { $0[0].stringValue! }
        XCTAssertGreaterThanOrEqual(views.count, 10)
        for name in views + ["measured_stats"] {
            let columns = try store.db.query("SELECT name FROM pragma_table_info(?)", [name]).map { $0[0].stringValue! }
            XCTAssertEqual(documented[name], columns, "README view table row of \(name)")
        }
    }

    /// Rows "| `name` … | one row per | col, col (note), … |" of the README, notes in parentheses removed.
    static func viewTable(_ readme: String) -> [String: [String]] {
        var table: [String: [String]] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 5, let name = cells[1].split(separator: "`").first else { continue }
            var depth = 0
            var plain = ""
            for ch in cells[3] {
                if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 } else if depth == 0 { plain.append(ch) }
            }
            table[String(name)] = plain.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return table
    }
}
