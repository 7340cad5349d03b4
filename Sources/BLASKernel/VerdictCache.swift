import Foundation

/// Self-test verdicts kept across runs, so a core is tested once per machine and library rather
/// than on every start. The key names the CPU by vendor, family/model/stepping, brand *and*
/// features, because VMs show the same brand ("Intel(R) Xeon(R) Processor") on different hosts.
public struct VerdictCache: Sendable {
    /// The JSON file ([key: true/false]); nil: nowhere safe to keep it (every start tests).
    public let file: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let directory = PrivateCache.directory(environment: environment), PrivateCache.prepare(directory) {
            file = directory + "/blas-kernel-verdicts.json"
        } else {
            file = nil
        }
    }

    public init(file: String?) { self.file = file }

    public static func key(core: String, features: CPUFeatures, library: String) -> String {
        "v1 core \(core.lowercased()) | cpu \(features.vendor) \(features.family)/\(features.model)/\(features.stepping) "
            + "\(features.brand) [\(features.summary)] | \(library)"
    }

    public func verdict(_ key: String) -> Bool? { entries()[key] }

    /// Best effort: a lost write only means the test runs again next start. Written to a temporary
    /// name and renamed, so a reader never sees half a file.
    public func record(_ key: String, passed: Bool) {
        guard let file else { return }
        var all = entries()
        all[key] = passed
        guard let data = try? JSONEncoder().encode(all) else { return }
        let temporary = file + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else { return }
        if rename(temporary, file) != 0 { unlink(temporary) }
    }

    private func entries() -> [String: Bool] {
        guard let file, let data = FileManager.default.contents(atPath: file) else { return [:] }
        return (try? JSONDecoder().decode([String: Bool].self, from: data)) ?? [:]
    }
}
