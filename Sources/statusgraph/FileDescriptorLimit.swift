#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Each connection holds a file descriptor, and most systems start a process with a soft limit of 1,024
/// (systemd, Debian's shells) under a much higher hard one: past it, new connections wait in the
/// kernel's backlog until they time out. The server raises its soft limit to the hard one at start, as
/// Go's runtime and nginx's `worker_rlimit_nofile` do; the hard limit stays the operator's to set.
enum FileDescriptorLimit {
    /// Raises the soft limit to the hard limit; returns the limit now in force.
    @discardableResult
    static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return -1 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return Int(clamping: raised.rlim_cur) }
        }
        return Int(clamping: limit.rlim_cur)
    }
}
