import Foundation
import PythonSource
import Sandbox

/// The tests an answer may be selected by: never a suite's hidden tests, only what the user can
/// see. A docstring's `>>>` examples (run through Python's own doctest matching) and plain
/// `assert` statements (MBPP prompt asserts, a suite's `visible_tests`, `--test`, `--tests FILE`).
public struct VisibleTests: Sendable, Equatable, Codable {
    public var examples: [DoctestExample]
    public var asserts: [String]

    public init(examples: [DoctestExample] = [], asserts: [String] = []) {
        self.examples = examples
        self.asserts = asserts
    }

    /// The `>>>` examples of `entryPoint` in `prompt`, or of the last function it defines (the
    /// one being completed). A prompt that does not parse as Python contributes none.
    public init(docstringOf prompt: String, entryPoint: String = "", asserts: [String] = []) {
        var examples: [DoctestExample] = []
        if let file = try? PythonFile(text: prompt, path: "<prompt>"),
           let name = file.qualifiedNames.contains(entryPoint) ? entryPoint : file.qualifiedNames.last,
           let function = try? file.function(named: name) {
            examples = function.doctestExamples
        }
        self.init(examples: examples, asserts: asserts)
    }

    public var count: Int { examples.count + asserts.count }
    public var isEmpty: Bool { count == 0 }

    /// One line per test, in the order the program runs them (for messages).
    public var descriptions: [String] {
        examples.map { example in
            let call = example.source.trimmingCharacters(in: .whitespacesAndNewlines)
            let want = example.want.trimmingCharacters(in: .whitespacesAndNewlines)
            return want.isEmpty ? ">>> \(call)" : ">>> \(call)  # expects \(want)"
        } + asserts
    }

    /// The first failure in the user's terms: the test as written (an example as `>>> call  #
    /// expects want`, not the doctest call that ran it), then what went wrong. "" for a pass.
    public func failureMessage(_ result: ExecutionResult) -> String {
        guard result.verdict != .passed else { return "" }
        guard result.verdict == .failed, let index = result.failingTest, descriptions.indices.contains(index),
              let record = result.tests.first(where: { $0.index == index })
        else { return result.message }
        var why = record.message
        if index < examples.count, why.hasPrefix("AssertionError: ") { why.removeFirst("AssertionError: ".count) }
        return "\(descriptions[index]): \(why)"
    }

    /// A sandbox program that loads `code` and runs every test as its own record, so a result
    /// says how many passed and which failed first.
    public func program(code: String) -> Program {
        let doctest = DoctestProgram(examples: examples)
        return .mbpp(code: code, setup: examples.isEmpty ? "" : DoctestProgram.helperSource,
                     tests: doctest.statements(globals: "globals()") + asserts)
    }

    /// The `assert` statements of a tests file: each line that starts with `assert`, with the
    /// indented continuation lines that follow it. Other lines are ignored. Empty when none.
    public static func asserts(inFile text: String) -> [String] {
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("assert ") || line.hasPrefix("assert(") {
                out.append(String(line))
            } else if let last = out.indices.last, line.first == " " || line.first == "\t",
                      !line.trimmingCharacters(in: .whitespaces).isEmpty {
                out[last] += "\n" + line
            }
        }
        return out
    }
}
