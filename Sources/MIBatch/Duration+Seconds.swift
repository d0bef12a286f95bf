extension Duration {
    /// The duration in seconds, as a `Double` (attosecond resolution kept to a double's).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
