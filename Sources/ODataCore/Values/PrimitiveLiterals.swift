/// Syntax checks for the primitive types kept as canonical text.
public enum PrimitiveLiterals {
    public static func isGuid(_ s: String) -> Bool { isGuid(utf8: s.utf8) }

    /// Whether `b` is a GUID's 36 characters (hex digits, dashes after the 8th, 12th, 16th and 20th).
    public static func isGuid<Bytes: Collection<UInt8>>(utf8 b: Bytes) -> Bool {
        guard b.count == 36 else { return false }
        for (i, c) in b.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return false }
            } else {
                guard isHex(c) else { return false }
            }
        }
        return true
    }

    public static func isDate(_ s: String) -> Bool {
        guard let d = DateTimeOffset(parsing: s + "T00:00Z") else { return false }
        _ = d
        return s.utf8.count == 10
    }

    public static func isTimeOfDay(_ s: String) -> Bool {
        DateTimeOffset(parsing: "2000-01-01T" + s + "Z") != nil
    }

    /// `[-]P[nD][T[nH][nM][n[.n]S]]` with at least one component.
    public static func isDuration(_ s: String) -> Bool {
        var b = Substring(s)
        if b.first == "-" { b = b.dropFirst() }
        guard b.first == "P" else { return false }
        b = b.dropFirst()
        var sawComponent = false
        var inTime = false
        var number = ""
        for c in b {
            switch c {
            case "0"..."9", ".": number.append(c)
            case "T":
                guard !inTime, number.isEmpty else { return false }
                inTime = true
            case "D", "H", "M", "S":
                guard !number.isEmpty, Double(number) != nil else { return false }
                if c == "D" { guard !inTime else { return false } } else { guard inTime else { return false } }
                number = ""
                sawComponent = true
            default: return false
            }
        }
        return sawComponent && number.isEmpty
    }

    private static func isHex(_ c: UInt8) -> Bool {
        (48...57).contains(c) || (65...70).contains(c) || (97...102).contains(c)
    }
}
