import Foundation

/// Errors reading or writing suite and sample files; each names the file and line at fault.
public enum SuiteError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case badLine(path: String, line: Int, reason: String)
    case duplicateTask(path: String, taskID: String)
    case unknownTask(path: String, line: Int, taskID: String)
    /// An MBPP id the suite file has, left out by the split in use.
    case outsideSplit(path: String, line: Int, taskID: String, split: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read (\(reason))"
        case .badLine(let path, let line, let reason): return "\(path):\(line): \(reason)"
        case .duplicateTask(let path, let id): return "\(path): task \(id) appears twice"
        case .unknownTask(let path, let line, let id): return "\(path):\(line): task \(id) is not in the suite"
        case .outsideSplit(let path, let line, let id, let split):
            return "\(path):\(line): task \(id) is outside the MBPP \(split) split (--mbpp-split all scores every task)"
        case .unwritable(let path, let reason): return "\(path): cannot write (\(reason))"
        }
    }
}

/// JSON Lines: one JSON value per non-blank line.
enum JSONLines {
    /// Decodes each non-blank line of `path` as `T`, naming the line on failure.
    static func read<T: Decodable>(_ type: T.Type, from path: String, expected: String = "JSON object") throws -> [T] {
        try readNumbered(type, from: path, expected: expected).map(\.value)
    }

    /// Like `read`, keeping each value's 1-based line number for later error messages.
    /// `expected` names one line's value in messages ("sample object {\"task_id\", \"completion\"}").
    static func readNumbered<T: Decodable>(_ type: T.Type, from path: String,
                                           expected: String = "JSON object") throws -> [(line: Int, value: T)] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SuiteError.unreadable(path: path, reason: FileProblem.reason(reading: path))
        }
        let decoder = JSONDecoder()
        var items: [(line: Int, value: T)] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do {
                items.append((lineNumber, try decoder.decode(T.self, from: Data(line))))
            } catch let DecodingError.keyNotFound(key, context) {
                let also = context.debugDescription.hasPrefix("needs ") ? " (\(context.debugDescription))" : ""
                throw SuiteError.badLine(path: path, line: lineNumber, reason: "missing field \"\(key.stringValue)\"" + also)
            } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty {
                let field = context.codingPath.map(\.stringValue).joined(separator: ".")
                throw SuiteError.badLine(path: path, line: lineNumber, reason: "field \"\(field)\" has the wrong type")
            } catch {
                // The line itself is not an object: say what it is (bad UTF-8 with the byte, bad JSON, an array...).
                throw SuiteError.badLine(path: path, line: lineNumber,
                                         reason: SuiteRows.whyNotAnObject(Data(line), expected: expected))
            }
        }
        return items
    }

    /// One compact JSON object per line, keys sorted so files diff cleanly.
    static func write<T: Encodable>(_ items: [T], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for item in items {
            out.append(try encoder.encode(item))
            out.append(UInt8(ascii: "\n"))
        }
        do {
            try out.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SuiteError.unwritable(path: path, reason: error.localizedDescription)
        }
    }
}
