import Foundation

/// Writes files so that no reader ever sees half of one: a temporary file in
/// the same folder, fsync, rename into place, fsync of the folder.
///
/// ```swift
/// try AtomicFile.write(data, to: "/sync/replicas/9f2c…/000000000001-ab12….bundle")
/// ```
public enum AtomicFile {
    /// The prefix of the temporary files, which sync readers ignore.
    public static let temporaryPrefix = ".marginalia-"

    /// Writes `data` to `path`, replacing any file there, with permissions `mode`.
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws(MarginaliaError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/" + temporaryPrefix + "\(UUID().uuidString.prefix(8)).tmp"
        func failure(_ code: Int32) -> MarginaliaError {
            unlink(temporary)
            return .unwritableFile(path: path, reason: String(cString: strerror(code)))
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard descriptor >= 0 else { throw failure(errno) }
        let written = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count <= 0 { return false }
                offset += count
            }
            return true
        }
        let code = errno
        guard written, fsync(descriptor) == 0 else {
            close(descriptor)
            throw failure(written ? errno : code)
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw failure(errno) }
        // The rename itself survives a crash only once the folder is synced.
        let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }
}
