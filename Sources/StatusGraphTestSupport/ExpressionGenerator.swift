import Foundation
import ODataCore
import ODataModel

/// Writes random well-typed expressions over `mobileAppInstallStatus`, and statuses to run them on.
public struct ExpressionGenerator {
    public let model: EdmModel
    public var random: SplitMix64

    public init(model: EdmModel, seed: UInt64) {
        self.model = model
        self.random = SplitMix64(seed: seed)
    }

    public static let texts = [
        "", "a", "A", "ab", "a b", " pad ", "PC-01", "pc-01", "%", "_x", "O'Brien", "ä", "Ä", "Ünïcode", "ünïcode", "日本",
        "😀x", "a😀b", "ABC", "abc", "Z", "zz", "a%b", "x_y", "\ttab\n", "nb\u{00A0}", "\u{3000}ideo",
    ]
    public static let pieces = texts + ["b", "PC", "-0", "'", "ï", "c", "😀", " "]
    public static let textProperties = ["deviceName", "userName", "osVersion", "deviceId"]
    public static let errorCodes: [Int64] = [0, 1, -1, 3, 7, -7, 100, -2_016_345_060, 2_147_483_647, -2_147_483_648]
    public static let integers: [Int64] = [0, 1, -1, 2, 3, 7, -7, 10, 100, 2024]
    public static let times = [
        "2024-11-01T10:00:00Z", "2024-11-01T23:59:59.9999999Z", "2024-02-29T12:30:45.5Z", "1969-12-31T23:59:59.5Z",
        "1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999Z", "2026-12-06T13:00:00.123Z",
        "2000-03-01T00:00:00Z",
    ]
    public static let dates = ["2024-11-01", "1969-12-31", "2024-02-29", "0001-01-01", "9999-12-31", "2000-03-01"]

    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    public mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
    public mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }

    public func members(_ e: String) -> [String] { model.enumTypes[e]!.members.map(\.name) }

    /// `count` statuses: every text property null or one of `texts`, the rest from small sets.
    public mutating func rows(_ count: Int) -> [[String: ODataValue]] {
        (0..<count).map { _ in
            var row: [String: ODataValue] = [
                "errorCode": .integer(pick(Self.errorCodes)),
                "installState": .enumMember(pick(members("resultantAppState"))),
                "mobileAppInstallStatusValue": .enumMember(pick(members("resultantAppState"))),
                "installStateDetail": .enumMember(pick(Array(members("resultantAppStateDetail").prefix(6)))),
                "lastSyncDateTime": .dateTimeOffset(DateTimeOffset(parsing: pick(Self.times))!),
            ]
            for name in Self.textProperties { row[name] = chance(0.25) ? .null : .string(pick(Self.texts)) }
            return row
        }
    }

    public static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    public mutating func text(_ depth: Int) -> String {
        guard depth > 0, chance(0.5) else { return pick(Self.textProperties) }
        switch int(0...5) {
        case 0: return "tolower(\(text(depth - 1)))"
        case 1: return "toupper(\(text(depth - 1)))"
        case 2: return "trim(\(text(depth - 1)))"
        case 3:
            // A bound is now and then an expression, which may be null (`length` of a null property).
            func bound(_ range: ClosedRange<Int>) -> String { chance(0.15) ? "length(\(pick(Self.textProperties)))" : String(int(range)) }
            return "substring(\(text(depth - 1)),\(bound(-1...4))" + (chance(0.5) ? ",\(bound(-1...3)))" : ")")
        case 4: return chance(0.5) ? "concat(\(text(depth - 1)),\(Self.quoted(pick(Self.pieces))))" : "concat(\(Self.quoted(pick(Self.pieces))),\(text(depth - 1)))"
        default: return "concat(\(text(depth - 1)),\(text(depth - 1)))"
        }
    }

    public mutating func integer(_ depth: Int) -> String {
        let operand: String
        switch int(0...4) {
        case 0, 1: operand = "errorCode"
        case 2: operand = "length(\(text(depth - 1)))"
        case 3: operand = "indexof(\(text(depth - 1)),\(Self.quoted(pick(Self.pieces))))"
        default: operand = "\(pick(["year", "month", "day", "hour", "minute", "second"]))(lastSyncDateTime)"
        }
        guard depth > 0, chance(0.4) else { return operand }
        let op = pick(["add", "sub", "mul", "div", "mod"])
        return "(\(operand) \(op) \(pick(Self.integers)))"
    }

    public mutating func comparison(_ depth: Int) -> String {
        let op = pick(["eq", "ne", "gt", "ge", "lt", "le"])
        switch int(0...9) {
        case 0, 1:
            let right = chance(0.7) ? Self.quoted(pick(Self.pieces)) : text(depth - 1)
            return "\(text(depth)) \(op) \(right)"
        case 2, 3:
            let right = chance(0.8) ? String(pick(Self.errorCodes + Self.integers)) : integer(depth - 1)
            return "\(integer(depth)) \(op) \(right)"
        case 4:
            let property = pick(["installState", "mobileAppInstallStatusValue"])
            return chance(0.8)
                ? "\(property) \(op) \(Self.quoted(pick(members("resultantAppState"))))"
                : "installState \(op) mobileAppInstallStatusValue"
        case 5: return "lastSyncDateTime \(op) \(pick(Self.times))"
        case 6: return "date(lastSyncDateTime) \(op) \(pick(Self.dates))"
        case 7: return "fractionalseconds(lastSyncDateTime) \(op) \(pick(["0", "0.5", "0.9999999", "0.123"]))"
        case 8: return "\(pick(Self.textProperties)) \(pick(["eq", "ne"])) null"
        default: return "(errorCode \(pick(["add", "div", "mul", "mod"])) \(pick(["0.5", "2.5", "-1.5", "0.0"]))) \(op) \(pick(["1", "0", "-3.5", "2.5"]))"
        }
    }

    public mutating func predicate(_ depth: Int) -> String {
        guard depth > 0 else { return comparison(1) }
        switch int(0...9) {
        case 0: return "(\(predicate(depth - 1)) and \(predicate(depth - 1)))"
        case 1: return "(\(predicate(depth - 1)) or \(predicate(depth - 1)))"
        case 2: return "not (\(predicate(depth - 1)))"
        case 3:
            let f = pick(["contains", "startswith", "endswith"])
            return "\(f)(\(text(2)),\(chance(0.8) ? Self.quoted(pick(Self.pieces)) : text(1)))"
        case 4:
            let items = (0..<int(1...3)).map { _ in Self.quoted(pick(Self.texts)) }
            return "\(text(1)) in (\(items.joined(separator: ",")))"
        case 5:
            let items = (0..<int(1...3)).map { _ in Self.quoted(pick(members("resultantAppState"))) }
            return "installState in (\(items.joined(separator: ",")))"
        default: return comparison(2)
        }
    }

    public mutating func filter() -> String { predicate(int(1...3)) }

    /// One to three keys, each a property or an expression, ascending or descending, none twice.
    public mutating func orderBy() -> String {
        var named: Set<String> = []  // a property named twice is a 400
        return (0..<int(1...3)).compactMap { _ in
            let key: String
            switch int(0...6) {
            case 0: key = pick(Self.textProperties)
            case 1: key = pick(["installState", "errorCode", "lastSyncDateTime", "mobileAppInstallStatusValue"])
            case 2: key = text(2)
            case 3: key = integer(2)
            case 4: key = pick(["date(lastSyncDateTime)", "fractionalseconds(lastSyncDateTime)", "year(lastSyncDateTime)"])
            case 5: key = "(errorCode div 2.5)"
            default: key = pick(Self.textProperties)
            }
            guard named.insert(key).inserted else { return nil }
            return key + pick(["", " asc", " desc"])
        }.joined(separator: ",")
    }
}
