import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private, world-readable, root-owned copy of the harness (plus its .pyc) that the sandbox
/// uid can read but not change: the checkout may be unreachable for that uid (e.g. under
/// /root).  Copies live in the user's own cache directory (`HarnessCache`), are named by
/// content and reused across runs and processes; a reused copy is trusted only if we own it
/// and nobody else can write it.  Without a usable cache directory (no home), each process
/// makes a fresh copy under an unguessable mkdtemp name.
struct HarnessInstall {
    /// The file to run: harness.pyc when precompiling worked (saves a compile per run).
    let file: String

    /// `cache`: the directory for copies (default `HarnessCache.defaultDirectory()`).
    static func install(source: String, interpreter: String,
                        cache: String? = HarnessCache.defaultDirectory()) throws -> HarnessInstall {
        guard let text = FileManager.default.contents(atPath: source) else {
            throw SandboxError.harnessUnreadable(path: source, reason: "cannot read")
        }
        guard let cache, try HarnessCache.prepare(cache) else {
            return try freshCopy(text: text, interpreter: interpreter, source: source)
        }
        let final = cache + "/harness-" + key(text: text, interpreter: interpreter)
        if let existing = validated(final, text: text) { return existing }

        var template = Array((cache + "/harness-new-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SandboxError.harnessUnreadable(path: source, reason: "cannot create a directory in \(cache)")
        }
        let staging = String(cString: made)
        chmod(staging, 0o755)
        let copy = staging + "/harness.py"
        guard FileManager.default.createFile(atPath: copy, contents: text, attributes: [.posixPermissions: 0o644])
        else {
            try? FileManager.default.removeItem(atPath: staging)
            throw SandboxError.harnessUnreadable(path: copy, reason: "cannot write the private copy")
        }
        _ = precompile(copy, to: staging + "/harness.pyc", interpreter: interpreter)
        if rename(staging, final) != 0 {
            // Another process installed the same content first, or a stale entry (ours: the
            // cache is private) is in the way: replace it once.
            if let existing = validated(final, text: text) {
                try? FileManager.default.removeItem(atPath: staging)
                return existing
            }
            try? FileManager.default.removeItem(atPath: final)
            if rename(staging, final) != 0 {
                try? FileManager.default.removeItem(atPath: staging)
                if let existing = validated(final, text: text) { return existing }
                throw SandboxError.harnessUnreadable(path: final, reason: "exists but is not a trustworthy copy")
            }
        }
        return validated(final, text: text) ?? HarnessInstall(file: final + "/harness.py")
    }

    /// The content key of a copy: the harness and the interpreter that compiled it.
    static func key(text: Data, interpreter: String) -> String {
        String(fnv1a(Array(text) + Array(interpreter.utf8)), radix: 16)
    }

    /// A copy of this process's own under an unguessable name in $TMPDIR (no cache directory).
    private static func freshCopy(text: Data, interpreter: String, source: String) throws -> HarnessInstall {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        var template = Array((base + "/tolerator-harness-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SandboxError.harnessUnreadable(path: source, reason: "cannot create a temporary directory in \(base)")
        }
        let directory = String(cString: made)
        chmod(directory, 0o755)
        let copy = directory + "/harness.py"
        guard FileManager.default.createFile(atPath: copy, contents: text, attributes: [.posixPermissions: 0o644]) else {
            throw SandboxError.harnessUnreadable(path: copy, reason: "cannot write the private copy")
        }
        _ = precompile(copy, to: directory + "/harness.pyc", interpreter: interpreter)
        return validated(directory, text: text) ?? HarnessInstall(file: copy)
    }

    /// The install at `dir` if it is ours, not writable by others, not a symlink, and holds `text`.
    private static func validated(_ dir: String, text: Data) -> HarnessInstall? {
        func safe(_ path: String, directory: Bool) -> Bool {
            var st = stat()
            guard lstat(path, &st) == 0, st.st_uid == geteuid(), st.st_mode & 0o022 == 0 else { return false }
            return (st.st_mode & S_IFMT) == (directory ? S_IFDIR : S_IFREG)
        }
        guard safe(dir, directory: true), safe(dir + "/harness.py", directory: false),
              FileManager.default.contents(atPath: dir + "/harness.py") == text
        else { return nil }
        let compiled = dir + "/harness.pyc"
        return HarnessInstall(file: safe(compiled, directory: false) ? compiled : dir + "/harness.py")
    }

    /// Byte-compiles the harness with the sandbox's own interpreter (trusted code, on the host).
    private static func precompile(_ source: String, to destination: String, interpreter: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter)
        process.arguments = ["-I", "-c", """
            import py_compile, sys
            py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            """, source, destination]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            unlink(destination)
            return false
        }
        chmod(destination, 0o644)
        return true
    }

    private static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
