import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a file cannot be read, in words (Foundation's errors on Linux say "NSCocoaErrorDomain
/// error 256" for a folder): "no such file", "is a folder, not a file", "permission denied".
public enum FileProblem {
    public static func reason(reading path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "is a folder, not a file" }
        if access(path, R_OK) != 0 { return String(cString: strerror(errno)).lowercased() }
        return "cannot read it"
    }
}
