extension Duration {
    /// The duration in whole nanoseconds (a backend's clocks and counters keep them so).
    public var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
