import Foundation
import XCTest
import Yams
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// The Kubernetes and GitHub Actions files of deploy/ parse, use only variables those engines set (or the
/// files define), and pass only options labeille has. (deploy/slurm runs on a real Slurm cluster in
/// scripts/ci/slurm-e2e.sh.)
final class DeployFilesTests: XCTestCase {
    let deploy = TestSupport.repoRoot.appendingPathComponent("deploy")

    func load(_ relative: String) throws -> [String: Any] {
        let text = try String(contentsOf: deploy.appendingPathComponent(relative), encoding: .utf8)
        return try XCTUnwrap(try Yams.load(yaml: text) as? [String: Any], relative)
    }

    func matches(_ pattern: String, _ text: String) -> [String] {
        let re = try! NSRegularExpression(pattern: pattern)
        return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            String(text[Range(m.range(at: 1), in: text)!])
        }
    }

    /// Shell variables a script reads ($X, ${X}, $((X …))), minus those it assigns itself.
    func shellVariables(_ script: String) -> Set<String> {
        let read = matches(#"\$\{?([A-Za-z_][A-Za-z0-9_]*)"#, script) + matches(#"\$\(\(\s*([A-Za-z_][A-Za-z0-9_]*)"#, script)
        let assigned = matches(#"(?m)^\s*([A-Za-z_][A-Za-z0-9_]*)="#, script)
        return Set(read).subtracting(assigned)
    }

    /// Every `--option` given to `labeille bench <sub>` in a script is one that `labeille bench <sub> --help` lists.
    func checkOptions(_ script: String, file: String) throws {
        let joined = script.replacingOccurrences(of: "\\\n", with: " ")
        for line in joined.split(separator: "\n") {
            guard let range = line.range(of: #"labeille"? bench ([a-z]+)"#, options: .regularExpression) else { continue }
            let sub = String(line[range].split(separator: " ").last!)
            let help = try TestSupport.labeille(["bench", sub, "--help"])
            XCTAssertEqual(help.code, 0, "\(file): bench \(sub)")
            for option in Set(matches(#"\s(--[a-z][a-z-]*)"#, String(line[range.upperBound...]))) {
                XCTAssertTrue(help.stdout.contains(option), "\(file): `bench \(sub)` has no option \(option)")
            }
        }
    }

    func testKubernetesIndexedJobAndMerge() throws {
        let job = try load("kubernetes/labeille-shards.yaml")
        XCTAssertEqual(job["apiVersion"] as? String, "batch/v1")
        XCTAssertEqual(job["kind"] as? String, "Job")
        let name = try XCTUnwrap((job["metadata"] as? [String: Any])?["name"] as? String)
        let spec = try XCTUnwrap(job["spec"] as? [String: Any])
        XCTAssertEqual(spec["completionMode"] as? String, "Indexed")
        let pod = try XCTUnwrap((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        XCTAssertTrue(["Never", "OnFailure"].contains(pod["restartPolicy"] as? String ?? ""))
        let container = try XCTUnwrap((pod["containers"] as? [[String: Any]])?.first)
        let env = Dictionary(uniqueKeysWithValues: ((container["env"] as? [[String: Any]]) ?? []).map { ($0["name"] as! String, $0["value"] as? String) })
        let shards = try XCTUnwrap(Int(env["SHARDS"].flatMap { $0 } ?? ""))
        XCTAssertEqual(spec["completions"] as? Int, shards)
        XCTAssertEqual(spec["parallelism"] as? Int, shards)
        let script = try XCTUnwrap((container["args"] as? [String])?.first)
        XCTAssertTrue(script.contains("$((JOB_COMPLETION_INDEX + 1))"), script)
        XCTAssertTrue(script.contains("--shard \"$K/$SHARDS\""), script)
        // Kubernetes sets JOB_COMPLETION_INDEX (Indexed Jobs) and HOSTNAME; the rest the manifest defines.
        XCTAssertEqual(shellVariables(script).subtracting(env.keys).subtracting(["JOB_COMPLETION_INDEX", "HOSTNAME"]), [])
        let volumes = Set(((pod["volumes"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
        for mount in (container["volumeMounts"] as? [[String: Any]]) ?? [] { XCTAssertTrue(volumes.contains(mount["name"] as! String)) }
        try checkOptions(script, file: "labeille-shards.yaml")

        // The pods of an Indexed Job are named <job name>-<index>: that is the default shard group, and
        // the one the merge job merges.
        let group = try ShardGroup.resolve(explicit: nil, environment: ["JOB_COMPLETION_INDEX": "2", "HOSTNAME": "\(name)-2"])
        let merge = try load("kubernetes/labeille-merge.yaml")
        let mergePod = try XCTUnwrap(((merge["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
        let mergeContainer = try XCTUnwrap((mergePod["containers"] as? [[String: Any]])?.first)
        let mergeEnv = Dictionary(uniqueKeysWithValues: ((mergeContainer["env"] as? [[String: Any]]) ?? []).map { ($0["name"] as! String, $0["value"] as? String) })
        XCTAssertEqual(mergeEnv["SHARD_GROUP"].flatMap { $0 }, group)
        let mergeScript = try XCTUnwrap((mergeContainer["args"] as? [String])?.first)
        XCTAssertEqual(shellVariables(mergeScript).subtracting(mergeEnv.keys), [])
        XCTAssertTrue(mergeScript.contains("bench merge") && mergeScript.contains("--shard-group \"$SHARD_GROUP\""), mergeScript)
        func claims(_ pod: [String: Any]) -> Set<String> {
            Set(((pod["volumes"] as? [[String: Any]]) ?? []).compactMap { ($0["persistentVolumeClaim"] as? [String: Any])?["claimName"] as? String })
        }
        XCTAssertTrue(claims(mergePod).isSubset(of: claims(pod)) && !claims(mergePod).isEmpty, "the merge reads the shards' volume")
        try checkOptions(mergeScript, file: "labeille-merge.yaml")
    }

    func testGitHubActionsMatrixArtifactsAndMerge() throws {
        let wf = try load("github/labeille-sharded.yml")
        let topEnv = try XCTUnwrap(wf["env"] as? [String: Any])
        let shards = try XCTUnwrap(topEnv["SHARDS"] as? Int)
        let jobs = try XCTUnwrap(wf["jobs"] as? [String: Any])
        let shardJob = try XCTUnwrap(jobs["shard"] as? [String: Any])
        let matrix = try XCTUnwrap((shardJob["strategy"] as? [String: Any])?["matrix"] as? [String: Any])
        XCTAssertEqual(matrix["shard"] as? [Int], Array(1...shards))
        let mergeJob = try XCTUnwrap(jobs["merge"] as? [String: Any])
        XCTAssertEqual(mergeJob["needs"] as? String, "shard")

        // Variables GitHub sets on its runners, and the contexts the expressions may read.
        let runnerVariables: Set<String> = ["GITHUB_RUN_ID", "GITHUB_STEP_SUMMARY", "GITHUB_PATH", "GITHUB_REPOSITORY",
                                            "GITHUB_WORKSPACE", "RUNNER_TEMP", "HOME"]
        let contexts: Set<String> = ["matrix.shard", "github.run_id", "github.token", "github.event_name",
                                     "github.event.pull_request.number"]
        var uploads: [String] = [], downloads: [String] = [], scripts: [String] = []
        for (jobName, job) in [("shard", shardJob), ("merge", mergeJob)] {
            for step in (job["steps"] as? [[String: Any]]) ?? [] {
                let stepEnv = Set(((step["env"] as? [String: Any]) ?? [:]).keys)
                let text = (try? Yams.dump(object: step)) ?? ""
                for expression in matches(#"\$\{\{\s*([^}]*?)\s*\}\}"#, text) {
                    XCTAssertTrue(contexts.contains(expression), "\(jobName): unknown expression ${{ \(expression) }}")
                }
                if let run = step["run"] as? String {
                    scripts.append(run)
                    let unknown = shellVariables(run).subtracting(topEnv.keys).subtracting(stepEnv).subtracting(runnerVariables)
                    XCTAssertEqual(unknown, [], "\(jobName): \(run)")
                    try checkOptions(run.replacingOccurrences(of: "${{ matrix.shard }}", with: "1"), file: "labeille-sharded.yml")
                }
                let with = (step["with"] as? [String: Any]) ?? [:]
                if (step["uses"] as? String) == "actions/upload-artifact@v4", jobName == "shard" { uploads.append(with["name"] as? String ?? "") }
                if (step["uses"] as? String) == "actions/download-artifact@v4" { downloads.append(with["pattern"] as? String ?? "") }
            }
        }
        // One artifact per shard (upload-artifact v4 refuses two of one name), all downloaded by the merge.
        XCTAssertEqual(uploads, ["labeille-shard-${{ matrix.shard }}"])
        XCTAssertEqual(downloads.count, 1)
        let pattern = downloads[0]
        for k in 1...shards {
            let name = uploads[0].replacingOccurrences(of: "${{ matrix.shard }}", with: String(k))
            XCTAssertTrue(fnmatch(pattern, name, 0) == 0, "\(pattern) does not match \(name)")
        }
        let all = scripts.joined(separator: "\n")
        XCTAssertTrue(all.contains("--shard \"${{ matrix.shard }}/$SHARDS\""), all)
        XCTAssertTrue(all.contains("bench merge") && all.contains("--format markdown") && all.contains("$GITHUB_STEP_SUMMARY"), all)
    }
}
