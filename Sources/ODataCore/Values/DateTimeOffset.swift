#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// An instant with 100-nanosecond precision, as Edm.DateTimeOffset holds it: ticks since 1970-01-01T00:00:00Z.
/// Parsed from any UTC offset and 0–7 fractional digits; written as Graph writes it, in UTC with `Z`
/// and the fraction's trailing zeros dropped (`2017-01-01T00:03:19.2710393Z`, `0001-01-01T00:00:00Z`).
public struct DateTimeOffset: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let ticksPerSecond: Int64 = 10_000_000
    /// Ticks since the Unix epoch (may be negative).
    public let ticks: Int64

    public init(ticks: Int64) { self.ticks = ticks }

    /// `0001-01-01T00:00:00Z`, the value Graph shows for a non-nullable date never set.
    public static let minValue = DateTimeOffset(ticks: -62_135_596_800 * ticksPerSecond)
    /// `9999-12-31T23:59:59.9999999Z`, the latest (OData's `maxdatetime()`).
    public static let maxValue = DateTimeOffset(ticks: 253_402_300_800 * ticksPerSecond - 1)

    public static func < (a: DateTimeOffset, b: DateTimeOffset) -> Bool { a.ticks < b.ticks }

    /// The current time, to the tick: what the server stamps on writes, and `now()` in a query.
    public static func now() -> DateTimeOffset {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return DateTimeOffset(ticks: Int64(spec.tv_sec) * ticksPerSecond + Int64(spec.tv_nsec) / 100)
    }

    /// Parses `YYYY-MM-DDThh:mm[:ss[.f{1,7}]](Z|±hh:mm)`; nil when it is not one.
    public init?(parsing text: some StringProtocol) {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func take(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), take(45), let month = digits(2), take(45), let day = digits(2) else { return nil }
        guard i < b.count, b[i] == 84 || b[i] == 116 else { return nil }  // T or t
        i += 1
        guard let hour = digits(2), take(58), let minute = digits(2) else { return nil }
        var second = 0
        var fraction: Int64 = 0
        if take(58) {
            guard let s = digits(2) else { return nil }
            second = s
            if take(46) {
                var count = 0
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    count += 1
                    guard count <= 7 else { return nil }
                    fraction = fraction * 10 + Int64(b[i] - 48)
                    i += 1
                }
                guard count > 0 else { return nil }
                for _ in count..<7 { fraction *= 10 }
            }
        }
        var offsetMinutes = 0
        if i < b.count, b[i] == 90 || b[i] == 122 {  // Z or z
            i += 1
        } else if i < b.count, b[i] == 43 || b[i] == 45 {
            let negative = b[i] == 45
            i += 1
            guard let oh = digits(2), take(58), let om = digits(2), oh <= 23, om <= 59 else { return nil }
            offsetMinutes = (oh * 60 + om) * (negative ? -1 : 1)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        self.ticks = seconds * Self.ticksPerSecond + fraction
    }

    public var description: String {
        String(unsafeUninitializedCapacity: Self.maxUTF8Count) { write(to: $0.baseAddress!) }
    }

    /// The most bytes `write(to:)` writes (a year of five digits and a sign, the rest fixed).
    public static let maxUTF8Count = 32

    /// Writes `yyyy-MM-ddTHH:mm:ss[.fffffff]Z` (trailing zeros of the fraction dropped) as UTF-8 at `out`,
    /// which has room for `maxUTF8Count` bytes, and returns how many it wrote: the JSON writer calls this
    /// for every timestamp of every row, so it builds no intermediate strings.
    public func write(to out: UnsafeMutablePointer<UInt8>) -> Int {
        let (seconds, fraction) = ticks.floorDividedWithRemainder(by: Self.ticksPerSecond)
        let (days, secondOfDay) = seconds.floorDividedWithRemainder(by: 86_400)
        let (year, month, day) = Self.civilFromDays(Int(days))
        var n = 0
        func byte(_ b: UInt8) {
            out[n] = b
            n += 1
        }
        func digits(_ value: Int, _ width: Int) {
            var v = value.magnitude
            var width = width
            if width == 4, value > 9999 || value < 0 {  // outside four digits: written as is
                if value < 0 { byte(UInt8(ascii: "-")) }
                width = 1
                var rest = v / 10
                while rest > 0 { rest /= 10; width += 1 }
            }
            for i in stride(from: n + width - 1, through: n, by: -1) {
                out[i] = UInt8(48 + v % 10)
                v /= 10
            }
            n += width
        }
        digits(year, 4); byte(UInt8(ascii: "-")); digits(month, 2); byte(UInt8(ascii: "-")); digits(day, 2)
        byte(UInt8(ascii: "T"))
        digits(Int(secondOfDay / 3600), 2); byte(UInt8(ascii: ":")); digits(Int(secondOfDay / 60 % 60), 2)
        byte(UInt8(ascii: ":")); digits(Int(secondOfDay % 60), 2)
        if fraction > 0 {
            var f = Int(fraction)
            var width = 7
            while f % 10 == 0 { f /= 10; width -= 1 }
            byte(UInt8(ascii: "."))
            digits(f, width)
        }
        byte(UInt8(ascii: "Z"))
        return n
    }

    private static func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z: Int) -> (Int, Int, Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension Int64 {
    fileprivate func floorDividedWithRemainder(by d: Int64) -> (Int64, Int64) {
        var q = self / d
        var r = self % d
        if r < 0 { q -= 1; r += d }
        return (q, r)
    }
}
