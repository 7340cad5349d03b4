import Foundation
import Suites

/// `tolerator merge`: the folders of `eval --shard K/N` runs back into one run. Refuses unless
/// the shards share one configuration (all but the shard index), are N distinct shards of the
/// same N, none is still running, and each holds exactly its own samples, all of them.
public enum ShardMerge {
    /// One shard folder as read.
    public struct Part: Sendable {
        public var folder: URL
        public var configuration: RunConfiguration
        public var rows: [ResultRow]
    }

    /// The whole run: the unsharded configuration and one row per key, in run order.
    public struct Merged: Sendable {
        public var configuration: RunConfiguration
        public var rows: [ResultRow]
        public var parts: [Part]
    }

    /// Reads and checks every shard folder. Each folder is locked while it is read (a shard
    /// still running is refused); the locks are returned so the caller can hold them.
    public static func read(folders: [URL]) throws -> (merged: Merged, locks: [RunFolderLock]) {
        guard !folders.isEmpty else { throw EvaluationError.mergeRefused("no shard folders given") }
        var parts: [Part] = []
        var locks: [RunFolderLock] = []
        var seen = Set<String>()
        for url in folders where !seen.insert(url.standardizedFileURL.path).inserted {
            throw EvaluationError.mergeRefused("\(url.path) is given twice")
        }
        for url in folders {
            let folder = RunFolder(url)
            guard let data = FileManager.default.contents(atPath: folder.configurationPath) else {
                throw EvaluationError.mergeRefused("\(url.path): no run.json, so not an eval folder")
            }
            let configuration: RunConfiguration
            do {
                configuration = try JSONDecoder().decode(RunConfiguration.self, from: data)
            } catch {
                throw EvaluationError.unreadableRun(path: folder.configurationPath, reason: "not a tolerator run configuration: \(error)")
            }
            guard configuration.shard != nil else {
                throw EvaluationError.mergeRefused("\(url.path): not a shard (its eval ran without --shard K/N)")
            }
            locks.append(try folder.claim())
            parts.append(Part(folder: url, configuration: configuration, rows: try journalRows(folder)))
        }
        return (try check(parts), locks)
    }

    /// The checks, on parts already read.
    static func check(_ parts: [Part]) throws -> Merged {
        let reference = parts[0]
        let whole = reference.configuration.with(shard: nil)
        let count = reference.configuration.shard!.count
        var byIndex: [Int: URL] = [:]
        for part in parts {
            let shard = part.configuration.shard!
            guard shard.count == count else {
                throw EvaluationError.mergeRefused(
                    "\(part.folder.path) is shard \(shard) but \(reference.folder.path) is shard \(reference.configuration.shard!): "
                        + "the shards of one run share N")
            }
            let differences = part.configuration.with(shard: nil).differences(from: whole)
            guard differences.isEmpty else {
                throw EvaluationError.mergeRefused("\(part.folder.path) and \(reference.folder.path) are shards of different runs:\n"
                    + differences.map { "  " + $0 }.joined(separator: "\n"))
            }
            if let other = byIndex[shard.index] {
                throw EvaluationError.mergeRefused("shard \(shard) is given twice: \(other.path) and \(part.folder.path)")
            }
            byIndex[shard.index] = part.folder
        }
        let missing = (0..<count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw EvaluationError.mergeRefused("missing " + missing.map { "shard \($0)/\(count)" }.joined(separator: ", ")
                + " (\(parts.count) of \(count) shard folders given)")
        }
        var byKey: [SampleKey: ResultRow] = [:]
        for part in parts {
            let planned = part.configuration.plannedKeys
            let wanted = Set(planned)
            let have = Dictionary(part.rows.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            if let stray = part.rows.first(where: { !wanted.contains($0.key) }) {
                throw EvaluationError.mergeRefused("\(part.folder.path): its journal holds \(stray.key), which is not in shard \(part.configuration.shard!)")
            }
            let absent = planned.filter { have[$0] == nil }
            guard absent.isEmpty else {
                throw EvaluationError.mergeRefused("\(part.folder.path): shard \(part.configuration.shard!) is incomplete, "
                    + "\(absent.count) of \(planned.count) samples missing (first: \(absent[0])); "
                    + "run its eval command again and it resumes")
            }
            for (key, row) in have {
                guard byKey[key] == nil else { throw EvaluationError.mergeRefused("\(key) is in two shards") }
                byKey[key] = row
            }
        }
        let keys = whole.plannedKeys
        guard byKey.count == keys.count else {
            throw EvaluationError.mergeRefused("the shards hold \(byKey.count) samples, the run plans \(keys.count)")
        }
        return Merged(configuration: whole, rows: keys.map { byKey[$0]! }, parts: parts)
    }

    /// A shard's journal rows, read only (a torn last line, which eval would cut on resume, is skipped).
    static func journalRows(_ folder: RunFolder) throws -> [ResultRow] {
        guard FileManager.default.fileExists(atPath: folder.journalPath) else { return [] }
        guard let data = FileManager.default.contents(atPath: folder.journalPath) else {
            throw EvaluationError.unreadableRun(path: folder.journalPath, reason: "cannot read the journal")
        }
        let end = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? data.startIndex
        return Journal.parse(data[data.startIndex..<end]).rows
    }

    /// Writes the merged run into `folder` (already claimed by the caller): run.json (the
    /// unsharded configuration; an existing one must match it), the journal in run order, and
    /// the reports an unsharded run writes.
    @discardableResult
    public static func write(_ merged: Merged, tasks: [SuiteTask], to folder: RunFolder) throws -> EvalReport {
        _ = try folder.prepare(merged.configuration)
        try Files.writeAtomically(try Files.jsonLines(merged.rows), to: folder.journalPath)
        return try ReportWriter.write(rows: merged.rows, configuration: merged.configuration, tasks: tasks, folder: folder)
    }
}
