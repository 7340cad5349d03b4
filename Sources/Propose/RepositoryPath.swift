import Foundation

/// Resolves a user-given file path to a '/'-separated path inside the repository's tree.
///
/// Relative paths are taken from `base` (the `--repo` directory).  Directory symbolic links
/// are followed on disk (so a link leaving the repository is refused), but the last
/// component is kept as named: HEAD's tree decides whether it is a file or a link.
enum RepositoryPath {
    static func resolve(_ file: String, base: String, workingDirectory: String?) throws(ProposeError) -> String {
        guard let workingDirectory else {
            // Bare repository: only tree paths make sense.
            guard !file.hasPrefix("/") else { throw .pathOutsideRepository(path: file, repository: base) }
            guard let components = normalize(file.split(separator: "/").map(String.init)), !components.isEmpty else {
                throw .pathOutsideRepository(path: file, repository: base)
            }
            return components.joined(separator: "/")
        }
        let root = realPath(workingDirectory) ?? workingDirectory
        let rootComponents = root.split(separator: "/").map(String.init)
        let absoluteBase = base.hasPrefix("/") ? base : FileManager.default.currentDirectoryPath + "/" + base
        let joined = file.hasPrefix("/") ? file : absoluteBase + "/" + file
        guard var components = normalize(joined.split(separator: "/").map(String.init)), let last = components.popLast()
        else { throw .pathOutsideRepository(path: file, repository: root) }

        // Resolve the directory part through the longest prefix that exists on disk.
        var existing = components.count
        while existing > 0, !FileManager.default.fileExists(atPath: "/" + components[..<existing].joined(separator: "/")) {
            existing -= 1
        }
        let resolvedPrefix = realPath("/" + components[..<existing].joined(separator: "/"))
            .map { $0.split(separator: "/").map(String.init) } ?? Array(components[..<existing])
        let directory = resolvedPrefix + components[existing...]

        guard directory.count >= rootComponents.count, Array(directory.prefix(rootComponents.count)) == rootComponents
        else { throw .pathOutsideRepository(path: file, repository: root) }
        let inside = Array(directory.dropFirst(rootComponents.count)) + [last]
        if inside.first == ".git" { throw .pathOutsideRepository(path: file, repository: root) }
        return inside.joined(separator: "/")
    }

    /// Removes `.` and empty components and applies `..`; nil when `..` climbs above the start.
    static func normalize(_ components: [String]) -> [String]? {
        var out: [String] = []
        for component in components where !component.isEmpty && component != "." {
            if component == ".." {
                guard out.popLast() != nil else { return nil }
            } else {
                out.append(component)
            }
        }
        return out
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
