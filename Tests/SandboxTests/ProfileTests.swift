import Foundation
import Testing
@testable import Sandbox

@Suite("Profiles and the sandboxes directory")
struct ProfileTests {
    @Test func shippedProfilesLoad() throws {
        let directory = try SandboxDirectory.locate()
        let standard = try SandboxProfile.resolve("default", directory: directory)
        #expect(standard.isolation == .bubblewrap)
        #expect(standard.interpreter == "/usr/bin/python3")
        #expect(standard.limits.processes == 32)
        let weak = try SandboxProfile.resolve("rlimits-only", directory: directory)
        #expect(weak.isolation == .rlimitsOnly)
        #expect(weak.mounts.isEmpty)
    }

    @Test func invalidProfileNamesTheField() throws {
        let path = NSTemporaryDirectory() + "tolerator-profile-\(UInt32.random(in: 1 ... .max)).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"name": "x", "description": "", "isolation": "bubblewrap", "interpreter": "/usr/bin/python3"}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SandboxError.profileInvalid(path: path, reason: "missing \"interpreter_arguments\"")) {
            try SandboxProfile.load(path: path)
        }
        #expect(throws: SandboxError.self) { try SandboxProfile.load(path: path + ".missing") }
    }

    @Test func directoryIsFoundFromTheSourceCheckoutOrExplicitly() throws {
        let found = try SandboxDirectory.locate()
        #expect(FileManager.default.fileExists(atPath: found.harnessPath))
        #expect(try SandboxDirectory.locate(explicit: found.url.path) == found)
        #expect(throws: SandboxError.self) { try SandboxDirectory.locate(explicit: "/nonexistent/sandboxes") }
    }

    @Test func bubblewrapArgumentsIsolateEverything() throws {
        let runner = try #require(Shared.runner)
        let args = runner.bubblewrapArguments(harness: "/h/harness.pyc", target: "/sandbox/harness.pyc")
        for flag in ["--unshare-all", "--die-with-parent", "--new-session", "--remount-ro"] {
            #expect(args.contains(flag))
        }
        #expect(args.suffix(2) == ["--chdir", "/work"])
        // Nothing of the host is bound writable, and the host's home directories are absent.
        #expect(!args.contains("--bind"))
        #expect(!args.contains("/root") && !args.contains("/home"))
    }
}
