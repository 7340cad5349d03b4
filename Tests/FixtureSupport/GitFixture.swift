import Foundation

/// A throwaway repository made and inspected with the `git` CLI.
public final class GitFixture {
    public let root: String
    public var repo: String { root + "/repo" }

    public struct CommandError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(commit files: [String: String] = [:], initialize: Bool = true) throws {
        let template = NSTemporaryDirectory() + "tolerator-propose-XXXXXX"
        var buffer = Array(template.utf8CString)
        guard mkdtemp(&buffer) != nil else { throw CommandError(description: "mkdtemp failed") }
        root = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        guard initialize else { return }
        try git("init", "-q", "-b", "main")
        try git("config", "user.name", "Test User")
        try git("config", "user.email", "test@example.com")
        try git("config", "commit.gpgsign", "false")
        guard !files.isEmpty else { return }
        for (path, text) in files { try write(path, text) }
        try git("add", "-A")
        try git("commit", "-q", "-m", "initial")
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    public func write(_ path: String, _ text: String) throws { try write(path, bytes: Array(text.utf8)) }

    public func read(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: repo + "/" + path)) }

    public func write(_ path: String, bytes: [UInt8]) throws {
        let target = repo + "/" + path
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
    }

    /// Runs git in `directory` (the repository by default); throws on a non-zero exit.
    @discardableResult
    public func git(_ arguments: String..., in directory: String? = nil) throws -> String {
        let (status, output) = try run(arguments, in: directory ?? repo)
        guard status == 0 else {
            throw CommandError(description: "git \(arguments.joined(separator: " ")) exited \(status): \(output)")
        }
        return output
    }

    public func run(_ arguments: [String], in directory: String) throws -> (Int32, String) {
        // Keep the user's global git config (hooks, signing) out of the fixture.
        try runCommand("/usr/bin/env", ["git"] + arguments, environment: [
            "HOME": root, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": nil, "GIT_COMMITTER_NAME": nil,
        ], directory: directory)
    }

    /// Everything of the user's that propose must leave alone: HEAD, the index (bytes and
    /// `git diff --cached`), status and every working-tree file's bytes.
    public struct UserState: Equatable {
        public var head: String
        public var symbolicHead: String
        public var indexBytes: Data
        public var cached: String
        public var status: String
        public var files: [String: Data]
    }

    public func userState() throws -> UserState {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: repo)!
        while let path = enumerator.nextObject() as? String {
            if path == ".git" { enumerator.skipDescendants(); continue }
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: repo + "/" + path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files[path] = FileManager.default.contents(atPath: repo + "/" + path) ?? Data() }
        }
        return UserState(
            head: try git("rev-parse", "HEAD"), symbolicHead: try git("symbolic-ref", "HEAD"),
            indexBytes: FileManager.default.contents(atPath: repo + "/.git/index") ?? Data(),
            cached: try git("diff", "--cached"), status: try git("status", "--porcelain", "--untracked-files=all"),
            files: files)
    }
}
