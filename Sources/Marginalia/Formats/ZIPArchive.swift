import Foundation
import SystemZlib

/// A ZIP archive held in memory, read as far as an EPUB needs: the entries
/// its central directory lists, stored or deflated.
///
/// Every entry is checked before anything is read: its header and data lie
/// inside the file, and a stored entry is as long as its data. An entry is
/// inflated in one bounded call of zlib, into exactly the size the directory
/// declares, and its CRC-32 is checked, so a damaged archive is refused
/// rather than read for ever (`fuzz-epub` found three ways to make
/// ZIPFoundation's extraction loop without end on a few hundred bytes).
///
/// ```swift
/// guard let archive = ZIPArchive(try Data(contentsOf: url)) else { throw … }
/// let container = try archive.contents(of: "META-INF/container.xml")
/// ```
struct ZIPArchive {
    /// Why an entry could not be read.
    enum EntryError: Error {
        /// The method is neither stored nor deflate, or the entry is encrypted.
        case unsupported
        /// The data does not inflate to what the directory declares.
        case damaged
        /// The entry declares more than ``ZIPArchive/largestEntry``.
        case tooLarge
    }

    /// Where an entry's data lies and what it should give.
    struct Entry {
        var method: Int
        var encrypted: Bool
        var dataStart: Int
        var compressedSize: Int
        var uncompressedSize: Int
        var crc32: UInt32
    }

    /// The largest entry read (an EPUB chapter is a few hundred kilobytes):
    /// a small file cannot make us allocate gigabytes by declaring them.
    static let largestEntry = 256 << 20

    private let bytes: [UInt8]
    /// The entries by name, as the central directory spells them.
    let entries: [String: Entry]

    /// Reads the central directory; nil when `data` is not a ZIP archive whose
    /// every entry lies inside it (ZIP64 included: an EPUB is never 4 GB).
    init?(_ data: Data) {
        let bytes = [UInt8](data)
        func value(_ at: Int, _ width: Int) -> Int? {
            guard at >= 0, at + width <= bytes.count else { return nil }
            return (0..<width).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
        }
        // The end-of-directory record: 22 bytes and a comment of up to 64 KiB.
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        guard let end = stride(from: bytes.count - 22, through: lowest, by: -1).first(where: { value($0, 4) == 0x0605_4B50 }),
            let count = value(end + 10, 2), let size = value(end + 12, 4), let start = value(end + 16, 4),
            start + size <= end
        else { return nil }
        var entries: [String: Entry] = [:]
        var at = start
        for _ in 0..<count {
            guard value(at, 4) == 0x0201_4B50, let flags = value(at + 8, 2), let method = value(at + 10, 2),
                let crc32 = value(at + 16, 4), let compressed = value(at + 20, 4), let uncompressed = value(at + 24, 4),
                method != 0 || compressed == uncompressed, let nameLength = value(at + 28, 2),
                let extraLength = value(at + 30, 2), let commentLength = value(at + 32, 2),
                let header = value(at + 42, 4), compressed != 0xFFFF_FFFF, header != 0xFFFF_FFFF,
                value(header, 4) == 0x0403_4B50, let localName = value(header + 26, 2), let localExtra = value(header + 28, 2),
                header + 30 + localName + localExtra + compressed <= start, at + 46 + nameLength <= bytes.count
            else { return nil }
            let name = String(decoding: bytes[at + 46..<at + 46 + nameLength], as: UTF8.self)
            entries[name] = Entry(
                method: method, encrypted: flags & 1 != 0, dataStart: header + 30 + localName + localExtra,
                compressedSize: compressed, uncompressedSize: uncompressed, crc32: UInt32(crc32))
            at += 46 + nameLength + extraLength + commentLength
        }
        self.bytes = bytes
        self.entries = entries
    }

    /// The contents of the entry `name`, or nil when the archive has none.
    func contents(of name: String) throws(EntryError) -> Data? {
        guard let entry = entries[name] else { return nil }
        guard !entry.encrypted, entry.method == 0 || entry.method == 8 else { throw .unsupported }
        guard entry.uncompressedSize <= Self.largestEntry else { throw .tooLarge }
        let stored = bytes[entry.dataStart..<entry.dataStart + entry.compressedSize]
        let data = entry.method == 0 ? Data(stored) : try Self.inflate(stored, to: entry.uncompressedSize)
        let crc = data.withUnsafeBytes { UInt32(SystemZlib.crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count))) }
        guard crc == entry.crc32 else { throw .damaged }
        return data
    }

    /// Inflates a raw deflate stream that must give exactly `size` bytes.
    ///
    /// One call with all the input and one byte more room than declared:
    /// the stream must end there, having filled exactly `size` bytes. zlib
    /// cannot loop on missing input this way; it stops and says so.
    private static func inflate(_ input: ArraySlice<UInt8>, to size: Int) throws(EntryError) -> Data {
        var output = Data(count: size + 1)
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .damaged
        }
        defer { inflateEnd(&stream) }
        let result = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBytes { target in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = target.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(target.count)
                return SystemZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard result == Z_STREAM_END, Int(stream.total_out) == size else { throw .damaged }
        output.removeLast()
        return output
    }
}
