import ArgumentParser
import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore
import LabeilleUseCases

/// Exit codes (README "Exit codes"): 0 success; 1 a gate fired (`compare --fail-on`, `track alert`);
/// 2 usage error or unusable input (bad option, unknown run, malformed file, unwritable path);
/// 3 `bench run` measured nothing; 130 interrupted.
enum Exit {
    static let gate: Int32 = 1
    static let usage: Int32 = 2
    /// `bench run` finished without measuring anything (every package failed its setup).
    static let nothingMeasured: Int32 = 3
}

/// An error that is reported as one line on stderr with a chosen exit code.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var code: Int32 = Exit.usage
    var description: String { message }
}

@main
struct Labeille {
    static func main() {
        lineBufferStdout()
        do {
            var command = try LabeilleCommand.parseAsRoot()
            try command.run()
        } catch let e as CLIError {
            FileHandle.standardError.write("error: \(e.message)\n".data(using: .utf8)!)
            exit(e.code)
        } catch let e as ExitCode {
            exit(e.rawValue)
        } catch {
            let code = LabeilleCommand.exitCode(for: error)
            if code == .success {
                LabeilleCommand.exit(withError: error)  // --help, --version
            }
            // ArgumentParser's parse and validation errors: one line like every other error, with a pointer
            // to the help instead of the whole usage block.
            let message = LabeilleCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            let text = message.lowercased().hasPrefix("error: ") ? String(message.dropFirst(7)) : message
            let hint = code == .validationFailure ? " (see --help)" : ""
            FileHandle.standardError.write("error: \(text)\(hint)\n".data(using: .utf8)!)
            exit(Exit.usage)
        }
    }
}

struct LabeilleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labeille",
        abstract: "Measure whole Python test-suite runs under different conditions and keep every run in SQLite.",
        version: "0.1.0",
        subcommands: [BenchCommand.self])
}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark package test suites under different conditions.",
        discussion: """
            Every run lives in one SQLite database (--db, or LABEILLE_BENCH_DB, default results/labeille.db).
            RUN arguments are a results directory (ingested on first use) or a stored bench id.
            Exit codes: 0 success, 1 a gate fired (compare --fail-on, track alert), 2 usage error or unusable input,
            3 bench run measured nothing (every package failed its setup), 130 interrupted.
            """,
        subcommands: benchSubcommands)
}

/// `--db PATH` shared by every bench command.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("SQLite database file (default: $LABEILLE_BENCH_DB or results/labeille.db).", valueName: "path"))
    var db: String?

    func open() throws -> Store {
        let path = Store.resolvePath(db)
        do { return try Store(path: path) } catch {
            throw CLIError(message: "\(error)")
        }
    }

    /// For commands that only read: the database is opened read-only and nothing is created, unless a RUN
    /// is a results directory (ingested on first use, which writes).
    func openForReading(runs: [String] = []) throws -> Store {
        let ingests = runs.contains { ref in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: ref, isDirectory: &isDir) && isDir.boolValue
        }
        if ingests { return try open() }
        do { return try Store(readingPath: Store.resolvePath(db)) } catch {
            throw CLIError(message: "\(error)")
        }
    }
}

/// A practical threshold option in its documented range (README "Limits"), else a one-line usage error.
func checkThreshold(_ option: String, _ value: Double, high: Double = Limits.thresholdHigh) throws {
    if let problem = Limits.thresholdProblem(value, high: high) { throw ValidationError("\(option) \(problem)") }
}

func printErr(_ s: String) {
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
}

/// Runs library code, turning its errors into one-line CLI errors.
func cli<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as CLIError { throw e } catch let e as ExitCode { throw e } catch {
        throw CLIError(message: "\(error)")
    }
}
