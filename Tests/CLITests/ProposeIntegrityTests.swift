import Foundation
import FixtureSupport
import Testing

/// `propose --tests` refuses a candidate whose pass depends on an object that decides its own
/// comparisons or on patching builtins or the tests: statically before it runs, and at run time
/// what the static check cannot see (issue 21, requirement 4).  `score` already rejects the
/// always-equal object: its tests compare rebuilt plain data, never the candidate's objects.
@Suite struct ProposeIntegrityTests {
    func propose(_ body: String) throws -> (run: (status: Int32, stdout: String, stderr: String), repo: GitFixture) {
        let repo = try GitFixture(commit: [
            "pkg/__init__.py": "", "pkg/mathx.py": ProposeCLITests.stub + "\n", "tests/test_mathx.py": ProposeCLITests.tests,
        ])
        let file = NSTemporaryDirectory() + "tolerator-candidates-\(UUID().uuidString).txt"
        try Data(body.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try runTolerator([
            "propose", "--repo", repo.repo, "--file", "pkg/mathx.py", "--function", "add_all",
            "--tests", "tests", "--candidates", file,
        ])
        return (run, repo)
    }

    @Test func theAlwaysEqualBodyIsRefused() throws {
        let (run, repo) = try propose("""
                class A:
                    def __eq__(self, o):
                        return True
                return A()
            """)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stdout.contains("nothing committed"))
        #expect(run.stdout.contains(
            "attempt 1: failed refused: the body defines __eq__: an object that decides its own comparisons can pass any == test"),
            "\(run.stdout)")
        #expect(try repo.git("branch", "--list", "tolerator/*").isEmpty)
    }

    /// Built with `type()` under an assembled name: no `__eq__` token for the static check;
    /// the harness finds the class whose `__eq__` was defined inside add_all.
    @Test func anAlwaysEqualClassMadeAtRunTimeIsCaught() throws {
        let (run, repo) = try propose("""
                name = '_' * 2 + 'eq' + '_' * 2
                return type('A', (), {name: lambda s, o: True})()
            """)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stdout.contains("[fail] tolerator: integrity check: __eq__ of A is defined inside add_all"), "\(run.stdout)")
        #expect(try repo.git("branch", "--list", "tolerator/*").isEmpty)
    }

    /// unittest reached through an assembled module name: caught by the after-run comparison.
    @Test func patchingTheTestFrameworkAtRunTimeIsCaught() throws {
        let (run, repo) = try propose("""
                t = __import__('unit' + 'test')
                t.TestCase.assertEqual = lambda self, a, b, msg=None: None
                return -1
            """)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stdout.contains("[fail] tolerator: integrity check: unittest.TestCase.assertEqual was replaced"), "\(run.stdout)")
        #expect(try repo.git("branch", "--list", "tolerator/*").isEmpty)
    }
}
