import Foundation

/// A hybrid logical clock timestamp: wall-clock milliseconds in the high 48
/// bits, a logical counter in the low 16.
///
/// Comparing two timestamps compares their raw values, so a timestamp issued
/// after another one (on one replica, or after receiving it) is always larger.
public struct HLCTimestamp: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(milliseconds: Int64, counter: Int) {
        rawValue = milliseconds << 16 | Int64(counter & 0xffff)
    }

    public var milliseconds: Int64 { rawValue >> 16 }
    public var counter: Int { Int(rawValue & 0xffff) }
    /// The wall-clock time the timestamp was issued at (to the millisecond).
    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// ISO 8601 in UTC with milliseconds, e.g. `2026-11-29T11:40:00.123Z`.
    ///
    /// Written by hand from the integer milliseconds: Foundation's formatter
    /// formats a `Double` (1780000000.123 can come out as `.122`), and takes
    /// microseconds for each of the two an export prints per annotation.
    public var description: String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.iso8601Length) { text in
            iso8601(into: text.baseAddress!) ? String(decoding: text, as: UTF8.self) : Timestamps.iso8601(date)
        }
    }

    /// The length of ``description`` for the years 0 to 9999.
    static let iso8601Length = 24

    /// Writes ``description`` into `text` (``iso8601Length`` bytes), for the
    /// years 0 to 9999; false for other times, which Foundation formats.
    func iso8601(into text: UnsafeMutablePointer<UInt8>) -> Bool {
        let (days, timeOfDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        guard days >= 0 else { return false }
        // Days since 1970 to a civil date (Howard Hinnant's algorithm), in 400-year eras from 0000-03-01.
        let shifted = Int(days) + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        guard year <= 9999 else { return false }
        let time = Int(timeOfDay)
        func put(_ value: Int, at offset: Int, digits: Int) {
            var value = value
            for index in (offset..<offset + digits).reversed() {
                text[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(year, at: 0, digits: 4)
        put(month, at: 5, digits: 2)
        put(day, at: 8, digits: 2)
        put(time / 3_600_000, at: 11, digits: 2)
        put(time / 60_000 % 60, at: 14, digits: 2)
        put(time / 1000 % 60, at: 17, digits: 2)
        put(time % 1000, at: 20, digits: 3)
        text[4] = UInt8(ascii: "-")
        text[7] = UInt8(ascii: "-")
        text[10] = UInt8(ascii: "T")
        text[13] = UInt8(ascii: ":")
        text[16] = UInt8(ascii: ":")
        text[19] = UInt8(ascii: ".")
        text[23] = UInt8(ascii: "Z")
        return true
    }
}

/// The hybrid logical clock of one replica.
///
/// It never runs backwards, even when the wall clock does, and every received
/// timestamp pushes it forward, so an operation written after reading another
/// one always sorts after it.
///
/// ```swift
/// var clock = HybridLogicalClock(last: stored)
/// let stamp = clock.tick()        // for a new local operation
/// clock.receive(remote.hlc)       // for every operation applied from elsewhere
/// ```
public struct HybridLogicalClock: Sendable {
    /// The system's time in milliseconds since 1970: the wall clock unless a test injects one.
    public static let systemTime: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The largest timestamp issued or received so far.
    public private(set) var last: HLCTimestamp
    private let wallClock: @Sendable () -> Int64

    /// - Parameters:
    ///   - last: the clock's persisted state.
    ///   - wallClock: milliseconds since 1970; injected by tests.
    public init(
        last: HLCTimestamp = HLCTimestamp(rawValue: 0),
        wallClock: @escaping @Sendable () -> Int64 = HybridLogicalClock.systemTime
    ) {
        self.last = last
        self.wallClock = wallClock
    }

    /// A timestamp for a new local operation, larger than every earlier one.
    public mutating func tick() -> HLCTimestamp {
        let wall = wallClock()
        if wall > last.milliseconds {
            last = HLCTimestamp(milliseconds: wall, counter: 0)
        } else if last.counter < 0xffff {
            last = HLCTimestamp(rawValue: last.rawValue + 1)
        } else {
            // The counter is exhausted within one millisecond: borrow the next one.
            last = HLCTimestamp(milliseconds: last.milliseconds + 1, counter: 0)
        }
        return last
    }

    /// Advances the clock past a timestamp received from another replica.
    public mutating func receive(_ remote: HLCTimestamp) {
        if remote > last { last = remote }
    }
}

/// Date formatting shared by the library's outputs.
public enum Timestamps {
    /// ISO 8601 in UTC with milliseconds and a `Z`.
    public static func iso8601(_ date: Date) -> String {
        date.formatted(
            Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }

    /// Parses a user's `--since` value: `2026-11-29`, `2026-11-29T10:00`,
    /// or a full ISO 8601 timestamp (UTC unless it says otherwise).
    public static func parseUserDate(_ text: String) -> Date? {
        let trimmed = text.trimmingWhitespace(newlines: false)
        let full = Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: TimeZone(identifier: "UTC")!)
        if let date = try? full.parse(trimmed) { return date }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? fractional.parse(trimmed) { return date }
        for suffix in [":00Z", "T00:00:00Z"] {
            if let date = try? full.parse(trimmed + suffix) { return date }
        }
        return nil
    }
}
