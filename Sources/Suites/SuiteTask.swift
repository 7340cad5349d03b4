/// One task of any supported suite format, in the shape evaluation needs.
///
/// Two prompting shapes exist: HumanEval (`prompt` is code, a signature and docstring that the
/// answer continues) and MBPP (`prompt` is a problem statement shown with `promptTests`). Two
/// verification shapes exist: a `check(candidate)` function in `test` (HumanEval, HumanEval+,
/// MBPP+), or assert statements in `tests` run after `setup` (MBPP).
public struct SuiteTask: Codable, Sendable, Equatable {
    public enum Shape: String, Codable, Sendable, CaseIterable {
        case humanEval = "humaneval"
        case mbpp
    }

    public var taskID: String
    public var shape: Shape
    /// HumanEval: the code to continue. MBPP: the problem statement.
    public var prompt: String
    /// The function the tests call; may be empty for MBPP rows whose tests name it directly.
    public var entryPoint: String
    /// HumanEval: the body continuing `prompt`. MBPP: a whole module.
    public var canonicalSolution: String
    /// `check(candidate)` source; empty when `tests` verify instead.
    public var test: String
    /// MBPP: trusted code run after the solution and before the asserts (it may use the solution's classes).
    public var setup: String
    /// MBPP: assert statements, each one test.
    public var tests: [String]
    /// MBPP: the asserts shown in the prompt (the original benchmark shows all of `tests`).
    public var promptTests: [String]
    /// Which file format the task came from (`humaneval`, `mbpp`, `mbpp-sanitized`, `evalplus-mbpp`, `project`).
    public var source: String
    /// Asserts a user could see (a suite's `visible_tests` field), for selecting among attempts;
    /// disjoint from the hidden tests that judge the answer. Not part of the task's coding keys.
    public var visibleTests: [String] = []

    public init(taskID: String, shape: Shape, prompt: String, entryPoint: String, canonicalSolution: String,
                test: String = "", setup: String = "", tests: [String] = [], promptTests: [String] = [],
                source: String) {
        self.taskID = taskID
        self.shape = shape
        self.prompt = prompt
        self.entryPoint = entryPoint
        self.canonicalSolution = canonicalSolution
        self.test = test
        self.setup = setup
        self.tests = tests
        self.promptTests = promptTests
        self.source = source
    }

    /// True when `test` holds a `check(candidate)` function; false when `tests` are asserts.
    public var verifiesWithCheck: Bool { !test.isEmpty }

    /// The text that makes the canonical solution a complete answer the way evaluation
    /// builds one: HumanEval completions continue `prompt`, MBPP solutions stand alone.
    public var canonicalCompletion: String { canonicalSolution }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case shape, prompt
        case entryPoint = "entry_point"
        case canonicalSolution = "canonical_solution"
        case test, setup, tests
        case promptTests = "prompt_tests"
        case source
    }
}

extension SuiteTask {
    /// A HumanEval-format task as a suite task.
    public init(_ task: HumanEvalTask, source: String = "humaneval") {
        self.init(taskID: task.taskID, shape: .humanEval, prompt: task.prompt, entryPoint: task.entryPoint,
                  canonicalSolution: task.canonicalSolution, test: task.test, source: source)
    }
}
