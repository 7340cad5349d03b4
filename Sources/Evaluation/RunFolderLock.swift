import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An eval folder held by this process: an exclusive `flock` on its lock file, released when
/// the lock is released or deallocated (or the process dies, however it dies).
public final class RunFolderLock: @unchecked Sendable {
    public let folder: String
    private var descriptor: Int32

    init(folder: String, descriptor: Int32) {
        self.folder = folder
        self.descriptor = descriptor
    }

    deinit { release() }

    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)  // drops the flock
        descriptor = -1
    }
}

extension RunFolder {
    /// The lock file; it stays in the folder (harmless, and not "a file of the user's").
    public static let lockFileName = ".tolerator-eval.lock"

    /// Makes the folder when needed and takes it for one eval: refuses a folder that holds
    /// files but no `run.json` (eval would overwrite them), and a folder another eval holds.
    /// Call before any work; keep the lock until the reports are written.
    public func claim() throws -> RunFolderLock {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw EvaluationError.unwritable(path: url.path, reason: error.localizedDescription)
        }
        try refuseForeignFiles()
        let lockPath = path(Self.lockFileName)
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw EvaluationError.unwritable(path: lockPath, reason: String(cString: strerror(errno)))
        }
        // A lock released a moment ago can still be held by a child forked in between that has not
        // reached exec yet (O_CLOEXEC closes it only there), so a busy folder is retried for up to
        // a second before it counts as another eval's: a real one holds it far longer.
        var code: Int32 = 0
        for attempt in 0..<50 {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return RunFolderLock(folder: url.path, descriptor: descriptor) }
            code = errno
            guard code == EWOULDBLOCK || code == EINTR else { break }
            if attempt < 49 { usleep(20_000) }
        }
        close(descriptor)
        if code == EWOULDBLOCK || code == EINTR { throw EvaluationError.folderInUse(folder: url.path) }
        throw EvaluationError.unwritable(path: lockPath, reason: "flock: \(String(cString: strerror(code)))")
    }

    /// A folder without `run.json` must be empty (but for the lock file): anything else is the
    /// user's, and eval writes reports and samples under fixed names.
    func refuseForeignFiles() throws {
        guard !FileManager.default.fileExists(atPath: configurationPath) else { return }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: url.path)
                .filter { $0 != Self.lockFileName }.sorted()
        } catch {
            throw EvaluationError.unreadableRun(path: url.path, reason: error.localizedDescription)
        }
        guard !entries.isEmpty else { return }
        throw EvaluationError.notARunFolder(
            folder: url.path, overwritten: entries.filter(Self.isOutputName), others: entries.filter { !Self.isOutputName($0) })
    }

    /// Names eval writes into its folder.
    static func isOutputName(_ name: String) -> Bool {
        ["run.json", "journal.jsonl", "results.jsonl", "samples.jsonl", "report.json", "report.md", "report.html"].contains(name)
            || (name.hasPrefix("samples-") && name.hasSuffix(".jsonl"))
    }
}
