import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Results of one run with the timings (`*_s`) taken out: what sharding must not change.
func untimed(_ value: Any) -> Any {
    if let object = value as? [String: Any] {
        var out: [String: Any] = [:]
        for (key, inner) in object where !key.hasSuffix("_s") { out[key] = untimed(inner) }
        return out
    }
    if let array = value as? [Any] { return array.map(untimed) }
    return value
}

/// One canonical JSON text per row of a JSON Lines file, timings removed.
func untimedRows(_ url: URL) throws -> [String] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return String(decoding: try JSONSerialization.data(withJSONObject: untimed(object), options: [.sortedKeys]), as: UTF8.self)
    }
}

func untimedJSON(_ url: URL) throws -> String {
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    return String(decoding: try JSONSerialization.data(withJSONObject: untimed(object), options: [.sortedKeys]), as: UTF8.self)
}

/// A replay file for the first 7 tiny tasks, 2 methods, NFE 4, 2 samples: sample 0 is the
/// canonical body, sample 1 a wrong one; tasks 1 and 4 (shard 1 of 3) sleep 0.2 s per call so
/// that shard can be killed mid-run.
func writeShardReplay(to url: URL) throws {
    let tiny = repositoryRoot.appendingPathComponent("Examples/suites/tiny-humaneval.jsonl")
    let tasks = try String(contentsOf: tiny, encoding: .utf8).split(separator: "\n").prefix(7)
        .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    var lines: [String] = []
    for (position, task) in tasks.enumerated() {
        let slow = position == 1 || position == 4 ? "    import time\n    time.sleep(0.2)\n" : ""
        for method in ["vanilla", "tolerator"] {
            for sample in 0..<2 {
                let body = sample == 0 ? task["canonical_solution"] as! String : "    return None\n"
                let line: [String: Any] = ["task_id": task["task_id"]!, "method": method, "nfe": 4, "sample": sample, "output": slow + body]
                lines.append(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self))
            }
        }
    }
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
}

/// `eval --shard K/N` and `tolerator merge` (issue 20, requirement 3): three shards, one killed
/// mid-run and resumed, merge to the unsharded run's rows, verdicts and aggregates.
@Suite(.serialized) final class ShardMergeTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    func evalArguments(out: String, shard: String? = nil, seed: String = "0", limit: Int = 7, workers: Int = 2) -> [String] {
        ["eval", "--suite", "tiny", "--limit", "\(limit)", "--replay", url("replay.jsonl").path, "--methods", "vanilla,tolerator",
         "--nfe", "4", "--samples", "2", "--seed", seed, "--workers", "\(workers)", "--out", url(out).path]
            + (shard.map { ["--shard", $0] } ?? [])
    }

    func journalCount(_ name: String) -> Int {
        ((try? String(contentsOf: url(name).appendingPathComponent("journal.jsonl"), encoding: .utf8)) ?? "")
            .split(separator: "\n").count
    }

    @Test func threeShardsOneKilledAndResumedMergeToTheUnshardedRun() throws {
        try writeShardReplay(to: url("replay.jsonl"))
        let whole = try runTolerator(evalArguments(out: "whole"))
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.contains("28 samples planned"), "\(whole.stdout)")

        for k in [0, 2] {
            let run = try runTolerator(evalArguments(out: "s\(k)", shard: "\(k)/3"))
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("shard \(k)/3: \(k == 0 ? 3 : 2) of 7 tasks"), "\(run.stdout)")
        }

        // Shard 1 (tasks 1 and 4: 8 samples, each about 1 s) is killed after its first verdicts.
        let binary = try #require([URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
            .flatMap { [$0, $0.deletingLastPathComponent()] }.map { $0.appendingPathComponent("tolerator") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) })
        let process = Process()
        process.executableURL = binary
        process.arguments = evalArguments(out: "s1", shard: "1/3", workers: 1)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while journalCount("s1") < 2 && Date() < deadline && process.isRunning { usleep(50_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let before = journalCount("s1")
        #expect(before >= 2 && before < 8, "killed with \(before) of 8 rows")

        let incomplete = try runTolerator(["merge", url("merged").path, url("s0").path, url("s1").path, url("s2").path])
        #expect(incomplete.status != 0)
        #expect(incomplete.stderr.contains("\(url("s1").path): shard 1/3 is incomplete, \(8 - before) of 8 samples missing"),
                "\(incomplete.stderr)")

        let otherJournals = try [0, 2].map { try Data(contentsOf: url("s\($0)").appendingPathComponent("journal.jsonl")) }
        let resumed = try runTolerator(evalArguments(out: "s1", shard: "1/3"))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed: \(before) samples already in"), "\(resumed.stdout)")
        #expect(journalCount("s1") == 8)
        #expect(try [0, 2].map { try Data(contentsOf: url("s\($0)").appendingPathComponent("journal.jsonl")) } == otherJournals)

        let merged = try runTolerator(["merge", url("merged").path, url("s2").path, url("s0").path, url("s1").path])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("merged 3 shards: 7 tasks, 28 samples"), "\(merged.stdout)")
        #expect(merged.stdout.contains("vanilla: pass@1 T=4 50.0%"), "\(merged.stdout)")

        let names = ["results.jsonl", "samples.jsonl", "samples-vanilla-nfe4.jsonl", "samples-tolerator-nfe4.jsonl", "journal.jsonl"]
        for name in names.dropLast() {
            #expect(try untimedRows(url("merged").appendingPathComponent(name)) == untimedRows(url("whole").appendingPathComponent(name)), "\(name)")
        }
        // The unsharded journal is in completion order; the merged one in run order, same rows.
        #expect(try untimedRows(url("merged").appendingPathComponent("journal.jsonl")).sorted()
            == untimedRows(url("whole").appendingPathComponent("journal.jsonl")).sorted())
        #expect(try Data(contentsOf: url("merged").appendingPathComponent("run.json")) == Data(contentsOf: url("whole").appendingPathComponent("run.json")))
        #expect(try untimedJSON(url("merged").appendingPathComponent("report.json")) == untimedJSON(url("whole").appendingPathComponent("report.json")))
        #expect(try String(contentsOf: url("merged").appendingPathComponent("report.md"), encoding: .utf8)
            == String(contentsOf: url("whole").appendingPathComponent("report.md"), encoding: .utf8))

        // The merged folder is a finished run: eval into it has nothing left to do.
        let again = try runTolerator(evalArguments(out: "merged"))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("resumed: 28 samples already in"), "\(again.stdout)")
    }

    @Test func mergeRefusesWhatIsNotOneWholeRun() throws {
        try writeShardReplay(to: url("replay.jsonl"))
        for k in [0, 2] { _ = try runTolerator(evalArguments(out: "s\(k)", shard: "\(k)/3")) }
        let other = try runTolerator(evalArguments(out: "seed9", shard: "1/3", seed: "9"))
        #expect(other.status == 0, "\(other.stderr)")
        let whole = try runTolerator(evalArguments(out: "whole", limit: 2))
        #expect(whole.status == 0, "\(whole.stderr)")

        let missing = try runTolerator(["merge", url("m1").path, url("s0").path, url("s2").path])
        #expect(missing.stderr.contains("merge: missing shard 1/3 (2 of 3 shard folders given)"), "\(missing.stderr)")
        let twice = try runTolerator(["merge", url("m2").path, url("s0").path, url("s0").path, url("s2").path])
        #expect(twice.stderr.contains("merge: \(url("s0").path) is given twice"), "\(twice.stderr)")
        let mixed = try runTolerator(["merge", url("m3").path, url("s0").path, url("seed9").path, url("s2").path])
        #expect(mixed.stderr.contains("are shards of different runs"), "\(mixed.stderr)")
        #expect(mixed.stderr.contains("seed: was 0, now 9"), "\(mixed.stderr)")
        let unsharded = try runTolerator(["merge", url("m4").path, url("whole").path])
        #expect(unsharded.stderr.contains("\(url("whole").path): not a shard (its eval ran without --shard K/N)"), "\(unsharded.stderr)")
        let into = try runTolerator(["merge", url("s0").path, url("s0").path, url("s2").path])
        #expect(into.status == 64, "\(into.stderr)")
        #expect(!FileManager.default.fileExists(atPath: url("m1").appendingPathComponent("results.jsonl").path))

        let bad = try runTolerator(["eval", "--suite", "tiny", "--replay", url("replay.jsonl").path, "--shard", "3/3"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--shard 3/3: K counts from 0 and must be below N"), "\(bad.stderr)")
        let empty = try runTolerator(evalArguments(out: "s9", shard: "8/9"))
        #expect(empty.stderr.contains("--shard 8/9: no tasks (the suite has 7 after --limit; N may be at most that)"), "\(empty.stderr)")
    }
}
