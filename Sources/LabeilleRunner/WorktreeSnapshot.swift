import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

/// The state of a condition's worktree right after its install: what every iteration must start from.
///
/// Installs write into the tree (C extensions built in place, generated `_version.py`, egg-info); git
/// ignores those files, so `git clean -x` between iterations would delete them and later iterations
/// would run a different suite (tests that need the extension skip). Instead, between iterations only
/// what the tests changed is undone: tracked files go back to their post-install content and files that
/// appeared after the install are removed.
public struct WorktreeSnapshot: Sendable {
    /// The commit whose tree holds the tracked files as the install left them (HEAD when it changed none).
    public var trackedState: String
    /// Untracked and ignored files present after the install (paths relative to the worktree).
    public var installedFiles: Set<String>
}

extension Workspace {
    /// Identity for `git stash create`, which writes a commit object; never the user's configuration.
    private var gitIdentity: [String] {
        ["-c", "user.name=labeille-bench", "-c", "user.email=labeille-bench@localhost"]
    }

    /// Untracked and ignored files of a worktree (nested repositories appear as one `dir/` entry).
    func untrackedFiles(_ dir: String) throws -> Set<String> {
        let text = try executor.check(["git", "-C", dir, "ls-files", "--others", "-z"], environment: baseEnvironment, timeout: 300,
                                 what: "listing untracked files of \(dir)")
        return Set(text.split(separator: "\0").map(String.init))
    }

    /// Records the post-install state of a worktree.
    public func snapshotWorktree(_ dir: String) throws -> WorktreeSnapshot {
        let stash = try executor.check(["git"] + gitIdentity + ["-C", dir, "stash", "create"], environment: baseEnvironment,
                                  timeout: 300, what: "snapshot of the tracked files of \(dir)")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return WorktreeSnapshot(trackedState: stash.isEmpty ? "HEAD" : stash, installedFiles: try untrackedFiles(dir))
    }

    /// Brings a worktree back to its snapshot before an iteration. Returns the post-install files the
    /// tests deleted (they cannot be restored; the workload check will show their effect).
    @discardableResult
    public func restoreWorktree(_ dir: String, to snapshot: WorktreeSnapshot) throws -> [String] {
        try executor.check(["git", "-C", dir, "checkout", "--quiet", snapshot.trackedState, "--", "."], environment: baseEnvironment,
                      timeout: 300, what: "restoring the tracked files of \(dir)")
        let now = try untrackedFiles(dir)
        var parents: Set<String> = []
        for path in now.subtracting(snapshot.installedFiles) {
            let full = (dir as NSString).appendingPathComponent(path)
            try? FileManager.default.removeItem(atPath: full)
            var parent = (path as NSString).deletingLastPathComponent
            while !parent.isEmpty && parent != "/" && parent != "." {
                parents.insert(parent)
                parent = (parent as NSString).deletingLastPathComponent
            }
        }
        // Folders the tests created are empty now; deepest first, and only empty ones go.
        for p in parents.sorted(by: { $0.count > $1.count }) {
            rmdir((dir as NSString).appendingPathComponent(p))
        }
        return snapshot.installedFiles.subtracting(now).sorted()
    }
}
