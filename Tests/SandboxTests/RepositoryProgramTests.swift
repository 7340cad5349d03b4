import Foundation
import Testing
@testable import Sandbox

/// `Program.repository`: a repository snapshot unpacked in the sandbox and its own tests run there.
@Suite("Repository programs")
struct RepositoryProgramTests {
    static let module = """
        def add_all(xs):
            return sum(xs)

        def broken(xs):
            return 0
        """

    static let unittestFile = """
        import unittest
        from pkg.mathx import add_all

        class AddAll(unittest.TestCase):
            def test_small(self):
                self.assertEqual(add_all([1, 2, 3]), 6)

            @unittest.skip("not today")
            def test_skipped(self):
                self.fail()
        """

    static let plainFile = """
        from pkg.mathx import add_all, broken
        values = [4, 5]
        assert add_all(values) == 9
        assert broken(values) == 9, "broken is broken"
        """

    static let functionFile = """
        from pkg.mathx import add_all

        def test_negative():
            assert add_all([-2, -3]) == -5

        def test_wrong():
            assert add_all([1]) == 2
        """

    func files(_ extra: [String: String] = [:]) -> [RepositoryFile] {
        var all = ["pkg/__init__.py": "", "pkg/mathx.py": Self.module, "README.md": "# demo\n"]
        all.merge(extra) { $1 }
        return all.sorted { $0.key < $1.key }.map { RepositoryFile(path: $0.key, bytes: Array($0.value.utf8)) }
    }

    @Test func unittestClassesRunWithPerTestRecords() throws {
        let runner = try #require(Shared.runner)
        let result = runner.run(.repository(files: files(["tests/test_unit.py": Self.unittestFile]), tests: ["tests"]),
                                timeout: 10)
        #expect(result.verdict == .passed, "\(result.message)")
        #expect(result.tests.map(\.source) == ["tests.test_unit.AddAll.test_skipped", "tests.test_unit.AddAll.test_small"])
        #expect(result.tests.map(\.status) == ["pass", "pass"])
        #expect(result.tests[0].message == "skipped: not today")
    }

    @Test func plainAssertScriptReportsEachAssert() throws {
        let runner = try #require(Shared.runner)
        let result = runner.run(.repository(files: files(["check_math.py": Self.plainFile]), tests: ["check_math.py"]),
                                timeout: 10)
        #expect(result.verdict == .failed)
        #expect(result.failingTest == 1)
        #expect(result.tests.map(\.source) == [
            "check_math.py:3 assert add_all(values) == 9", "check_math.py:4 assert broken(values) == 9, \"broken is broken\"",
        ])
        #expect(result.tests.map(\.status) == ["pass", "fail"])
        #expect(result.tests[1].message == "AssertionError: broken is broken")
    }

    @Test func testFunctionsRunAndFailuresAreNamed() throws {
        let runner = try #require(Shared.runner)
        let result = runner.run(.repository(files: files(["tests/test_fn.py": Self.functionFile]), tests: ["tests/test_fn.py"]),
                                timeout: 10)
        #expect(result.verdict == .failed)
        let byName = Dictionary(uniqueKeysWithValues: result.tests.map { ($0.source.components(separatedBy: "::").last!, $0.status) })
        #expect(byName == ["test_negative": "pass", "test_wrong": "fail"])
    }

    @Test func importErrorInTheModuleUnderTestIsAnError() throws {
        let runner = try #require(Shared.runner)
        var broken = files(["tests/test_unit.py": Self.unittestFile])
        broken[broken.firstIndex { $0.path == "pkg/mathx.py" }!].bytes = Array("def add_all(xs):\n    return (\n".utf8)
        let result = runner.run(.repository(files: broken, tests: ["tests"]), timeout: 10)
        #expect(result.verdict == .failed)
        #expect(result.tests.count == 1)
        #expect(result.tests[0].status == "error")
        #expect(result.tests[0].message.hasPrefix("SyntaxError"))
    }

    @Test func hangingTestIsATimeoutAndNoTestsIsAFailure() throws {
        let runner = try #require(Shared.runner)
        let hang = "from pkg.mathx import add_all\n\ndef test_forever():\n    while True:\n        pass\n"
        let hung = runner.run(.repository(files: files(["tests/test_hang.py": hang]), tests: ["tests"]), timeout: 2)
        #expect(hung.verdict == .timeout)

        let none = runner.run(.repository(files: files(), tests: ["README.md"]), timeout: 5)
        #expect(none.verdict == .failed)
        #expect(none.message == "there are no tests to run")
    }

    @Test func testsCannotReachTheHostOrEscapeTheSnapshot() throws {
        let runner = try #require(Shared.runner)
        let marker = NSTemporaryDirectory() + "tolerator-repo-escape-\(getpid())"
        try? FileManager.default.removeItem(atPath: marker)
        let hostile = """
            import os
            def test_write_host():
                with open(\(String(reflecting: marker)), "w") as fh:
                    fh.write("x")
            """
        // A path with `..` is never unpacked, so it cannot land outside ./repo.
        let escaping = RepositoryFile(path: "../outside.py", bytes: Array("x = 1\n".utf8))
        let result = runner.run(
            .repository(files: files(["tests/test_host.py": hostile]) + [escaping], tests: ["tests"]), timeout: 10)
        // The write lands in the sandbox's private /tmp, never the host's.
        #expect(result.tests.count == 1, "\(result.message)")
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
