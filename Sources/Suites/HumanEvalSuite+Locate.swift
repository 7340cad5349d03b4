import Foundation

extension HumanEvalSuite {
    /// A HumanEval-format suite from a path (`.jsonl` or `.jsonl.gz`) or a name (`humaneval`,
    /// `tiny`, `minicode`; see `SuiteLocator`). Malformed lines are fatal here: scoring must
    /// never silently run on fewer tasks.
    public static func load(resolving nameOrPath: String) throws -> HumanEvalSuite {
        let loaded = try LoadedSuite.resolving(nameOrPath)
        var tasks: [HumanEvalTask] = []
        for task in loaded.tasks {
            guard task.shape == .humanEval, task.verifiesWithCheck else {
                throw SuiteError.unreadable(path: loaded.path, reason: "task \(task.taskID) is not HumanEval-format (\(task.source))")
            }
            tasks.append(HumanEvalTask(taskID: task.taskID, prompt: task.prompt, canonicalSolution: task.canonicalSolution,
                                       test: task.test, entryPoint: task.entryPoint))
        }
        return try HumanEvalSuite(path: loaded.path, tasks: tasks)
    }
}

extension Samples {
    /// One sample per task whose completion is the canonical solution (every one must pass).
    public static func canonical(for suite: HumanEvalSuite) -> [Sample] {
        suite.tasks.map { Sample(taskID: $0.taskID, completion: $0.canonicalSolution) }
    }

    /// One empty completion per task (every one must fail: the prompt alone has no body).
    public static func empty(for suite: HumanEvalSuite) -> [Sample] {
        suite.tasks.map { Sample(taskID: $0.taskID, completion: "") }
    }
}
