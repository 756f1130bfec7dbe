import ArgumentParser
import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore
import LabeilleUseCases

/// `--shard`, `--shard-group`, `--shard-history` of `bench run`.
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Run only shard K of N (1 ≤ K ≤ N): a deterministic share of the selected packages, all conditions of a \
        package on this machine. Packages are balanced by their durations in earlier runs (this database and \
        --shard-history), else spread by a stable hash. Each shard writes its own database; `bench merge` \
        combines them. Running the same shard again continues it (a finished shard is left as it is).
        """, valueName: "K/N"))
    var shard: String?
    @Option(name: .customLong("shard-group"), help: ArgumentHelp("""
        Name shared by the N shards of one sweep (default: slurm-$SLURM_ARRAY_JOB_ID, k8s-<Indexed Job name>, \
        gha-$GITHUB_RUN_ID or gitlab-$CI_PIPELINE_ID).
        """, valueName: "name"))
    var shardGroup: String?
    @Option(name: .customLong("shard-history"), help: ArgumentHelp("""
        Earlier runs to balance shards with: a database or a results folder (repeatable). Every shard of a \
        group must see the same history, or `bench merge` refuses the shards.
        """, valueName: "path"))
    var shardHistory: [String] = []
}

enum ShardCLI {
    /// A sharded run whose shard this database already holds continues it (when unfinished) or stops
    /// (when finished): a requeued array task picks up where it stopped. Returns nil when there is
    /// nothing left to do.
    static func continuing(_ command: RunCommand, store: Store) throws -> RunCommand? {
        guard command.resume == nil, let text = command.sharding.shard else { return command }
        let spec = try cli { try ShardSpec.parse(text) }
        let group = try cli { try ShardGroup.resolve(explicit: command.sharding.shardGroup, environment: ProcessInfo.processInfo.environment) }
        guard let existing = try cli({ try ShardStore.findShardRun(group: group, spec: spec, db: store.db) }) else { return command }
        if existing.finished {
            printErr("Shard \(spec) of group \(group) is already complete in \(store.db.path) (\(existing.benchID)); nothing to do.")
            return nil
        }
        printErr("Shard \(spec) of group \(group) was interrupted (\(existing.benchID)): continuing it.")
        var resumed = command
        resumed.resume = existing.benchID
        return resumed
    }

    /// The shard selection of a run: the stored one when resuming a shard run, else from the options.
    static func selection(_ command: RunCommand, resumeID: String?, store: Store) throws -> ShardSelection? {
        if let resumeID, let runID = try cli({ try RunQueries.runID(benchID: resumeID, db: store.db) }) {
            if try cli({ try ShardStore.mergeInfo(runID: runID, db: store.db) }) != nil {
                throw CLIError(message: "\(resumeID) is a merged run; resume its shards, then merge again")
            }
            if let stored = try cli({ try ShardStore.shardInfo(runID: runID, db: store.db) }) {
                return ShardSelection(spec: stored.spec, group: stored.group)
            }
            return nil
        }
        guard let text = command.sharding.shard else {
            if command.sharding.shardGroup != nil || !command.sharding.shardHistory.isEmpty {
                throw CLIError(message: "--shard-group and --shard-history need --shard K/N")
            }
            return nil
        }
        let spec = try cli { try ShardSpec.parse(text) }
        let group = try cli { try ShardGroup.resolve(explicit: command.sharding.shardGroup, environment: ProcessInfo.processInfo.environment) }
        return ShardSelection(spec: spec, group: group, historyPaths: command.sharding.shardHistory)
    }

    /// Warnings only (the HTML report carries the machine list itself).
    static func printWarnings(_ runs: [StoredRun], store: Store) throws {
        for run in runs {
            for w in try cli({ try ShardMachinesReport.warnings(runID: run.runID, db: store.db) }) { printErr("warning: \(w)") }
        }
    }
}

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shard runs of one sweep (bench run --shard K/N) into one run.",
        discussion: """
            INPUT is a shard's results folder, a shard's database, or a folder holding them (searched 4 levels \
            deep, e.g. downloaded CI artifacts). The shards must share the shard group, the number of shards, \
            the package assignment and the condition definitions (interpreter, environment, flags, limits, \
            iterations); a shard given twice, a package in two shards and a shard of another group are refused. \
            Missing or interrupted shards are reported and the merged run is marked incomplete. Each package \
            keeps the machine that measured it (hostname, CPU model, kernel): `bench show` lists the machines.
            Writes one run to --db and one labeille-format results folder <results-dir>/<bench id>/. Merging \
            the same shards again changes nothing; merging after a missing shard arrived replaces the run.
            Why no shared database: each machine writes its own SQLite file because SQLite on a network file \
            system is not safe for concurrent writers; the merge runs once, after the shards.
            """)
    @OptionGroup var database: DatabaseOptions
    @Argument(help: ArgumentHelp("Shard results folders, shard databases, or folders holding them.", valueName: "input"))
    var inputs: [String] = []
    @Option(name: .customLong("shard-group"), help: ArgumentHelp("Merge only this group's shard runs (databases may hold several).", valueName: "name"))
    var shardGroup: String?
    @Option(name: .customLong("results-dir"), help: ArgumentHelp("Parent of the merged results folder (default results).", valueName: "path"))
    var resultsDir: String = "results"
    @Option(name: .customLong("bench-id"), help: ArgumentHelp("Bench id of the merged run (default bench_<first shard start>_<group>).", valueName: "id"))
    var benchID: String?
    @Flag(name: .customLong("require-complete"), help: "Exit 1 when shards are missing or unfinished (the incomplete run is still stored).")
    var requireComplete = false

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give the shard results folders or databases to merge") }
    }

    func run() throws {
        let store = try database.open()
        let target = URL(fileURLWithPath: store.db.path).standardizedFileURL.path
        let inputs = self.inputs.filter { URL(fileURLWithPath: $0).standardizedFileURL.path != target }
        let sources = try cli { try ShardMerge.collect(paths: inputs, group: shardGroup) }
        let merged = try cli { try ShardMerge.merge(sources, benchID: benchID) }
        let folder = try cli { try ShardMerge.writeFolder(merged, resultsDir: resultsDir) }
        let outcome = try cli { try ShardMerge.store(merged, into: store, folder: folder) }
        let m = merged.merge
        let verb = outcome == .unchanged ? "already stored, unchanged" : outcome == .replaced ? "replaced" : "stored"
        print("\(merged.meta.benchID): \(verb): \(m.machines.count) of \(m.count) shards of group \(m.group), "
              + "\(merged.packages.count) packages, \(merged.iterations) iterations")
        print("Results folder: \(folder) (database \(store.db.path))")
        guard let run = try cli({ try RunQueries.load(benchID: merged.meta.benchID, db: store.db) }) else { return }
        try ShardCLI.printMachines([run], store: store)
        if requireComplete && !m.complete { throw ExitCode(Exit.gate) }
    }
}

extension ShardCLI {
    /// Lists where sharded or merged runs were measured, with their warnings (show, compare).
    static func printMachines(_ runs: [StoredRun], store: Store, markdown: Bool = false, toStandardError: Bool = false) throws {
        let notes = try cli { try ShardMachinesReport.notes(runs, db: store.db) }
        for note in notes {
            let text = markdown ? "\n**Machines of \(note.benchID)**\n\n```\n\(note.lines.joined(separator: "\n"))\n```"
                + note.warnings.map { "\n\n> ⚠ \($0)" }.joined()
                : "\n" + note.lines.joined(separator: "\n")
            if toStandardError { printErr(text) } else { print(text) }
            if !markdown { for w in note.warnings { printErr("warning: \(w)") } }
        }
    }
}
