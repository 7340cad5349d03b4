import ArgumentParser
import Foundation

/// Output files checked before any work: the folder exists and takes new files, the file is
/// not a folder, and it is none of the inputs (compared as resolved real paths, so `./a`,
/// a symlink to `a` and `a` are one file).
enum OutputFile {
    /// Refuses `path` (given as `flag`) unless it can be written and differs from every input.
    static func check(_ path: String, flag: String, inputs: [(flag: String, path: String)]) throws {
        let resolved = realPath(path)
        for input in inputs where realPath(input.path) == resolved {
            throw ValidationError("\(flag) \(path) is the \(input.flag) file; refusing to overwrite an input")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw ValidationError("\(flag) \(path) is a folder, not a file") }
            guard access(path, W_OK) == 0 else { throw ValidationError("\(flag) \(path): not writable (\(reason(errno)))") }
        }
        // Files are replaced atomically (a new file renamed over the old): the folder must take new files.
        let folder = (resolved as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(flag) \(path): folder \(folder) does not exist")
        }
        guard access(folder, W_OK | X_OK) == 0 else {
            throw ValidationError("\(flag) \(path): cannot create files in \(folder) (\(reason(errno)))")
        }
    }

    /// The canonical path of a file that may not exist yet: its folder resolved, then its name.
    static func realPath(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if let resolved = realpath(absolute, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        let folder = (absolute as NSString).deletingLastPathComponent
        let name = (absolute as NSString).lastPathComponent
        guard let resolved = realpath(folder, nil) else { return absolute }
        defer { free(resolved) }
        return (String(cString: resolved) as NSString).appendingPathComponent(name)
    }

    private static func reason(_ code: Int32) -> String { String(cString: strerror(code)).lowercased() }
}
