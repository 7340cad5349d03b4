import ArgumentParser
import Foundation
import Sandbox
import Suites
#if canImport(Glibc)
import Glibc
#endif

/// `score`'s results file, written as verdicts are decided: each row is appended whole (one
/// write, cut back if it fails part way) and fsync'd, so `kill -9` loses only the programs
/// still running.  Reopened, it is a journal: rows whose sample (index, task, completion),
/// profile and timeout match are kept and those samples are not run again; a torn last line
/// is cut off; a `sandbox_error` row is redone.  When every sample is judged the file is
/// rewritten in sample order.  The file is locked while a run uses it.
final class ScoreJournal: @unchecked Sendable {
    let path: String
    private let descriptor: Int32
    private let lock = NSLock()
    private let encoder: JSONEncoder
    /// Rows kept from an earlier run, by sample index.
    private(set) var kept: [Int: ExecutionResult] = [:]
    /// What was dropped on reopening, for the user.
    private(set) var notes: [String] = []
    /// The first failed append; later appends are refused.
    private(set) var failure: String?

    /// The fields a kept row must match.
    struct Key: Equatable {
        var taskID: String
        var completion: String
        var kind: Sample.Kind
        var profile: String
        var timeout: Double
    }

    init(path: String, keys: [Key]) throws {
        self.path = path
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        descriptor = try Self.openLocked(path)
        do {
            try recover(keys: keys)
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Opens and locks the file; when a finishing run renamed its ordered file over the path
    /// while we waited, the lock is on the old file: open the new one.
    private static func openLocked(_ path: String) throws -> Int32 {
        for _ in 0..<3 {
            let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw ValidationError("results file \(path): \(reason(errno))") }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                throw ValidationError("results file \(path) is in use by another tolerator score run")
            }
            var opened = stat(), named = stat()
            if fstat(fd, &opened) == 0, stat(path, &named) == 0,
               opened.st_ino == named.st_ino, opened.st_dev == named.st_dev {
                return fd
            }
            close(fd)
        }
        throw ValidationError("results file \(path) keeps being replaced by another run")
    }

    private struct Stored: Decodable {
        var sample: Int
        var taskID: String
        var completion: String
        var kind: Sample.Kind
        var timeout: Double?
        var result: ExecutionResult

        enum CodingKeys: String, CodingKey {
            case sample, completion, solution
            case taskID = "task_id"
            case timeout = "timeout_s"
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            sample = try container.decode(Int.self, forKey: .sample)
            taskID = try container.decode(String.self, forKey: .taskID)
            if let solution = try container.decodeIfPresent(String.self, forKey: .solution) {
                (completion, kind) = (solution, .solution)
            } else {
                (completion, kind) = (try container.decode(String.self, forKey: .completion), .completion)
            }
            timeout = try container.decodeIfPresent(Double.self, forKey: .timeout)
            result = try ExecutionResult(from: decoder)
        }
    }

    private func recover(keys: [Key]) throws {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        _ = lseek(descriptor, 0, SEEK_SET)
        while true {
            let n = read(descriptor, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw ValidationError("results file \(path): \(Self.reason(errno))") }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        if let last = data.last, last != UInt8(ascii: "\n") {
            let keep = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? data.startIndex
            guard ftruncate(descriptor, off_t(keep)) == 0 else {
                throw ValidationError("results file \(path): cannot cut a torn last line (\(Self.reason(errno)))")
            }
            notes.append("dropped a torn last line (\(data.count - keep) bytes, an interrupted write)")
            data = data[data.startIndex..<keep]
        }
        let decoder = JSONDecoder()
        var other = 0
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let row = try? decoder.decode(Stored.self, from: Data(line)),
                  keys.indices.contains(row.sample),
                  keys[row.sample] == Key(taskID: row.taskID, completion: row.completion, kind: row.kind,
                                          profile: row.result.profile, timeout: row.timeout ?? -1)
            else { other += 1; continue }
            // A sandbox_error is ours, not the program's: redone. Otherwise the first row wins.
            if row.result.verdict == .sandboxError { continue }
            if kept[row.sample] == nil { kept[row.sample] = row.result }
        }
        if other > 0 {
            notes.append("\(other) line\(other == 1 ? "" : "s") not matching these samples, profile and timeout: judged again")
        }
    }

    /// Appends one row, whole or not at all, and makes it durable.  Returns false once a write
    /// has failed (the reason is in `failure`).
    func append(_ row: ScoredSample) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil else { return false }
        guard var line = try? encoder.encode(row) else {
            failure = "cannot encode the result of \(row.sample.taskID)"
            return false
        }
        line.append(UInt8(ascii: "\n"))
        let start = lseek(descriptor, 0, SEEK_END)
        let ok = line.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 {
                    failure = Self.reason(written == 0 ? ENOSPC : errno)
                    if start >= 0 { _ = ftruncate(descriptor, start) }
                    return false
                }
                offset += written
            }
            return true
        }
        guard ok else { return false }
        guard fsync(descriptor) == 0 else {
            failure = "fsync: " + Self.reason(errno)
            return false
        }
        return true
    }

    /// Replaces the file with `rows` in sample order: a new file beside it, fsync'd, renamed
    /// over it, so a kill at any moment leaves either the journal or the ordered file.
    func rewrite(_ rows: [ScoredSample]) throws {
        var out = Data()
        for row in rows {
            out.append(try encoder.encode(row))
            out.append(UInt8(ascii: "\n"))
        }
        lock.lock()
        defer { lock.unlock() }
        do {
            try out.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ValidationError("results file \(path): \(error.localizedDescription)")
        }
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)).lowercased() }
}

/// Progress on stderr while `score` runs, as `eval` shows it: a redrawn bar with rate and ETA
/// on a terminal, otherwise plain lines at most once a second (and the last).
final class ScoreProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let interactive: Bool
    private let write: @Sendable (String) -> Void
    private let total: Int
    private let startDone: Int
    private var done: Int
    private var passed: Int
    private let started = Date()
    private var lastPlain = Date.distantPast

    init(total: Int, alreadyDone: Int, passedSoFar: Int, interactive: Bool = isatty(STDERR_FILENO) == 1,
         write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.total = total
        self.interactive = interactive
        self.write = write
        startDone = alreadyDone
        done = alreadyDone
        passed = passedSoFar
        if alreadyDone > 0 { write("resuming: \(alreadyDone)/\(total) samples already judged\n") }
        if interactive && alreadyDone < total { write(bar()) }
    }

    func finished(taskID: String, _ result: ExecutionResult) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if result.passed { passed += 1 }
        if interactive {
            write(bar())
        } else if Date().timeIntervalSince(lastPlain) >= 1 || done == total {
            lastPlain = Date()
            write("\(status()) | last: \(taskID) \(result.verdictText)\n")
        }
    }

    func end() {
        lock.lock()
        defer { lock.unlock() }
        if interactive && startDone < total { write("\n") }
    }

    private func status() -> String {
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done - startDone) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : nil
        let rateText = rate >= 1 ? String(format: "%.1f/s", rate) : String(format: "%.1f/min", rate * 60)
        return "\(done)/\(total) samples, passed \(passed) | \(rateText) | ETA \(eta.map(Self.duration) ?? "?")"
    }

    private func bar() -> String {
        let width = 30
        let filled = total > 0 ? width * done / total : width
        return "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            + status() + "\u{1B}[K"
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" }
        if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }
}
