import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// The SQLite wrapper's guarantees: nested transactions, re-entrant statements, checked parameter
/// counts and columns read by name. Each test uses a real database file.
final class DatabaseWrapperTests: XCTestCase {
    var dir: URL!
    var db: Database!

    override func setUpWithError() throws {
        dir = TestSupport.tempDir()
        db = try Database(path: dir.appendingPathComponent("w.db").path)
        try db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    }
    override func tearDown() { db = nil }

    func count() throws -> Int { try db.scalar("SELECT COUNT(*) FROM t").intValue ?? -1 }

    func testAnInnerFailureUndoesOnlyTheInnerWork() throws {
        struct Boom: Error {}
        try db.transaction {
            try db.run("INSERT INTO t(k, v) VALUES (1, 'outer')")
            XCTAssertThrowsError(try db.transaction {
                try db.run("INSERT INTO t(k, v) VALUES (2, 'inner')")
                throw Boom()
            })
            try db.transaction { try db.run("INSERT INTO t(k, v) VALUES (3, 'inner ok')") }
        }
        XCTAssertEqual(try db.query("SELECT k FROM t ORDER BY k").map { $0[0].intValue }, [1, 3])
    }

    func testAnOuterFailureUndoesEverything() throws {
        struct Boom: Error {}
        XCTAssertThrowsError(try db.transaction {
            try db.run("INSERT INTO t(k, v) VALUES (1, 'outer')")
            try db.transaction { try db.run("INSERT INTO t(k, v) VALUES (2, 'inner')") }
            throw Boom()
        })
        XCTAssertEqual(try count(), 0)
        try db.transaction { try db.run("INSERT INTO t(k, v) VALUES (4, 'after')") }  // the connection is usable
        XCTAssertEqual(try count(), 1)
    }

    func testTheSameQueryInsideItsOwnLoopDoesNotResetTheOuterLoop() throws {
        for k in 1...5 { try db.run("INSERT INTO t(k, v) VALUES (?, ?)", [k, "v\(k)"]) }
        let sql = "SELECT k FROM t WHERE k >= ? ORDER BY k"
        var outer: [Int] = []
        try db.forEachRow(sql, [1]) { st in
            outer.append(st.int(0) ?? -1)
            XCTAssertEqual(try db.query(sql, [4]).count, 2)
        }
        XCTAssertEqual(outer, [1, 2, 3, 4, 5])
    }

    func testAWrongParameterCountIsAnError() throws {
        XCTAssertThrowsError(try db.run("INSERT INTO t(k, v) VALUES (?, ?)", [1])) { error in
            XCTAssertTrue("\(error)".contains("expects 2 parameter(s), got 1"), "\(error)")
        }
        XCTAssertThrowsError(try db.query("SELECT * FROM t", [1]))
        XCTAssertEqual(try count(), 0)
    }

    func testColumnsAreReadByName() throws {
        try db.run("INSERT INTO t(k, v) VALUES (7, 'seven')")
        try db.forEachRow("SELECT v AS name, k AS number, NULL AS empty FROM t") { st in
            XCTAssertEqual(try st.string("name"), "seven")
            XCTAssertEqual(try st.int("number"), 7)
            XCTAssertNil(try st.double("empty"))
            XCTAssertThrowsError(try st.string("missing"))
        }
    }
}
