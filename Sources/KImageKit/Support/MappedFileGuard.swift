#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps a file that another process truncates under a mapping from killing kimage. A read of a
/// mapped page past the file's new end is a SIGBUS; the handler installed here maps zeros over
/// the whole guarded range instead and marks it, so the reader runs on (over zeros, which every
/// decoder takes as hostile input) and FileBytes.verifyUnchanged reports the change as an error.
/// A SIGBUS anywhere else gets the action that was there before.
enum MappedFileGuard {
    private static let capacity = 64
    /// Per slot: start, end, faulted. Read by the handler without a lock; written under `lock`.
    nonisolated(unsafe) private static let table: UnsafeMutablePointer<UInt> = {
        let p = UnsafeMutablePointer<UInt>.allocate(capacity: capacity * 3)
        p.initialize(repeating: 0, count: capacity * 3)
        return p
    }()
    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let p = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(p, nil)
        return p
    }()
    nonisolated(unsafe) private static var previous = sigaction()
    nonisolated(unsafe) private static var installed = false

    private static let handler: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void = { _, info, _ in
        if let info {
            let address = UInt(bitPattern: info.pointee._sifields._sigfault.si_addr)
            let t = MappedFileGuard.table
            for slot in 0..<MappedFileGuard.capacity {
                let start = t[slot * 3], end = t[slot * 3 + 1]
                guard start != 0, address >= start, address < end else { continue }
                let zeros = mmap(UnsafeMutableRawPointer(bitPattern: start), Int(end - start), PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
                if zeros != MAP_FAILED {
                    t[slot * 3 + 2] = 1
                    return
                }
            }
        }
        // Not a guarded range: the fault repeats under the action that was there before.
        sigaction(SIGBUS, &MappedFileGuard.previous, nil)
    }

    /// Guards `range` (page-aligned, as an mmap returns it); the slot to pass to `faulted` and
    /// `release`, or nil when every slot is taken (the caller then reads instead of mapping).
    static func guardRange(_ range: UnsafeMutableRawBufferPointer) -> Int? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if !installed {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = handler
            action.sa_flags = SA_SIGINFO
            sigemptyset(&action.sa_mask)
            guard sigaction(SIGBUS, &action, &previous) == 0 else { return nil }
            installed = true
        }
        for slot in 0..<capacity where table[slot * 3] == 0 {
            let start = UInt(bitPattern: range.baseAddress)
            table[slot * 3 + 2] = 0
            table[slot * 3 + 1] = start + UInt(range.count)
            table[slot * 3] = start
            return slot
        }
        return nil
    }

    /// True when the handler replaced the slot's range with zeros: its file shrank under it.
    static func faulted(_ slot: Int) -> Bool {
        table[slot * 3 + 2] != 0
    }

    static func release(_ slot: Int) {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        table[slot * 3] = 0
        table[slot * 3 + 1] = 0
        table[slot * 3 + 2] = 0
    }
}
