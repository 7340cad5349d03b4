import Foundation
import FixtureSupport
import Testing
@testable import Propose

/// Every refusal, with the message the user reads.
@Suite struct RefusalTests {
    func refusal(_ request: ProposeRequest) -> String? {
        do {
            _ = try Proposer(request: request).prepare()
            return nil
        } catch {
            return error.description
        }
    }

    func fixture() throws -> GitFixture {
        try GitFixture(commit: [
            "pkg/mathy.py": mathy, "pkg/done.py": "def ready(x):\n    return x\n",
            "blob.py": "x = 1\n",
        ])
    }

    @Test func notARepository() throws {
        let plain = try GitFixture(initialize: false)
        let message = refusal(ProposeRequest(repository: plain.repo, file: "a.py", function: "f"))
        #expect(message?.hasPrefix("\(plain.repo) is not inside a git repository (could not find repository") == true)
    }

    @Test func unbornHead() throws {
        let empty = try GitFixture()
        try empty.write("a.py", "def f():\n    pass\n")
        let message = refusal(ProposeRequest(repository: empty.repo, file: "a.py", function: "f"))
        let root = try #require(RepositoryPath.realPath(empty.repo))
        #expect(message == "the repository at \(root)/ has no commits yet (HEAD is unborn); commit the file first")
    }

    @Test func fileNotFoundAtHead() throws {
        let fixture = try fixture()
        try fixture.write("pkg/new.py", "def f():\n    pass\n")  // in the working tree only
        let head = try fixture.git("rev-parse", "HEAD").prefix(12)
        #expect(refusal(request(fixture, file: "pkg/new.py", function: "f"))
            == "pkg/new.py does not exist in HEAD (\(head)); propose reads committed files only")
    }

    @Test func directoryIsNotAFile() throws {
        let fixture = try fixture()
        #expect(refusal(request(fixture, file: "pkg", function: "f")) == "pkg is a directory in HEAD, not a regular file")
    }

    @Test func symbolicLinkIsNotAFile() throws {
        let fixture = try fixture()
        try FileManager.default.createSymbolicLink(atPath: fixture.repo + "/link.py", withDestinationPath: "pkg/mathy.py")
        try fixture.git("add", "link.py")
        try fixture.git("commit", "-q", "-m", "link")
        #expect(refusal(request(fixture, file: "link.py", function: "add"))
            == "link.py is a symbolic link in HEAD, not a regular file")
    }

    @Test func functionNotFoundListsSimilarNames() throws {
        let fixture = try fixture()
        #expect(refusal(request(fixture, function: "ad"))
            == "no function `ad` in pkg/mathy.py; similar names: add")
    }

    @Test func realBodyIsNotAStub() throws {
        let fixture = try fixture()
        #expect(refusal(request(fixture, file: "pkg/done.py", function: "ready"))
            == "`ready` in pkg/done.py (line 1) already has a body (`return x`); a stub body is `...`, `pass`, "
            + "`raise NotImplementedError`, a docstring or TODO comments")
        var replacing = request(fixture, file: "pkg/done.py", function: "ready")
        replacing.replaceExisting = true
        #expect(refusal(replacing) == nil)
    }

    @Test func branchExistsUnlessForced() throws {
        let fixture = try fixture()
        try fixture.git("branch", "tolerator/add")
        let head = try fixture.git("rev-parse", "HEAD").prefix(12)
        #expect(refusal(request(fixture))
            == "branch tolerator/add already exists (at \(head)); pass --force to move it")
        var forced = request(fixture)
        forced.force = true
        #expect(refusal(forced) == nil)
    }

    @Test func checkedOutBranchIsNeverMoved() throws {
        let fixture = try fixture()
        var onMain = request(fixture)
        onMain.branch = "main"
        onMain.force = true
        #expect(refusal(onMain)
            == "branch main is checked out; propose never moves the current branch, choose another with --branch")
    }

    @Test func invalidBranchName() throws {
        let fixture = try fixture()
        var bad = request(fixture)
        bad.branch = "bad..name"
        #expect(refusal(bad) == "`bad..name` is not a valid branch name")
    }

    @Test func pathOutsideTheRepository() throws {
        let fixture = try fixture()
        let root = try #require(RepositoryPath.realPath(fixture.repo))
        try fixture.write("../outside.py", "def add():\n    pass\n")
        #expect(refusal(request(fixture, file: "../outside.py"))
            == "../outside.py is outside the repository at \(root)")
        #expect(refusal(request(fixture, file: fixture.root + "/outside.py"))
            == "\(fixture.root)/outside.py is outside the repository at \(root)")
        #expect(refusal(request(fixture, file: ".git/config")) == ".git/config is outside the repository at \(root)")
        // A directory link inside the repository that leads out of it.
        try FileManager.default.createSymbolicLink(atPath: fixture.repo + "/escape", withDestinationPath: fixture.root)
        #expect(refusal(request(fixture, file: "escape/outside.py"))
            == "escape/outside.py is outside the repository at \(root)")
        // `..` that stays inside is fine.
        #expect(refusal(request(fixture, file: "pkg/../pkg/mathy.py")) == nil)
        #expect(refusal(request(fixture, file: root + "/pkg/mathy.py")) == nil)
    }

    @Test func binaryFile() throws {
        let fixture = try fixture()
        try fixture.write("data.py", bytes: [0x89, 0x50, 0x4E, 0x47, 0x00, 0x00, 0x0D, 0x0A])
        try fixture.git("add", "data.py")
        try fixture.git("commit", "-q", "-m", "binary")
        #expect(refusal(request(fixture, file: "data.py", function: "f")) == "data.py is a binary file, not Python source")
    }

    @Test func testsMustBeCommittedAtHead() throws {
        let fixture = try fixture()
        try fixture.write("tests/test_new.py", "assert True\n")  // in the working tree only
        let head = try fixture.git("rev-parse", "HEAD").prefix(12)
        var withTests = request(fixture)
        withTests.tests = ["tests/test_new.py"]
        #expect(refusal(withTests) == "tests tests/test_new.py are not a file or folder in HEAD (\(head)); "
            + "candidates are verified against committed files, so commit the tests first")
        withTests.tests = ["../elsewhere"]
        #expect(refusal(withTests)?.hasPrefix("../elsewhere is outside the repository at") == true)
    }

    @Test func invalidAttempts() throws {
        let fixture = try fixture()
        var zero = request(fixture)
        zero.attempts = 0
        #expect(refusal(zero) == "--attempts must be at least 1 (got 0)")
    }
}
