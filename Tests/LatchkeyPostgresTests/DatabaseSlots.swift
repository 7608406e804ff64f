/// At most a few test databases exist at once. Swift Testing starts every PostgreSQL test together; on a loaded
/// two-core machine dozens of simultaneous `CREATE DATABASE` (each copies the template under a lock) and migrations
/// made single statements wait past the store's 10 s deadline, and the suite failed with "PostgreSQL did not answer".
actor DatabaseSlots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = count }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
