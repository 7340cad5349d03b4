import ArgumentParser
import Evaluation
import Foundation
import Suites

/// `tolerator merge OUT DIR...`: the shard folders of `eval --shard K/N` into one run.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the folders of `eval --shard K/N` runs into the results and reports of one unsharded run.",
        discussion: """
            Checks that the folders are the N shards of one run (same configuration but for \
            the shard index, each index once, none still running) and that each holds every \
            sample of its tasks and nothing else; then writes into OUT what an unsharded eval \
            writes: run.json, journal.jsonl, results.jsonl, samples*.jsonl, report.json, \
            report.md, report.html (the same rows, verdicts and aggregates; only timings \
            differ). An incomplete shard is named: run its eval command again (it resumes), \
            then merge again. OUT may be an empty or new folder, or an earlier merge of the \
            same run.

            Examples:
              tolerator merge runs/all runs/shard-0 runs/shard-1 runs/shard-2
              tolerator merge runs/all runs/shard-*        # the shell expands the folders
            """)

    @Argument(help: ArgumentHelp("Folder for the merged run.", valueName: "out"))
    var out: String

    @Argument(help: ArgumentHelp("The shard folders (each written by eval --shard K/N).", valueName: "dir"))
    var shards: [String] = []

    @Option(help: ArgumentHelp(
        "The suite file(s), comma-separated as eval was given them, when the paths in run.json do not exist here "
            + "(the content must be the same: its hash is checked).", valueName: "file[,file...]"))
    var suite: String?

    func validate() throws {
        guard !shards.isEmpty else { throw ValidationError("give the shard folders after OUT: tolerator merge OUT DIR...") }
        let outPath = URL(fileURLWithPath: out).standardizedFileURL.path
        if let clash = shards.first(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == outPath }) {
            throw ValidationError("OUT \(out) is also a shard folder (\(clash)); merge into another folder")
        }
    }

    func run() throws {
        let outFolder = RunFolder(URL(fileURLWithPath: out))
        // Before anything is read: a folder of the user's files or one an eval holds is refused now.
        let outLock = try outFolder.claim()
        defer { outLock.release() }
        let (merged, locks) = try ShardMerge.read(folders: shards.map { URL(fileURLWithPath: $0) })
        defer { locks.forEach { $0.release() } }
        let tasks = try suiteTasks(merged.configuration)
        let report = try ShardMerge.write(merged, tasks: tasks, to: outFolder)
        let configuration = merged.configuration
        print("merged \(merged.parts.count) shards: \(configuration.taskIDs.count) tasks, \(merged.rows.count) samples -> \(outFolder.url.path)")
        Eval.printSummary(report, methods: configuration.methods, nfe: configuration.nfe, attempts: configuration.attempts)
        print("report: \(outFolder.path("report.html"))")
    }

    /// The run's tasks in run.json's order, from the suite file(s) it names (or --suite),
    /// each checked against the recorded content hash.
    func suiteTasks(_ configuration: RunConfiguration) throws -> [SuiteTask] {
        let recorded = configuration.suitePath.split(separator: ",").map(String.init)
        let hashes = configuration.suiteHash.split(separator: ",").map(String.init)
        let paths = suite.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? recorded
        guard paths.count == hashes.count else {
            throw ValidationError("--suite gives \(paths.count) file(s); the run used \(hashes.count): \(configuration.suitePath)")
        }
        var byID: [String: SuiteTask] = [:]
        for (path, hash) in zip(paths, hashes) {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("suite \(path) (from run.json) does not exist here; pass the same file with --suite")
            }
            let loaded = try SuiteLoader.load(path: path, mbppSplit: .all, onMalformed: .skip)
            guard loaded.contentHash == hash else {
                throw ValidationError("suite \(path) is not the file the shards ran (content hash \(loaded.contentHash), run.json has \(hash))")
            }
            for task in loaded.tasks where byID[task.taskID] == nil { byID[task.taskID] = task }
        }
        return try configuration.taskIDs.map { id in
            guard let task = byID[id] else { throw ValidationError("task \(id) of run.json is not in \(paths.joined(separator: ","))") }
            return task
        }
    }
}
