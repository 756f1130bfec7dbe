import Foundation
import XCTest

/// The recipes of docs/sql.md, run for real by scripts/cookbook/run_recipes.py: the sqlite3 shell, pandas, R
/// (Rscript with DBI + RSQLite) and Datasette's JSON API on 127.0.0.1, against a database built by the binary.
/// Outside CI a missing tool skips the test; in CI (.ci/run installs them all) it fails.
final class CookbookTests: XCTestCase {
    func testEveryRecipeRunsWithSqlitePandasRAndDatasette() throws {
        var missing: [String] = []
        for tool in ["sqlite3", "python3", "Rscript"] where TestSupport.which(tool) == nil { missing.append(tool) }
        if let python = TestSupport.which("python3") {
            for module in ["pandas", "datasette"] {
                if try TestSupport.run(python, ["-c", "import \(module)"]).code != 0 { missing.append(module) }
            }
        }
        if let r = TestSupport.which("Rscript"), try TestSupport.run(r, ["-e", "library(DBI); library(RSQLite)"]).code != 0 {
            missing.append("RSQLite")
        }
        if !missing.isEmpty {
            let message = "cookbook tools missing: \(missing.joined(separator: ", "))"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message); return }
            throw XCTSkip(message)
        }
        let work = TestSupport.tempDir()
        defer { try? FileManager.default.removeItem(at: work) }
        let script = TestSupport.repoRoot.appendingPathComponent("scripts/cookbook/run_recipes.py").path
        let r = try TestSupport.run(TestSupport.which("python3")!, [script, "--binary", TestSupport.binary, "--work", work.path])
        XCTAssertEqual(r.code, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("5 recipes passed with sqlite3, pandas, R and Datasette"), r.stdout + r.stderr)
    }
}
