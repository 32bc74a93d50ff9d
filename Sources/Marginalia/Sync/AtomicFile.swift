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
        do {
            try write(to: path, mode: mode) { output in try data.withUnsafeBytes(output) }
        } catch let error as MarginaliaError {
            throw error
        } catch {
            // Only the writes themselves can fail here, and they throw MarginaliaError.
            throw .unwritableFile(path: path, reason: "\(error)")
        }
    }

    /// Writes what `produce` hands to its `output`, piece by piece, to
    /// `path`, replacing any file there once all is written; if `produce`
    /// throws, the file stays as it was.
    ///
    /// ```swift
    /// try AtomicFile.write(to: "export.jsonld") { output in try library.export(request, to: output) }
    /// ```
    public static func write(
        to path: String, mode: mode_t = 0o644, _ produce: (_ output: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/" + temporaryPrefix + "\(UUID().uuidString.prefix(8)).tmp"
        func failure(_ code: Int32) -> MarginaliaError {
            .unwritableFile(path: path, reason: String(cString: strerror(code)))
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard descriptor >= 0 else { throw failure(errno) }
        do {
            try produce { buffer in
                var offset = 0
                while offset < buffer.count {
                    let count = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    guard count > 0 else { throw failure(errno) }
                    offset += count
                }
            }
            guard fsync(descriptor) == 0 else { throw failure(errno) }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw failure(code)
        }
        // The rename itself survives a crash only once the folder is synced.
        let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }
}
