import Foundation
import GitKit

extension Submission {
    /// Writes HEAD's tree into `directory` with this submission's file in place of the
    /// committed one, so a verifier can run the repository's tests on it.  Regular files and
    /// directories only: symbolic links and submodules are skipped, since a link could point
    /// anywhere on the host.  Executable bits are kept.
    public func materialize(into directory: String) throws(ProposeError) {
        do {
            let repository = try Repository(at: gitDirectory, searchParents: false)
            guard let id = ObjectID(hex: head) else { throw ProposeError.unexpected("bad head id \(head)") }
            let tree = try repository.lookupCommit(id).tree()
            try write(tree, prefix: "", into: directory, repository: repository)
            let target = directory + "/" + path
            try FileManager.default.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(content).write(to: URL(fileURLWithPath: target))
        } catch {
            throw ProposeError(error)
        }
    }

    /// HEAD's regular files with this submission's file in place, in memory, for a sandbox that
    /// unpacks them itself.  Files over `maxFileBytes`, and everything once `maxTotalBytes` is
    /// reached, are left out and named in `skipped`; links and submodules are skipped silently.
    public func snapshotFiles(maxFileBytes: Int = 1 << 20, maxTotalBytes: Int = 8 << 20)
        throws(ProposeError) -> (files: [SnapshotFile], skipped: [String])
    {
        var files: [SnapshotFile] = [SnapshotFile(path: path, bytes: content)]
        var skipped: [String] = []
        var total = content.count
        do {
            let repository = try Repository(at: gitDirectory, searchParents: false)
            guard let id = ObjectID(hex: head) else { throw ProposeError.unexpected("bad head id \(head)") }
            var pending: [(String, Tree)] = [("", try repository.lookupCommit(id).tree())]
            while let (prefix, tree) = pending.popLast() {
                for entry in tree.entries where !["", ".", "..", ".git"].contains(entry.name) && !entry.name.contains("/") {
                    let relative = prefix.isEmpty ? entry.name : prefix + "/" + entry.name
                    switch entry.kind {
                    case .tree:
                        pending.append((relative, try repository.lookupTree(entry.id)))
                    case .blob where (entry.fileMode == 0o100644 || entry.fileMode == 0o100755) && relative != path:
                        let bytes = try repository.lookupBlob(entry.id).bytes
                        if bytes.count > maxFileBytes || total + bytes.count > maxTotalBytes {
                            skipped.append(relative)
                        } else {
                            total += bytes.count
                            files.append(SnapshotFile(path: relative, bytes: bytes))
                        }
                    default:
                        continue
                    }
                }
            }
        } catch {
            throw ProposeError(error)
        }
        return (files.sorted { $0.path < $1.path }, skipped.sorted())
    }

    private func write(_ tree: Tree, prefix: String, into directory: String, repository: Repository) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory + "/" + prefix, withIntermediateDirectories: true)
        // A crafted tree could name an entry "..": never write outside `directory`.
        for entry in tree.entries where !["", ".", "..", ".git"].contains(entry.name) && !entry.name.contains("/") {
            let relative = prefix.isEmpty ? entry.name : prefix + "/" + entry.name
            switch entry.kind {
            case .tree:
                try write(try repository.lookupTree(entry.id), prefix: relative, into: directory, repository: repository)
            case .blob where entry.fileMode == 0o100644 || entry.fileMode == 0o100755:
                let target = directory + "/" + relative
                try Data(try repository.lookupBlob(entry.id).bytes).write(to: URL(fileURLWithPath: target))
                try manager.setAttributes(
                    [.posixPermissions: entry.fileMode == 0o100755 ? 0o755 : 0o644], ofItemAtPath: target)
            default:
                continue
            }
        }
    }
}

/// One regular file of a submission's snapshot.
public struct SnapshotFile: Sendable, Equatable {
    public var path: String
    public var bytes: [UInt8]
}
