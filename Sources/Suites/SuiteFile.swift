import Foundation

/// A line of a suite file that could not be used, named by file and line.
public struct SuiteIssue: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// 1-based; 0 when the problem concerns the whole file.
    public var line: Int
    public var reason: String

    public init(path: String, line: Int, reason: String) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    public var description: String { line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)" }
}

/// What to do with a malformed line (`--on-malformed`).
public enum MalformedPolicy: String, Sendable, CaseIterable {
    /// Report it and go on without it.
    case skip
    /// Stop with the first one.
    case fail
}

/// Raw bytes of a suite file, gunzipped when they start with the gzip magic.
enum SuiteBytes {
    static func read(path: String) throws -> Data {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SuiteError.unreadable(path: path, reason: FileProblem.reason(reading: path))
        }
        guard data.count >= 2, data[data.startIndex] == 0x1F, data[data.startIndex + 1] == 0x8B else { return data }
        return try gunzip(path: path)
    }

    /// `gzip -dc`: Foundation has no inflate on Linux, and gzip is on every Debian machine.
    /// It only reads the trusted suite file; nothing from the file is executed.
    static func gunzip(path: String) throws -> Data {
        let candidates = ["/usr/bin/gzip", "/bin/gzip"]
        guard let gzip = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw SuiteError.unreadable(path: path, reason: "gzip-compressed, and no gzip found to read it (apt-get install gzip)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gzip)
        process.arguments = ["-dc", "--", path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw SuiteError.unreadable(path: path, reason: "cannot run gzip: \(error.localizedDescription)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SuiteError.unreadable(path: path, reason: "not a valid gzip file (gzip -dc exited with \(process.terminationStatus))")
        }
        return data
    }
}

/// The JSON objects of a suite file, each with its line number: JSON Lines, or one JSON array
/// (MBPP sanitized), where an element's line is the line its object starts on.
enum SuiteRows {
    struct Row {
        var line: Int
        var object: [String: Any]
    }

    static func parse(_ data: Data, path: String) -> (rows: [Row], issues: [SuiteIssue]) {
        let firstByte = data.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if firstByte == UInt8(ascii: "[") { return parseArray(data, path: path) }
        var rows: [Row] = []
        var issues: [SuiteIssue] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            if let object = (try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])) as? [String: Any] {
                rows.append(Row(line: lineNumber, object: object))
            } else {
                issues.append(SuiteIssue(path: path, line: lineNumber, reason: whyNotAnObject(Data(line))))
            }
        }
        return (rows, issues)
    }

    /// Why a JSON Lines line is not an object: bad UTF-8, bad JSON, or JSON of another kind.
    /// `expected` completes "each line must be one ..." (a task object, a sample object).
    static func whyNotAnObject(_ line: Data, expected: String = "task object {\"task_id\": ...}") -> String {
        if String(data: line, encoding: .utf8) == nil {
            let valid = validUTF8Prefix(line)
            return "not valid UTF-8 (byte 0x\(String(line[line.startIndex + valid], radix: 16, uppercase: true)) at column \(valid + 1)); "
                + "JSON Lines files must be UTF-8 text"
        }
        guard let value = try? JSONSerialization.jsonObject(with: line, options: [.fragmentsAllowed]) else {
            return "not valid JSON; each line must be one \(expected)"
        }
        if value is [String: Any] { return "a JSON object of the wrong shape; each line must be one \(expected)" }
        return "a JSON \(kind(of: value)), not an object; each line must be one \(expected)"
    }

    /// "array", "string", "number", ... for a decoded JSON value.
    static func kind(of value: Any) -> String {
        switch value {
        case is [Any]: "array"
        case is String: "string"
        case is NSNull: "null"
        case is NSNumber: "number or boolean"
        default: "value"
        }
    }

    /// How many leading bytes of `data` are whole, valid UTF-8 sequences.
    static func validUTF8Prefix(_ data: Data) -> Int {
        var count = 0
        var iterator = data.makeIterator()
        var decoder = Unicode.UTF8()
        var lastGood = 0
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                count += UTF8.width(scalar)
                lastGood = count
            case .emptyInput: break loop
            case .error: break loop
            }
        }
        return lastGood
    }

    private static func parseArray(_ data: Data, path: String) -> (rows: [Row], issues: [SuiteIssue]) {
        guard let array = (try? JSONSerialization.jsonObject(with: data)) as? [Any] else {
            // JSON Lines whose lines are arrays reads as no valid array: name the first line instead.
            let first = data.split(separator: UInt8(ascii: "\n")).first.map { Data($0) } ?? data
            if (try? JSONSerialization.jsonObject(with: first)) is [Any] {
                return ([], [SuiteIssue(path: path, line: 1, reason: "a JSON array, not an object; in JSON Lines each line "
                    + "must be one task object, and a whole-file JSON array must be the file's only value")])
            }
            return ([], [SuiteIssue(path: path, line: 0, reason: "starts with '[' but is not a JSON array")])
        }
        let starts = objectStartLines(data)
        var rows: [Row] = []
        var issues: [SuiteIssue] = []
        for (index, element) in array.enumerated() {
            let line = index < starts.count ? starts[index] : 0
            if let object = element as? [String: Any] {
                rows.append(Row(line: line, object: object))
            } else {
                issues.append(SuiteIssue(path: path, line: line, reason: "array element \(index) is a JSON \(kind(of: element)), "
                    + "not a task object (a file that starts with '[' is read as one JSON array of task objects)"))
            }
        }
        return (rows, issues)
    }

    /// Line numbers where each top-level array element starts (depth-1 values), skipping strings.
    private static func objectStartLines(_ data: Data) -> [Int] {
        var starts: [Int] = []
        var depth = 0
        var line = 1
        var inString = false
        var escaped = false
        var expectingValue = false
        for byte in data {
            if byte == 0x0A { line += 1 }
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                if depth == 1 && expectingValue { starts.append(line); expectingValue = false }
                inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if depth == 1 && expectingValue { starts.append(line); expectingValue = false }
                depth += 1
                if depth == 1 { expectingValue = true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            case UInt8(ascii: ","): if depth == 1 { expectingValue = true }
            case 0x20, 0x09, 0x0A, 0x0D: break
            default:
                if depth == 1 && expectingValue { starts.append(line); expectingValue = false }
            }
        }
        return starts
    }
}
