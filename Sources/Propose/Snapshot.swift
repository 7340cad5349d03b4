import Foundation
import GitKit

extension Submission {
    /// Writes HEAD's tree into `directory` with this submission's file in place of the
    /// committed one, so a verifier can run the repository's tests on it.  Regular files and
    /// directories only: symbolic links and submodules are skipped, since a link could point
    /// anywhere on the host.  Executable bits are kept.
    public func materialize(into directory: String) throws(ProposeError) {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try walkHead { relative, entry, repository in
                let target = directory + "/" + relative
                if entry.kind == .tree {
                    try manager.createDirectory(atPath: target, withIntermediateDirectories: true)
                    return
                }
                try Data(try repository.lookupBlob(entry.id).bytes).write(to: URL(fileURLWithPath: target))
                try manager.setAttributes(
                    [.posixPermissions: entry.fileMode == 0o100755 ? 0o755 : 0o644], ofItemAtPath: target)
            }
            let target = directory + "/" + path
            try manager.createDirectory(
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
            try walkHead { relative, entry, repository in
                guard entry.kind == .blob, relative != path else { return }
                let bytes = try repository.lookupBlob(entry.id).bytes
                if bytes.count > maxFileBytes || total + bytes.count > maxTotalBytes {
                    skipped.append(relative)
                } else {
                    total += bytes.count
                    files.append(SnapshotFile(path: relative, bytes: bytes))
                }
            }
        } catch {
            throw ProposeError(error)
        }
        return (files.sorted { $0.path < $1.path }, skipped.sorted())
    }

    /// Visits HEAD's directories and regular files (mode 644 or 755), each directory before its
    /// contents, with its '/'-separated path.  A crafted tree could name an entry ".." or ".git":
    /// such entries, links and submodules are never visited, so no caller writes outside its root.
    private func walkHead(_ visit: (String, TreeEntry, Repository) throws -> Void) throws {
        let repository = try Repository(at: gitDirectory, searchParents: false)
        guard let id = ObjectID(hex: head) else { throw ProposeError.unexpected("bad head id \(head)") }
        var pending: [(String, Tree)] = [("", try repository.lookupCommit(id).tree())]
        while let (prefix, tree) = pending.popLast() {
            for entry in tree.entries where !["", ".", "..", ".git"].contains(entry.name) && !entry.name.contains("/") {
                let relative = prefix.isEmpty ? entry.name : prefix + "/" + entry.name
                switch entry.kind {
                case .tree:
                    try visit(relative, entry, repository)
                    pending.append((relative, try repository.lookupTree(entry.id)))
                case .blob where entry.fileMode == 0o100644 || entry.fileMode == 0o100755:
                    try visit(relative, entry, repository)
                default:
                    continue
                }
            }
        }
    }
}

/// One regular file of a submission's snapshot.
public struct SnapshotFile: Sendable, Equatable {
    public var path: String
    public var bytes: [UInt8]
}
