import Foundation

/// MBPP's published splits by task id (Austin et al. 2021); only numeric MBPP ids are filtered.
public enum MBPPSplit: String, Sendable, CaseIterable {
    /// Ids 11–510, the split every paper reports.
    case test
    /// Ids 1–10 (few-shot prompt examples).
    case prompt
    case validation
    case train
    case all

    public func contains(_ id: Int) -> Bool {
        switch self {
        case .test: return (11...510).contains(id)
        case .prompt: return (1...10).contains(id)
        case .validation: return (511...600).contains(id)
        case .train: return (601...974).contains(id)
        case .all: return true
        }
    }
}

/// A loaded suite: tasks in file order, the lines that were skipped, and a content hash.
public struct LoadedSuite: Sendable {
    public var path: String
    public var tasks: [SuiteTask]
    /// Malformed lines skipped under `.skip` (never silently: callers print them).
    public var issues: [SuiteIssue]
    /// Rows outside the MBPP split, counted so the summary can say how many were left out.
    public var outsideSplit: Int
    /// FNV-1a 64 of the (decompressed) file bytes, hex: names the exact data in run configurations.
    public var contentHash: String
}

/// Reads HumanEval (`.jsonl`, `.jsonl.gz`; HumanEval+ too), MBPP (original JSONL, sanitized JSON
/// array), evalplus MBPP+ and the project format, detecting the format per row.
///
/// Project format (Examples/suites/README.md): one JSON object per line with `task_id`, `shape`
/// (`humaneval` or `mbpp`), `prompt`, `entry_point`, `canonical_solution`, and either `test`
/// (a `check(candidate)` function) or `tests` (assert statements, with optional `setup`), plus
/// optional `prompt_tests` and `visible_tests` (asserts that may select among attempts; HumanEval
/// rows may carry `visible_tests` too).
public enum SuiteLoader {
    public static func load(path: String, mbppSplit: MBPPSplit = .test, includeChallengeTests: Bool = false,
                            onMalformed: MalformedPolicy = .skip) throws -> LoadedSuite {
        let data = try SuiteBytes.read(path: path)
        let (rows, parseIssues) = SuiteRows.parse(data, path: path)
        var issues = parseIssues
        if onMalformed == .fail, let first = issues.first {
            throw SuiteError.badLine(path: path, line: first.line, reason: first.reason)
        }
        var tasks: [SuiteTask] = []
        var seen = Set<String>()
        var outside = 0
        for row in rows {
            do {
                guard let task = try convert(row.object, split: mbppSplit, challenge: includeChallengeTests) else {
                    outside += 1
                    continue
                }
                guard seen.insert(task.taskID).inserted else { throw RowError("task \(task.taskID) appears twice") }
                tasks.append(task)
            } catch let error as RowError {
                let issue = SuiteIssue(path: path, line: row.line, reason: error.reason)
                if onMalformed == .fail { throw SuiteError.badLine(path: path, line: row.line, reason: error.reason) }
                issues.append(issue)
            }
        }
        if tasks.isEmpty && issues.isEmpty && outside == 0 {
            issues.append(SuiteIssue(path: path, line: 0, reason: "no tasks"))
        }
        return LoadedSuite(path: path, tasks: tasks, issues: issues.sorted { $0.line < $1.line },
                           outsideSplit: outside, contentHash: fnv1a64Hex(data))
    }

    /// FNV-1a 64-bit, hex: a stable fingerprint (not a security hash) for run configurations.
    public static func fnv1a64Hex(_ data: Data) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    struct RowError: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// One row to a task, or nil when it lies outside the MBPP split.
    static func convert(_ o: [String: Any], split: MBPPSplit, challenge: Bool) throws -> SuiteTask? {
        let fields = Fields(o)
        if o["shape"] != nil { return try project(fields) }
        if o["test_list"] != nil {
            let id = try fields.taskID()
            if let number = Int(id), !split.contains(number) { return nil }
            let code = try fields.string("code")
            let sanitized = o["text"] == nil
            let text = try fields.string(sanitized ? "prompt" : "text")
            var tests = try fields.strings("test_list")
            if challenge { tests += try fields.optionalStrings("challenge_test_list") }
            var setup = try fields.optionalString("test_setup_code")
            let imports = try fields.optionalStrings("test_imports")
            if !imports.isEmpty { setup = (imports + [setup]).filter { !$0.isEmpty }.joined(separator: "\n") }
            guard !tests.isEmpty else { throw RowError("field \"test_list\" is empty") }
            return SuiteTask(
                taskID: id, shape: .mbpp, prompt: text, entryPoint: entryPoint(code: code, tests: tests),
                canonicalSolution: code, setup: setup, tests: tests, promptTests: tests,
                source: sanitized ? "mbpp-sanitized" : "mbpp")
        }
        let id = try fields.taskID()
        let prompt = try fields.string("prompt")
        let entry = try fields.string("entry_point")
        let test = try fields.string("test")
        let canonical = try fields.optionalString("canonical_solution")
        if id.hasPrefix("Mbpp/") {
            // evalplus MBPP+: the prompt is a docstring holding the statement and one example assert.
            let (statement, asserts) = splitMBPPPlusPrompt(prompt)
            return SuiteTask(taskID: id, shape: .mbpp, prompt: statement, entryPoint: entry,
                             canonicalSolution: canonical, test: test, promptTests: asserts, source: "evalplus-mbpp")
        }
        guard o["canonical_solution"] != nil else { throw RowError("missing field \"canonical_solution\"") }
        var task = SuiteTask(taskID: id, shape: .humanEval, prompt: prompt, entryPoint: entry,
                             canonicalSolution: canonical, test: test, source: "humaneval")
        task.visibleTests = try fields.optionalStrings("visible_tests")
        return task
    }

    static func project(_ f: Fields) throws -> SuiteTask {
        let shapeName = try f.string("shape")
        guard let shape = SuiteTask.Shape(rawValue: shapeName) else {
            throw RowError("field \"shape\" must be \"humaneval\" or \"mbpp\", not \"\(shapeName)\"")
        }
        let test = try f.optionalString("test")
        let tests = try f.optionalStrings("tests")
        guard !test.isEmpty || !tests.isEmpty else { throw RowError("needs \"test\" (check function) or \"tests\" (asserts)") }
        var task = SuiteTask(
            taskID: try f.taskID(), shape: shape, prompt: try f.string("prompt"),
            entryPoint: try f.optionalString("entry_point"), canonicalSolution: try f.optionalString("canonical_solution"),
            test: test, setup: try f.optionalString("setup"), tests: tests,
            promptTests: f.object["prompt_tests"] == nil ? tests : try f.optionalStrings("prompt_tests"),
            source: "project")
        task.visibleTests = try f.optionalStrings("visible_tests")
        return task
    }

    /// The function MBPP's asserts call: the first `def` of the reference code named in a test.
    static func entryPoint(code: String, tests: [String]) -> String {
        var names: [String] = []
        // MBPP's reference code uses CRLF, which Swift reads as one Character.
        let lines = code.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n")
        for line in lines where line.hasPrefix("def ") {
            let rest = line.dropFirst(4)
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !name.isEmpty { names.append(String(name)) }
        }
        let first = tests.first ?? ""
        return names.first { first.contains($0 + "(") } ?? names.first ?? ""
    }

    /// `"""\nStatement.\nassert f(1) == 2\n"""` → ("Statement.", ["assert f(1) == 2"]).
    static func splitMBPPPlusPrompt(_ prompt: String) -> (String, [String]) {
        var text = prompt.trimmingCharacters(in: .whitespacesAndNewlines)
        for quote in ["\"\"\"", "'''"] where text.hasPrefix(quote) && text.hasSuffix(quote) && text.count >= 6 {
            text = String(text.dropFirst(3).dropLast(3))
        }
        var statement: [String] = []
        var asserts: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("assert ") { asserts.append(trimmed) } else { statement.append(String(line)) }
        }
        return (statement.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines), asserts)
    }

    /// Typed field access with the messages the issue list shows.
    struct Fields {
        let object: [String: Any]
        init(_ object: [String: Any]) { self.object = object }

        func taskID() throws -> String {
            switch object["task_id"] {
            case let s as String: return s
            case let n as Int: return String(n)
            case nil: throw RowError("missing field \"task_id\"")
            default: throw RowError("field \"task_id\" has the wrong type")
            }
        }

        func string(_ key: String) throws -> String {
            guard let value = object[key] else { throw RowError("missing field \"\(key)\"") }
            guard let s = value as? String else { throw RowError("field \"\(key)\" has the wrong type") }
            return s
        }

        func optionalString(_ key: String) throws -> String {
            guard let value = object[key], !(value is NSNull) else { return "" }
            guard let s = value as? String else { throw RowError("field \"\(key)\" has the wrong type") }
            return s
        }

        func strings(_ key: String) throws -> [String] {
            guard object[key] != nil else { throw RowError("missing field \"\(key)\"") }
            return try optionalStrings(key)
        }

        func optionalStrings(_ key: String) throws -> [String] {
            guard let value = object[key], !(value is NSNull) else { return [] }
            guard let list = value as? [Any], let strings = list as? [String] else {
                throw RowError("field \"\(key)\" must be a list of strings")
            }
            return strings
        }
    }
}
