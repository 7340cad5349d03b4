import Foundation
import Testing
@testable import Evaluation
@testable import Sandbox
import Suites

/// Every shipped suite's canonical solutions pass in the sandbox and empty answers fail: the
/// programs `SuiteTask.program(completion:)` builds are the right ones for each shape.
@Suite struct SuiteProgramTests {
    @Test func canonicalSolutionsPassAndEmptyAnswersFail() throws {
        guard let sandbox = RunnerTests().sandboxRunner() else {
            print("skipped: no working sandbox profile on this machine")
            return
        }
        var tasks = try tinySuite().tasks
        let project = try SuiteLoader.load(path: checkout.appendingPathComponent("Examples/suites/project-example.jsonl").path)
        #expect(project.issues.isEmpty && project.tasks.count == 3)
        tasks += project.tasks
        let canonical = sandbox.runAll(tasks.map { $0.program(completion: $0.canonicalSolution) })
        for (task, result) in zip(tasks, canonical) {
            #expect(result.verdict == .passed, "\(task.taskID): \(result.message)")
        }
        let empty = sandbox.runAll(tasks.map { $0.program(completion: "") })
        for (task, result) in zip(tasks, empty) {
            #expect(result.verdict != .passed, "\(task.taskID) passes with an empty answer")
        }
    }
}
