import Foundation
import FixtureSupport
import Testing

/// `tolerator propose --tests` on real repositories made with the git CLI.
@Suite struct ProposeCLITests {
    static let stub = """
        def add_all(xs):
            \"\"\"Return the sum of xs.\"\"\"
            ...
        """
    static let tests = """
        import unittest
        from pkg.mathx import add_all

        class AddAll(unittest.TestCase):
            def test_small(self):
                self.assertEqual(add_all([1, 2, 3]), 6)

            def test_empty(self):
                self.assertEqual(add_all([]), 0)
        """

    func candidates(_ bodies: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "tolerator-candidates-\(UUID().uuidString).txt"
        try Data(bodies.joined(separator: "\n### candidate\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func commitsTheFirstCandidateThatPassesTheRepositoryTests() throws {
        let repo = try GitFixture(commit: ["pkg/__init__.py": "", "pkg/mathx.py": Self.stub + "\n", "tests/test_mathx.py": Self.tests])
        try repo.write("pkg/mathx.py", Self.stub + "\n# local edit\n")  // dirty tree, left alone
        try repo.write("notes.txt", "untracked\n")
        let statusBefore = try repo.git("status", "--porcelain")
        let headBefore = try repo.git("rev-parse", "HEAD")
        let dirtyBytes = try repo.read("pkg/mathx.py")
        let file = try candidates(["    return 0", "    return sum(xs)"])
        defer { try? FileManager.default.removeItem(atPath: file) }

        let run = try runTolerator([
            "propose", "--repo", repo.repo, "--file", "pkg/mathx.py", "--function", "add_all",
            "--tests", "tests", "--candidates", file, "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let outcome = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        #expect(outcome["verdict"] as? String == "committed")
        let attempts = try #require(outcome["attempts"] as? [[String: Any]])
        #expect(attempts.map { $0["passed"] as? Bool } == [false, true])
        let tests = try #require(outcome["tests"] as? [[String: Any]])
        #expect(tests.compactMap { $0["name"] as? String }.sorted()
            == ["tests.test_mathx.AddAll.test_empty", "tests.test_mathx.AddAll.test_small"])

        let commit = try repo.git("rev-parse", "refs/heads/tolerator/add_all").trimmingCharacters(in: .newlines)
        #expect(commit == outcome["commit"] as? String)
        #expect(try repo.git("rev-parse", "\(commit)^") == headBefore)
        #expect(try repo.git("show", "\(commit):pkg/mathx.py").contains("    return sum(xs)"))
        #expect(try repo.git("fsck", "--strict").isEmpty)
        // The user's HEAD, index and working tree are exactly as they were.
        #expect(try repo.git("rev-parse", "HEAD") == headBefore)
        #expect(try repo.git("status", "--porcelain") == statusBefore)
        #expect(try repo.read("pkg/mathx.py") == dirtyBytes)
    }

    @Test func anImpossibleTestCommitsNothingAndSaysWhy() throws {
        let impossible = "from pkg.mathx import add_all\nassert add_all([1]) == 3, 'one is not three'\n"
        let repo = try GitFixture(commit: ["pkg/__init__.py": "", "pkg/mathx.py": Self.stub + "\n", "check.py": impossible])
        let file = try candidates(["    return sum(xs)"])
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try runTolerator([
            "propose", "--repo", repo.repo, "--file", "pkg/mathx.py", "--function", "add_all",
            "--tests", "check.py", "--candidates", file,
        ])
        #expect(run.status == 1)
        #expect(run.stdout.contains("nothing committed"))
        #expect(run.stdout.contains("check.py:2 assert add_all([1]) == 3, 'one is not three'"))
        #expect(run.stdout.contains("AssertionError: one is not three"))
        #expect(try repo.git("branch", "--list", "tolerator/*").isEmpty)
    }

    /// Examples/propose/inventory as a fresh repository (what Examples/propose/demo.sh does).
    func inventoryRepository() throws -> GitFixture {
        let source = repositoryRoot.appendingPathComponent("Examples/propose/inventory")
        var files: [String: String] = [:]
        let walker = try #require(FileManager.default.enumerator(atPath: source.path))
        for case let relative as String in walker where relative.hasSuffix(".py") {
            files[relative] = try String(contentsOf: source.appendingPathComponent(relative), encoding: .utf8)
        }
        #expect(files.keys.sorted() == [
            "checks/impossible_restock.py", "inventory/__init__.py", "inventory/reports.py",
            "tests/test_loud_words.py", "tests/test_restock.py",
        ])
        return try GitFixture(commit: files)
    }

    /// Issue 8's end-to-end run with the embedded model: every drafted body meets a test no body
    /// can pass, so nothing is committed and the output says why.
    @Test(arguments: ["resample", "repair"])
    func embeddedModelWithAnImpossibleTestCommitsNothing(strategy: String) throws {
        let repo = try inventoryRepository()
        let run = try runTolerator([
            "propose", "--repo", repo.repo, "--file", "inventory/reports.py", "--function", "restock_total",
            "--tests", "checks/impossible_restock.py", "--attempts", "2", "--strategy", strategy, "--nfe", "8",
        ])
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.hasPrefix("nothing committed: "))
        // Which line fails depends on the drafted body; every attempt names the test file and why.
        #expect(run.stdout.contains("best was attempt"))
        #expect(run.stdout.contains("checks/impossible_restock.py:"))
        #expect(try repo.git("for-each-ref", "refs/heads/tolerator").isEmpty)
    }
}
