import COpenBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The OpenBLAS this process loaded.
public enum OpenBLASLibrary {
    /// The core whose kernels run, e.g. "Prescott" or "SkylakeX" (fixed when the library loads).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Resolved path, size and modification time of the loaded library file: a verdict about a
    /// core holds for one build of the library only.
    public static var identity: String {
        // The mapped file named like OpenBLAS (dladdr would need _GNU_SOURCE in a C shim).
        // Read to EOF: procfs files report size 0, which size-based readers take at its word.
        let data = FileHandle(forReadingAtPath: "/proc/self/maps")?.readDataToEndOfFile() ?? Data()
        let maps = String(decoding: data, as: UTF8.self)
        guard let file = maps.split(separator: "\n").lazy
            .compactMap({ $0.split(separator: " ", omittingEmptySubsequences: true).last.map(String.init) })
            .first(where: { $0.hasPrefix("/") && $0.contains("openblas") && $0.contains(".so") })
        else { return "unknown library" }
        let path = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
        var st = stat()
        guard stat(path, &st) == 0 else { return path }
        return "\(path) \(st.st_size) bytes mtime \(st.st_mtim.tv_sec)"
    }
}
