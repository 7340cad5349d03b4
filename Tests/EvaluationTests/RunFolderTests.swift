import Foundation
import Testing
@testable import Evaluation
@testable import Sandbox

/// The eval folder: the user's files are never overwritten, one eval at a time, and the
/// journal never holds a torn line.
@Suite struct RunFolderTests {
    @Test func aFolderOfTheUsersFilesIsRefusedAndLeftAlone() throws {
        let folder = TemporaryFolder()
        _ = folder.write("report.md", "my notes\n")
        _ = folder.write("samples.jsonl", "{\"mine\": 1}\n")
        _ = folder.write("notes.txt", "keep\n")
        let expected = EvaluationError.notARunFolder(
            folder: folder.url.path, overwritten: ["report.md", "samples.jsonl"], others: ["notes.txt"])
        #expect(throws: expected) { try RunFolder(folder.url).claim() }
        #expect(expected.description == "\(folder.url.path) holds files but no run.json, so it is not a tolerator eval "
            + "folder (eval would overwrite report.md, samples.jsonl); refusing to write there. Choose an empty or new --out.")

        // The runner refuses too, before generating anything.
        let s = try RunnerTests().setup(taskCount: 1)
        let generator = ScriptedGenerator(tasks: s.plan.tasks)
        #expect(throws: expected) { try RunnerTests().runner(s, generator, folder.url).run() }
        #expect(generator.calls == 0)
        #expect(try String(contentsOfFile: folder.path("report.md"), encoding: .utf8) == "my notes\n")
        #expect(try String(contentsOfFile: folder.path("samples.jsonl"), encoding: .utf8) == "{\"mine\": 1}\n")
        #expect(!FileManager.default.fileExists(atPath: folder.path("run.json")))
    }

    @Test func aFolderOfOtherFilesNamesThem() throws {
        let folder = TemporaryFolder()
        _ = folder.write("b.txt", "")
        _ = folder.write("a.txt", "")
        let expected = EvaluationError.notARunFolder(folder: folder.url.path, overwritten: [], others: ["a.txt", "b.txt"])
        #expect(throws: expected) { try RunFolder(folder.url).claim() }
        #expect(expected.description.contains("(it holds a.txt, b.txt)"))
    }

    @Test func aSecondClaimFailsUntilTheFirstIsReleased() throws {
        let folder = TemporaryFolder()
        let first = try RunFolder(folder.url).claim()
        #expect(throws: EvaluationError.folderInUse(folder: folder.url.path)) { try RunFolder(folder.url).claim() }
        // A runner into the held folder stops before any work.
        let s = try RunnerTests().setup(taskCount: 1)
        let generator = ScriptedGenerator(tasks: s.plan.tasks)
        #expect(throws: EvaluationError.folderInUse(folder: folder.url.path)) {
            try RunnerTests().runner(s, generator, folder.url).run()
        }
        #expect(generator.calls == 0)
        first.release()
        let second = try RunFolder(folder.url).claim()
        second.release()
    }

    /// A lock released a moment later (a forked child that had not reached exec yet still held
    /// it) is waited for, not reported as another eval's; a lock held on stays refused (above).
    @Test func aLockReleasedWithinTheGraceIsTaken() throws {
        let folder = TemporaryFolder()
        let first = try RunFolder(folder.url).claim()
        let started = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.15) { first.release() }
        let second = try RunFolder(folder.url).claim()
        #expect(Date().timeIntervalSince(started) >= 0.1)
        second.release()
    }

    @Test func aFinishedRunFolderIsClaimedAgainForResuming() throws {
        let folder = TemporaryFolder()
        let s = try RunnerTests().setup(taskCount: 2)
        let first = try RunnerTests().runner(s, ScriptedGenerator(tasks: s.plan.tasks), folder.url)
        let done = try first.run()
        #expect(done.rows.count == 2 * 2 * 2 * 2)
        _ = try ReportWriter.write(rows: done.rows, configuration: first.configuration, tasks: s.plan.tasks,
                                   folder: RunFolder(folder.url))
        let again = ScriptedGenerator(tasks: s.plan.tasks)
        let resumed = try RunnerTests().runner(s, again, folder.url).run()
        #expect(again.calls == 0)
        #expect(resumed.resumedRows == 16)
    }

    @Test func aWriteCutShortLeavesNoTornLine() throws {
        let folder = TemporaryFolder()
        let s = try RunnerTests().setup(taskCount: 1)
        let rows = try RunnerTests().runner(s, ScriptedGenerator(tasks: s.plan.tasks), folder.url).run().rows
        let path = folder.path("journal-copy.jsonl")
        let journal = try Journal(path: path)
        try journal.append(rows[0])
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(whole.last == UInt8(ascii: "\n"))
        #expect(whole.filter { $0 == UInt8(ascii: "\n") }.count == 1)

        // The disk fills half way through the next line.
        journal.writeBytes = { descriptor, bytes, count in
            if count > 40 { return write(descriptor, bytes, 40) }
            errno = ENOSPC
            return -1
        }
        #expect(throws: EvaluationError.unwritable(path: path, reason: "No space left on device")) {
            try journal.append(rows[1])
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == whole)

        // Space again: the next line follows the first directly.
        journal.writeBytes = { write($0, $1, $2) }
        try journal.append(rows[1])
        let reopened = try Journal(path: path)
        #expect(reopened.notes == [])
        #expect(reopened.recovered.map(\.key) == [rows[0].key, rows[1].key])
    }
}
