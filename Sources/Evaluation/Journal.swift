import Foundation
import Sandbox
#if canImport(Glibc)
import Glibc
#endif

/// The append-only record of finished samples (`journal.jsonl`): one compact JSON row per line,
/// written and fsync'd as each sample completes, so Ctrl-C, a crash or `kill -9` loses at most
/// the samples still in flight. A torn last line (a write cut short) is detected and cut off
/// when the journal is reopened.
final class Journal: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private let descriptor: Int32
    private let encoder: JSONEncoder

    /// Rows already recorded, in journal order, deduplicated by key (first wins).
    private(set) var recovered: [ResultRow] = []
    /// Notes for the user: torn tail cut, undecodable or duplicate lines ignored.
    private(set) var notes: [String] = []

    init(path: String) throws {
        self.path = path
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try Self.recover(path: path, into: &recovered, notes: &notes)
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw EvaluationError.unwritable(path: path, reason: String(cString: strerror(errno)))
        }
    }

    deinit { close(descriptor) }

    /// Reads the rows; truncates the file after the last complete line when the tail is torn.
    private static func recover(path: String, into rows: inout [ResultRow], notes: inout [String]) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError.unreadableRun(path: path, reason: "cannot read the journal")
        }
        var complete = data
        if let last = data.last, last != UInt8(ascii: "\n") {
            let keep = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? data.startIndex
            complete = data[data.startIndex..<keep]
            guard truncate(path, off_t(complete.count)) == 0 else {
                throw EvaluationError.unwritable(path: path, reason: "cannot cut the torn last line: \(String(cString: strerror(errno)))")
            }
            notes.append("journal: dropped a torn last line (\(data.count - complete.count) bytes, an interrupted write)")
        }
        let parsed = parse(complete)
        rows = parsed.rows
        notes += parsed.notes
    }

    /// The rows of complete journal lines, deduplicated by key (first wins, but a retry of a
    /// sandbox_error replaces it), with notes on what was ignored. Reads only.
    static func parse(_ complete: Data) -> (rows: [ResultRow], notes: [String]) {
        var rows: [ResultRow] = []
        var notes: [String] = []
        let decoder = JSONDecoder()
        var index: [SampleKey: Int] = [:]
        var number = 0
        for line in complete.split(separator: UInt8(ascii: "\n")) {
            number += 1
            guard let row = try? decoder.decode(ResultRow.self, from: Data(line)) else {
                notes.append("journal line \(number): not a result row; ignored (that sample is redone)")
                continue
            }
            if let earlier = index[row.key] {
                // A sandbox_error (our fault, not the program's) is redone on resume; its retry wins.
                if rows[earlier].result.verdict == .sandboxError {
                    rows[earlier] = row
                } else {
                    notes.append("journal line \(number): \(row.key) recorded twice; the first is kept")
                }
                continue
            }
            index[row.key] = rows.count
            rows.append(row)
        }
        return (rows, notes)
    }

    /// `write(2)`; tests substitute a failing one.
    var writeBytes: (Int32, UnsafeRawPointer, Int) -> Int = { write($0, $1, $2) }

    /// Appends one row, whole or not at all, and makes it durable before returning. The line is
    /// one buffer handed to one `write` (a regular file takes it whole unless the disk is full
    /// or a quota is hit); when a write fails part way (ENOSPC), the file is cut back to where
    /// the line began, so no torn line is ever left behind.
    func append(_ row: ResultRow) throws {
        var line = try encoder.encode(row)
        line.append(UInt8(ascii: "\n"))
        lock.lock()
        defer { lock.unlock() }
        let start = lseek(descriptor, 0, SEEK_END)
        guard start >= 0 else {
            throw EvaluationError.unwritable(path: path, reason: "lseek: \(String(cString: strerror(errno)))")
        }
        try line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = writeBytes(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 {
                    let code = written == 0 ? ENOSPC : errno
                    if code == EINTR { continue }
                    _ = ftruncate(descriptor, start)
                    throw EvaluationError.unwritable(path: path, reason: String(cString: strerror(code)))
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else {
            throw EvaluationError.unwritable(path: path, reason: "fsync: \(String(cString: strerror(errno)))")
        }
    }
}

/// The output folder: `run.json` (configuration), `journal.jsonl`, and the reports.
public struct RunFolder: Sendable {
    public let url: URL

    public init(_ url: URL) { self.url = url }

    public var configurationPath: String { url.appendingPathComponent("run.json").path }
    public var journalPath: String { url.appendingPathComponent("journal.jsonl").path }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Creates the folder and writes `run.json`, or checks that an existing one matches.
    /// Returns true when the folder already held this run (a resume).
    public func prepare(_ configuration: RunConfiguration) throws -> Bool {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw EvaluationError.unwritable(path: url.path, reason: error.localizedDescription)
        }
        if let data = FileManager.default.contents(atPath: configurationPath) {
            let stored: RunConfiguration
            do {
                stored = try JSONDecoder().decode(RunConfiguration.self, from: data)
            } catch {
                throw EvaluationError.unreadableRun(path: configurationPath, reason: "not a tolerator run configuration: \(error)")
            }
            let differences = configuration.differences(from: stored)
            guard differences.isEmpty else {
                throw EvaluationError.configurationChanged(folder: url.path, differences: differences)
            }
            return true
        }
        if FileManager.default.fileExists(atPath: journalPath) {
            throw EvaluationError.unreadableRun(path: journalPath, reason: "a journal without run.json; refusing to guess its configuration")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try Files.writeAtomically(try encoder.encode(configuration), to: configurationPath)
        return false
    }
}

enum Files {
    static func writeAtomically(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw EvaluationError.unwritable(path: path, reason: error.localizedDescription)
        }
    }

    static func writeAtomically(_ text: String, to path: String) throws {
        try writeAtomically(Data(text.utf8), to: path)
    }

    static func jsonLines<T: Encodable>(_ rows: [T]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for row in rows {
            out.append(try encoder.encode(row))
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }
}
