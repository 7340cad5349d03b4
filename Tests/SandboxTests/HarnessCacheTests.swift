import Foundation
import Testing
@testable import Sandbox
#if canImport(Glibc)
import Glibc
#endif

/// The harness cache is the user's own directory: nobody else can pre-create, replace or
/// redirect it (the old cache was a guessable name in the shared /tmp).
@Suite final class HarnessCacheTests {
    let root: String
    let source: String
    let text: Data
    static let interpreter = "/usr/bin/python3"

    init() throws {
        root = NSTemporaryDirectory() + "harness-cache-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // A harness of our own, so its content key is not the real harness's.
        text = Data("# harness-cache test \(UUID().uuidString)\nprint('ok')\n".utf8)
        source = root + "/harness.py"
        try text.write(to: URL(fileURLWithPath: source))
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func mode(_ path: String) -> mode_t {
        var st = stat()
        _ = lstat(path, &st)
        return st.st_mode & 0o7777
    }

    @Test func theDefaultDirectoryBelongsToTheUser() {
        #expect(HarnessCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"], euid: 1000)
            == "/x/cache/tolerator")
        #expect(HarnessCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/home/u"], euid: 1000)
            == "/home/u/.cache/tolerator")
        #expect(HarnessCache.defaultDirectory(environment: [:], euid: 1000) == nil)
        #expect(HarnessCache.defaultDirectory(environment: ["HOME": "/root"], euid: 0) == "/var/cache/tolerator")
    }

    @Test func theOldSharedNameInTmpCannotBlockTheInstall() throws {
        // What any local user could do before: pre-create the predictable name.
        let old = "/tmp/tolerator-harness-\(geteuid())-" + HarnessInstall.key(text: text, interpreter: Self.interpreter)
        #expect(FileManager.default.createFile(atPath: old, contents: Data("squatted".utf8)))
        defer { unlink(old) }
        if geteuid() == 0 { chown(old, 65534, 65534) }

        let cache = root + "/cache/tolerator"
        let installed = try HarnessInstall.install(source: source, interpreter: Self.interpreter, cache: cache)
        let key = HarnessInstall.key(text: text, interpreter: Self.interpreter)
        #expect(installed.file == cache + "/harness-\(key)/harness.pyc")
        #expect(mode(cache) == (geteuid() == 0 ? 0o755 : 0o700))
        #expect(mode(root + "/cache") == 0o700)
        #expect(FileManager.default.contents(atPath: old) == Data("squatted".utf8))
        // Reused, not copied again.
        #expect(try HarnessInstall.install(source: source, interpreter: Self.interpreter, cache: cache).file == installed.file)
    }

    @Test func theDefaultInstallIsInThePrivateCache() throws {
        let cache = try #require(HarnessCache.defaultDirectory())
        let installed = try HarnessInstall.install(source: source, interpreter: Self.interpreter)
        defer { try? FileManager.default.removeItem(atPath: (installed.file as NSString).deletingLastPathComponent) }
        #expect(installed.file.hasPrefix(cache + "/harness-"))
        #expect(HarnessCache.unsafety(cache) == nil)
    }

    @Test func aSymlinkedCacheIsRefused() throws {
        let elsewhere = root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let cache = root + "/link"
        try FileManager.default.createSymbolicLink(atPath: cache, withDestinationPath: elsewhere)
        #expect(throws: SandboxError.harnessCacheUnsafe(path: cache, reason: "is a symbolic link")) {
            try HarnessInstall.install(source: source, interpreter: Self.interpreter, cache: cache)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to give the directory away"))
    func aCacheOwnedBySomeoneElseIsRefused() throws {
        let cache = root + "/theirs"
        #expect(mkdir(cache, 0o755) == 0)
        #expect(chown(cache, 65534, 65534) == 0)
        #expect(throws: SandboxError.harnessCacheUnsafe(path: cache, reason: "is owned by uid 65534, not by us (uid 0)")) {
            try HarnessInstall.install(source: source, interpreter: Self.interpreter, cache: cache)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).isEmpty)
    }

    @Test func aCacheOthersCanWriteIsRefused() throws {
        let cache = root + "/open"
        #expect(mkdir(cache, 0o700) == 0)
        #expect(chmod(cache, 0o777) == 0)
        #expect(throws: SandboxError.harnessCacheUnsafe(path: cache, reason: "is writable by other users (mode 777)")) {
            try HarnessInstall.install(source: source, interpreter: Self.interpreter, cache: cache)
        }
        #expect(SandboxError.harnessCacheUnsafe(path: cache, reason: "is writable by other users (mode 777)").description
            == "harness cache \(cache) is writable by other users (mode 777); refusing to run a harness from it. "
            + "Remove it (tolerator recreates it) or set XDG_CACHE_HOME to a directory of your own")
    }

    @Test func aStaleEntryInThePrivateCacheIsReplaced() throws {
        let cache = root + "/cache"
        let entry = cache + "/harness-" + HarnessInstall.key(text: text, interpreter: Self.interpreter)
        try FileManager.default.createDirectory(atPath: entry, withIntermediateDirectories: true)
        chmod(cache, 0o700)
        try Data("stale".utf8).write(to: URL(fileURLWithPath: entry + "/harness.py"))
        let installed = try HarnessInstall.install(source: source, interpreter: Self.interpreter, cache: cache)
        #expect(installed.file == entry + "/harness.pyc")
        #expect(FileManager.default.contents(atPath: entry + "/harness.py") == text)
    }

    @Test func withoutACacheEachProcessGetsAnUnguessableCopy() throws {
        let first = try HarnessInstall.install(source: source, interpreter: Self.interpreter, cache: nil)
        let second = try HarnessInstall.install(source: source, interpreter: Self.interpreter, cache: nil)
        for installed in [first, second] {
            let directory = (installed.file as NSString).deletingLastPathComponent
            defer { try? FileManager.default.removeItem(atPath: directory) }
            #expect(HarnessCache.unsafety(directory) == nil)
            #expect(FileManager.default.contents(atPath: directory + "/harness.py") == text)
        }
        #expect(first.file != second.file)
    }
}
