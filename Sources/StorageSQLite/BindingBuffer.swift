/// Where a statement's text and blob parameters are copied before they are bound, kept by a
/// connection and reused by each of its statements (one thread at a time, as the connection is).
///
/// Binding with `SQLITE_TRANSIENT` makes SQLite copy every value into memory of its own; the SQLite
/// that Debian ships is built without its lookaside allocator, so each copy was a `malloc` and a
/// `free` (three to five per statement). The values are instead copied here, once the buffer is large
/// enough for all of them, and bound `SQLITE_STATIC`: the buffer outlives the statement's use of them,
/// since its bindings are cleared before the connection runs anything else.
final class BindingBuffer: @unchecked Sendable {
    private var base: UnsafeMutableRawPointer?
    private var capacity = 0

    /// Room for `count` bytes, valid until the next call.
    func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        if count > capacity || base == nil {
            base?.deallocate()
            capacity = max(count, 1024, capacity * 2)
            base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        }
        return base!
    }

    deinit { base?.deallocate() }
}
