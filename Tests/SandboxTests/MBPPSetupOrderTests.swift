import Foundation
import Testing
@testable import Sandbox

/// MBPP runs a task's setup after the solution and before the asserts: the setup may build
/// objects from the solution's classes (MBPP 367 and 927 build binary trees from `Node`).
@Suite("MBPP setup order")
struct MBPPSetupOrderTests {
    /// A tree task of MBPP 367's shape (our own code, not MBPP's).
    static let tree = """
        class Node:
            def __init__(self, data):
                self.data = data
                self.left = None
                self.right = None
        def height(root):
            if root is None:
                return 0
            return max(height(root.left), height(root.right)) + 1
        """
    static let setup = "root = Node(1)\r\nroot.left = Node(2)\r\nroot.left.left = Node(4)\r\nroot.right = Node(3)\r\nsingle = Node(9)"

    @Test func setupBuildsObjectsFromTheSolutionsClasses() throws {
        let runner = try #require(Shared.runner)
        let result = runner.run(.mbpp(code: Self.tree, setup: Self.setup,
                                      tests: ["assert height(root) == 3", "assert height(single) == 1", "assert height(None) == 0"]))
        #expect(result.verdict == .passed, "\(result.message)")
        #expect(result.tests.map(\.status) == ["pass", "pass", "pass"])
    }

    @Test func aWrongSolutionStillFailsItsAsserts() throws {
        let runner = try #require(Shared.runner)
        let wrong = Self.tree.replacingOccurrences(of: ") + 1", with: ") + 2")
        let result = runner.run(.mbpp(code: wrong, setup: Self.setup, tests: ["assert height(root) == 3", "assert height(None) == 0"]))
        #expect(result.verdict == .failed)
        #expect(result.tests.map(\.status) == ["fail", "pass"])
    }

    /// A solution without the class the setup needs fails as plain execution would (NameError
    /// in the setup), and setup names override the solution's, as they do in one script.
    @Test func setupErrorsAndOverridesFollowPlainExecution() throws {
        let runner = try #require(Shared.runner)
        let missing = runner.run(.mbpp(code: "def height(root):\n    return 3\n", setup: Self.setup, tests: ["assert height(root) == 3"]))
        // The program's failure, not the sandbox's: sandbox_error would be retried on resume.
        #expect(missing.verdict == .failed)
        #expect(missing.message.contains("setup failed: NameError: name 'Node' is not defined"), "\(missing.message)")
        #expect(missing.tests.map(\.status) == ["error"])
        // A setup that is not Python is the suite's fault: still sandbox_error.
        let broken = runner.run(.mbpp(code: Self.tree, setup: "root = (", tests: ["assert height(root) == 3"]))
        #expect(broken.verdict == .sandboxError)
        let override = runner.run(.mbpp(code: "limit = 1\ndef under(x):\n    return x < 5\n", setup: "limit = 5",
                                        tests: ["assert limit == 5", "assert under(4)"]))
        #expect(override.verdict == .passed, "\(override.message)")
    }

    @Test func aProgramThatDoesNotLoadSkipsItsTestsWhateverTheSetup() throws {
        let runner = try #require(Shared.runner)
        let result = runner.run(.mbpp(code: "def height(root):\n    return (\n", setup: Self.setup, tests: ["assert height(root) == 3"]))
        #expect(result.verdict == .syntaxError)
        #expect(result.tests.map(\.status) == ["skipped"])
    }

    @Test func thePlainScriptOrdersSolutionSetupTests() {
        let script = Program.mbpp(code: "C", setup: "S", tests: ["T1", "T2"]).plainScript
        #expect(script == "C\nS\nT1\nT2\n")
    }
}
