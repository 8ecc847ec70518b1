/// Names known before a read (a table's types, the counted tables), looked up from
/// UTF-8 read in place: the String at hand is returned, not a new one made for every row.
public struct KnownNames: Sendable {
    private let names: [String]
    private let utf8: [[UInt8]]

    public init(_ names: some Sequence<String>) {
        self.names = Array(names)
        utf8 = self.names.map { Array($0.utf8) }
    }

    /// The known name spelled by `bytes`, or a new String of them.
    public func name(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        index(bytes).map { names[$0] } ?? String(decoding: bytes, as: UTF8.self)
    }

    /// Which of the names `bytes` spells, if any.
    public func index(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        for (i, known) in utf8.enumerated() where known.count == bytes.count {
            if known.withUnsafeBufferPointer({ $0.elementsEqual(bytes) }) { return i }
        }
        return nil
    }
}
