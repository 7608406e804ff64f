import Foundation
import LatchkeyCore
import Logging

/// Reads the master key from the environment or its file, creating the default file (mode 0600) when allowed.
enum MasterKeyLoader {
    static func load(_ source: MasterKeySource, create: Bool, logger: Logger) throws -> MasterKey {
        switch source {
        case .inline(let text):
            do { return try MasterKey(base64: text) } catch { throw ConfigurationError("LATCHKEY_MASTER_KEY: \(error)") }
        case .file(let path, let createIfMissing):
            if !FileManager.default.fileExists(atPath: path) {
                guard create && createIfMissing else {
                    throw ConfigurationError("no master key at \(path): start `latchkey serve` once to create it, or set LATCHKEY_MASTER_KEY / LATCHKEY_MASTER_KEY_FILE")
                }
                try createKeyFile(at: path)
                logger.notice("Created a new master key; back it up, it is the only way to read this database's secrets", metadata: ["path": "\(path)"])
            }
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            if let mode = (attributes?[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
                logger.warning("The master key file is readable by other users; run chmod 600 on it", metadata: ["path": "\(path)"])
            }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError("cannot read the master key file \(path)")
            }
            do { return try MasterKey(base64: text) } catch { throw ConfigurationError("\(path): \(error)") }
        }
    }

    /// Creates the key file atomically with mode 0600, never overwriting one that appeared meanwhile.
    static func createKeyFile(at path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return }
            throw ConfigurationError("cannot create the master key file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array((MasterKey.generateBase64() + "\n").utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw ConfigurationError("cannot write the master key file \(path)")
        }
    }
}
