import Foundation
import FixtureSupport
import Testing
@testable import GitKit

@Suite struct GitKitTests {
    @Test func failuresCarryLibgit2sMessage() throws {
        let directory = try GitFixture()
        try FileManager.default.removeItem(atPath: directory.repo + "/.git")
        let error = #expect(throws: GitError.self) { try Repository(at: directory.repo, searchParents: false) }
        #expect(error?.isNotFound == true)
        #expect(error?.function == "git_repository_open_ext")
        #expect(error?.description == "git_repository_open_ext: could not find repository from '\(directory.repo)'")
    }

    @Test func writesObjectsGitReadsBack() throws {
        let temp = try GitFixture()
        let repository = try Repository(at: temp.repo)
        #expect(try repository.isHeadUnborn())
        let blob = try repository.createBlob(Array("hello\n".utf8))
        // The SHA-1 of "blob 6\0hello\n", as `git hash-object` prints it.
        #expect(blob.hex == "ce013625030ba8dba906f756967f9e9ca394464a")
        #expect(try repository.lookupBlob(blob).bytes == Array("hello\n".utf8))
        #expect(try repository.lookupBlob(blob).isBinary == false)

        let inner = try repository.makeTreeBuilder()
        try inner.insert(name: "run.sh", id: blob, fileMode: 0o100755)
        let innerID = try inner.write()
        let root = try repository.makeTreeBuilder()
        try root.insert(name: "hello.txt", id: blob, fileMode: 0o100644)
        try root.insert(name: "bin", id: innerID, fileMode: 0o040000)
        let tree = try repository.lookupTree(try root.write())
        #expect(tree.entries.map(\.name) == ["bin", "hello.txt"])
        #expect(tree.entry(named: "bin")?.kind == .tree)
        #expect(tree.entry(named: "missing") == nil)
        #expect(try temp.git("ls-tree", "-r", tree.id.hex)
            == "100755 blob \(blob.hex)\tbin/run.sh\n100644 blob \(blob.hex)\thello.txt\n")

        let signature = try Signature(name: "A U Thor", email: "author@example.com", time: 1_700_000_000, offsetMinutes: 60)
        let commitID = try repository.createCommit(
            tree: tree, parents: [], author: signature, committer: signature, message: "First\n\nBody.\n")
        #expect(try temp.git("cat-file", "-p", commitID.hex) == """
            tree \(tree.id.hex)
            author A U Thor <author@example.com> 1700000000 +0100
            committer A U Thor <author@example.com> 1700000000 +0100

            First

            Body.

            """)
        // Writing a commit object moves nothing: HEAD is still unborn.
        #expect(try repository.isHeadUnborn())
        let commit = try repository.lookupCommit(commitID)
        #expect(commit.message == "First\n\nBody.\n")
        #expect(commit.parentCount == 0)

        let branch = try repository.createBranch(named: "topic", at: commit, force: false)
        #expect(branch.name == "refs/heads/topic")
        #expect(try branch.target() == commitID)
        #expect(try branch.isCheckedOut() == false)
        #expect(try repository.branch(named: "topic")?.target() == commitID)
        #expect(try repository.branch(named: "absent") == nil)
        let exists = #expect(throws: GitError.self) { try repository.createBranch(named: "topic", at: commit, force: false) }
        #expect(exists?.isExists == true)
        // Exit status 0 and nothing to report but the (deliberately) unborn HEAD.
        #expect(try temp.git("fsck", "--strict", "--no-dangling") == "notice: HEAD points to an unborn branch (main)\n")
    }

    @Test func diffStatAndEmailPatch() throws {
        let temp = try GitFixture()
        try temp.write("f.txt", "one\ntwo\nthree\n")
        try temp.git("add", "f.txt")
        try temp.git("-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "-m", "base")
        let repository = try Repository(at: temp.repo)
        let head = try repository.headCommit()
        let builder = try repository.makeTreeBuilder(from: try head.tree())
        try builder.insert(name: "f.txt", id: try repository.createBlob(Array("one\n2\n3\nfour\n".utf8)), fileMode: 0o100644)
        let tree = try repository.lookupTree(try builder.write())
        #expect(try repository.diff(from: try head.tree(), to: tree).stat()
            == DiffStat(filesChanged: 1, insertions: 3, deletions: 2))
        let signature = try Signature(name: "T", email: "t@e", time: 0, offsetMinutes: 0)
        let commit = try repository.lookupCommit(
            try repository.createCommit(tree: tree, parents: [head], author: signature, committer: signature, message: "Change f\n"))
        let patch = try commit.emailPatch()
        #expect(patch.hasPrefix("""
            From \(commit.id.hex) Mon Sep 17 00:00:00 2001
            From: T <t@e>
            Date: Thu, 1 Jan 1970 00:00:00 +0000
            Subject: [PATCH] Change f

            ---
             f.txt | 5 +++--
             1 file changed, 3 insertions(+), 2 deletions(-)

            """))
    }

    @Test func branchNamesAndObjectIDs() {
        #expect(Repository.isValidBranchName("tolerator/add"))
        #expect(!Repository.isValidBranchName("bad..name"))
        #expect(!Repository.isValidBranchName("-leading"))
        #expect(ObjectID(hex: "CE013625030BA8DBA906F756967F9E9CA394464A")?.hex == "ce013625030ba8dba906f756967f9e9ca394464a")
        #expect(ObjectID(hex: "xyz") == nil)
    }
}
