import Foundation
import LatchkeyCore

/// Replaces a master key file with a new key, in two steps around `keys rotate-master`'s database commit, so that no
/// crash can leave the database wrapped under a key that exists nowhere on disk:
///
/// 1. `stage`: write the new key to `PATH.new` (mode 0600, fsynced) *before* the commit;
/// 2. `commit`: rename `PATH.new` over `PATH` (atomic on POSIX) and fsync the directory, *after* the commit.
///
/// A crash between the two leaves the database under the new key and the new key in `PATH.new`; a process started
/// with the old `PATH` exits 2, and the operator moves `PATH.new` into place. A failed database commit `abandon`s
/// the staged file.
public struct MasterKeyFileReplacement: Sendable {
    /// The key file being replaced.
    public let path: String
    /// Where the new key is staged.
    public var stagedPath: String { path + ".new" }

    /// Prepares to replace `path`.
    public init(path: String) { self.path = path }

    /// Writes `key` (base64) to the staged file; refuses when one is already there, since it may hold the key a
    /// crashed earlier rotation committed.
    public func stage(_ key: String) throws(ConfigurationError) {
        let fd = open(stagedPath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST {
                throw ConfigurationError("\(stagedPath) already exists: a previous `keys rotate-master` may have committed the key it holds; "
                                         + "check which key opens the database (`keys status` with each), then remove or move it")
            }
            throw ConfigurationError("cannot create \(stagedPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array((key + "\n").utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            unlink(stagedPath)
            throw ConfigurationError("cannot write \(stagedPath)")
        }
    }

    /// Moves the staged key over the key file.
    public func commit() throws(ConfigurationError) {
        guard rename(stagedPath, path) == 0 else {
            throw ConfigurationError("the database now needs the key in \(stagedPath), but it could not be moved to \(path): \(String(cString: strerror(errno))); move it by hand")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let dirfd = open(directory, O_RDONLY)
        if dirfd >= 0 {
            // Make the rename itself durable; the key file is already fsynced.
            _ = fsync(dirfd)
            close(dirfd)
        }
    }

    /// Removes the staged key after the database commit failed (the old key still opens everything).
    public func abandon() { unlink(stagedPath) }
}
