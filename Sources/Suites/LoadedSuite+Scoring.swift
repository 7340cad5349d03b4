import Foundation

extension LoadedSuite {
    /// Any suite `SuiteLoader` reads (HumanEval, HumanEval+, MBPP, sanitized MBPP, MBPP+, the
    /// project format) from a path or a name (`SuiteLocator`), malformed lines fatal: scoring
    /// must never silently run on fewer tasks.
    public static func resolving(_ nameOrPath: String, mbppSplit: MBPPSplit = .test,
                                 includeChallengeTests: Bool = false) throws -> LoadedSuite {
        let path = try SuiteLocator.resolve(nameOrPath)
        return try SuiteLoader.load(path: path, mbppSplit: mbppSplit, includeChallengeTests: includeChallengeTests,
                                    onMalformed: .fail)
    }

    /// Tasks by id.
    public var byID: [String: SuiteTask] {
        Dictionary(tasks.map { ($0.taskID, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

extension Samples {
    /// One sample per task holding its canonical solution, as evaluation completes it (a
    /// HumanEval body continuing the prompt, an MBPP module).
    public static func canonical(for suite: LoadedSuite) -> [Sample] {
        suite.tasks.map { Sample(taskID: $0.taskID, completion: $0.canonicalCompletion) }
    }

    /// One empty completion per task.
    public static func empty(for suite: LoadedSuite) -> [Sample] {
        suite.tasks.map { Sample(taskID: $0.taskID, completion: "") }
    }

    /// Reads samples for `suite`; a task the suite lacks is an error naming the line (and, for
    /// an MBPP id the split left out, saying so).
    public static func load(path: String, suite: LoadedSuite, mbppSplit: MBPPSplit = .test) throws -> [Sample] {
        let ids = Set(suite.tasks.map(\.taskID))
        do {
            return try load(path: path) { ids.contains($0) }
        } catch SuiteError.unknownTask(let file, let line, let taskID)
            where suite.outsideSplit > 0 && Int(taskID).map { !mbppSplit.contains($0) } == true {
            throw SuiteError.outsideSplit(path: file, line: line, taskID: taskID, split: mbppSplit.rawValue)
        }
    }
}
