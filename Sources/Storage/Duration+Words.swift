extension Duration {
    /// The duration in whole nanoseconds (a backend's clocks and counters keep them so).
    public var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }

    /// The duration as people write it in messages: `10 s`, `0.25 s` (to the millisecond), `500 ns`
    /// below one.
    public var inWords: String {
        let (whole, atto) = components
        let millis = atto / 1_000_000_000_000_000
        if whole == 0, millis == 0 { return "\(atto / 1_000_000_000) ns" }
        guard millis > 0 else { return "\(whole) s" }
        var fraction = String(millis)
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction) s"
    }
}
