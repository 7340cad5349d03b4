import Foundation

/// How a program is isolated, read from a profile file in `sandboxes/`.
public struct SandboxProfile: Codable, Sendable, Equatable {
    public enum Isolation: String, Codable, Sendable {
        /// bubblewrap namespaces (net, pid, ipc, uts, mount, user) plus rlimits.
        case bubblewrap
        /// rlimits, a new session and a private work dir only: weaker, and reports say so.
        case rlimitsOnly = "rlimits-only"
    }

    /// Limits applied to every process of one run.
    public struct Limits: Codable, Sendable, Equatable {
        /// RLIMIT_CPU per process.
        public var cpuSeconds: Int
        /// RLIMIT_AS per process.
        public var addressSpaceMiB: Int
        /// RLIMIT_NPROC (counted per sandbox uid when tolerator runs as root).
        public var processes: Int
        /// RLIMIT_FSIZE.
        public var fileSizeMiB: Int
        /// RLIMIT_NOFILE.
        public var openFiles: Int
        /// Budget for loading the program and running all its tests; the tree dies after it.
        public var wallSeconds: Double
        /// Bytes of stdout and of stderr kept (half head, half tail); the rest is counted only.
        public var outputBytes: Int
        /// Size of the private tmpfs work dir (bubblewrap only).
        public var workDirMiB: Int

        enum CodingKeys: String, CodingKey {
            case cpuSeconds = "cpu_seconds"
            case addressSpaceMiB = "address_space_mib"
            case processes
            case fileSizeMiB = "file_size_mib"
            case openFiles = "open_files"
            case wallSeconds = "wall_seconds"
            case outputBytes = "output_bytes"
            case workDirMiB = "work_dir_mib"
        }
    }

    /// One bubblewrap mount, in order.
    public struct Mount: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable {
            case roBind = "ro-bind", roBindTry = "ro-bind-try", tmpfs, dir, symlink
        }
        public var kind: Kind
        /// Host path for binds; link text for symlinks.
        public var source: String?
        public var target: String
    }

    public var name: String
    public var description: String
    public var isolation: Isolation
    /// Absolute path of the Python interpreter, as seen inside the sandbox.
    public var interpreter: String
    public var interpreterArguments: [String]
    public var limits: Limits
    public var mounts: [Mount]
    /// The whole environment of the sandbox: nothing of the caller's leaks in.
    public var environment: [String: String]
    /// When tolerator runs as root, each concurrent run gets its own uid from here up,
    /// so RLIMIT_NPROC is per run and the host can kill everything that uid owns.
    public var uidBase: Int

    enum CodingKeys: String, CodingKey {
        case name, description, isolation, interpreter
        case interpreterArguments = "interpreter_arguments"
        case limits, mounts, environment
        case uidBase = "uid_base"
    }

    /// Loads a profile file, naming the file on any failure.
    public static func load(path: String) throws -> SandboxProfile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SandboxError.profileUnreadable(path: path, reason: error.localizedDescription)
        }
        let profile: SandboxProfile
        do {
            profile = try JSONDecoder().decode(SandboxProfile.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            let at = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            throw SandboxError.profileInvalid(path: path, reason: "missing \"\(at)\"")
        } catch let DecodingError.dataCorrupted(context) {
            let at = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw SandboxError.profileInvalid(path: path, reason: "bad value at \"\(at)\": \(context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context) {
            let at = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw SandboxError.profileInvalid(path: path, reason: "wrong type at \"\(at)\"")
        } catch {
            throw SandboxError.profileInvalid(path: path, reason: "not a JSON profile")
        }
        try profile.validate(path: path)
        return profile
    }

    /// Resolves `nameOrPath`: an existing file path, or `<name>.json` in the sandboxes directory.
    public static func resolve(_ nameOrPath: String, directory: SandboxDirectory) throws -> SandboxProfile {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".json") {
            return try load(path: nameOrPath)
        }
        return try load(path: directory.path(of: "\(nameOrPath).json"))
    }

    func validate(path: String) throws {
        func bad(_ reason: String) -> SandboxError { .profileInvalid(path: path, reason: reason) }
        guard interpreter.hasPrefix("/") else { throw bad("interpreter must be an absolute path") }
        guard limits.cpuSeconds > 0, limits.addressSpaceMiB > 0, limits.processes > 0,
              limits.fileSizeMiB > 0, limits.openFiles >= 16, limits.wallSeconds > 0,
              limits.outputBytes >= 0, limits.workDirMiB > 0
        else { throw bad("limits must be positive (open_files at least 16)") }
        guard uidBase > 0, uidBase < 4_000_000_000 else { throw bad("uid_base out of range") }
        for mount in mounts {
            guard mount.target.hasPrefix("/") else { throw bad("mount target \(mount.target) is not absolute") }
            if [.roBind, .roBindTry, .symlink].contains(mount.kind), mount.source == nil {
                throw bad("mount \(mount.target) needs a source")
            }
        }
    }
}
