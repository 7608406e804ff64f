import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyServer

/// `latchkey keys`: master and data encryption keys.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage encryption keys.", subcommands: [Generate.self, Rotate.self, RotateMaster.self, Retire.self, Status.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new random master key (base64 of 32 bytes) for LATCHKEY_MASTER_KEY or a key file.")
        func run() async throws { print(MasterKey.generateBase64()) }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a new data-key version and re-encrypt every sealed value under it; safe while servers run.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "Print one JSON object: active_version, reencrypted (progress, every 10 s, as JSON lines on standard error).") var json = false

        func run() async throws {
            let logger = LogSetup.logger()
            let meter = ProgressMeter(job: "keys rotate", json: json)
            let report = try await withRuntime(try common.configurationWithoutCatalog(), logger: logger) { runtime in
                try await runtime.keyRotation.rotate(pause: { seconds in try await Task.sleep(for: .seconds(seconds)) }, progress: meter.report)
            }
            meter.finish()
            if json {
                Keys.printJSON(["active_version": report.activeVersion, "reencrypted": report.reencrypted])
            } else {
                print("Rotated: data key version \(report.activeVersion) is active; \(report.reencrypted) sealed value(s) re-encrypted, none left under older versions.")
            }
        }
    }

    struct RotateMaster: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-master",
            abstract: "Rewrap every data key under a new master key (read from --new-key-file or standard input, never an argument); safe while servers run.",
            discussion: """
                Atomic: the database ends up wholly under the old or wholly under the new key. Afterwards the old key opens \
                nothing; running servers keep working with the data keys they hold, and every process must be given the \
                new key before it restarts. With --write-key-file the configured key file is replaced by the new key.
                """)
        @OptionGroup var common: CommonOptions
        @Option(help: "A file holding the new master key (base64 of 32 bytes, as `keys generate` prints). Default: standard input.")
        var newKeyFile: String?
        @Flag(help: "Replace the configured master key file (LATCHKEY_MASTER_KEY_FILE or ./.latchkey/master.key) with the new key, atomically.")
        var writeKeyFile = false
        @Flag(help: "Print one JSON object: rewrapped, master_key_fingerprint, previous_fingerprint, key_file (progress as JSON lines on standard error).")
        var json = false

        func run() async throws {
            let logger = LogSetup.logger()
            let configuration = try common.configurationWithoutCatalog()
            let (text, newKey) = try readNewKey()
            let replacement = try keyFileReplacement(configuration)
            let meter = ProgressMeter(job: "keys rotate-master", json: json)
            let (old, count) = try await withRuntime(configuration, logger: logger) { runtime in
                do {
                    try replacement?.stage(text)
                    do {
                        return (runtime.sealer.masterFingerprint, try await runtime.keyRotation.rotateMaster(to: newKey, pause: { try await Task.sleep(for: .seconds($0)) }, progress: meter.report))
                    } catch {
                        replacement?.abandon()
                        throw error
                    }
                } catch let error as SealingError {
                    throw Fail.configuration("\(error)")
                } catch let error as ConfigurationError {
                    throw Fail.configuration(error.message)
                }
            }
            meter.finish()
            if let replacement {
                do { try replacement.commit() } catch { throw Fail.runtime(error.message) }
            }
            if json {
                Keys.printJSON(["rewrapped": count, "master_key_fingerprint": newKey.fingerprint, "previous_fingerprint": old,
                                "key_file": replacement?.path ?? NSNull()])
                return
            }
            print("Rewrapped \(count) data key(s) under master key \(newKey.fingerprint) (was \(old)); the old master key now opens nothing.")
            if let replacement {
                print("Wrote the new master key to \(replacement.path).")
            } else {
                print("Give every process the new master key (LATCHKEY_MASTER_KEY or its key file) before it restarts.")
            }
        }

        /// With --write-key-file, the configured key file to replace.
        private func keyFileReplacement(_ configuration: ServerConfiguration) throws -> MasterKeyFileReplacement? {
            guard writeKeyFile else { return nil }
            guard case .file(let path, _) = configuration.masterKey else {
                throw Fail.configuration("--write-key-file: the master key comes from LATCHKEY_MASTER_KEY, not a file")
            }
            return MasterKeyFileReplacement(path: path)
        }

        /// The new key as given (base64) and parsed; never from argv, so it stays out of process listings and shell history.
        private func readNewKey() throws -> (String, MasterKey) {
            let data: Data?
            let source: String
            if let newKeyFile {
                data = FileManager.default.contents(atPath: newKeyFile)
                source = newKeyFile
            } else {
                data = try? FileHandle.standardInput.readToEnd()
                source = "standard input"
            }
            guard let data, let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                throw Fail.configuration("no new master key in \(source): give it with --new-key-file PATH or on standard input (`latchkey keys generate` makes one)")
            }
            do { return (text, try MasterKey(base64: text)) } catch { throw Fail.configuration("the new master key in \(source): \(error)") }
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop the data-key versions that no longer protect any value (after `keys rotate`).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let logger = LogSetup.logger()
            let retired = try await withRuntime(try common.configurationWithoutCatalog(), logger: logger) { try await $0.keyRotation.retire() }
            if retired.isEmpty {
                print("No data key version to retire: each one is active or still protects values (run `latchkey keys rotate` first).")
            } else {
                print("Retired data key version(s) \(retired.map(String.init).joined(separator: ", ")).")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the master key's fingerprint, the data-key versions and how many sealed values each protects.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let logger = LogSetup.logger()
            let status = try await withRuntime(try common.configurationWithoutCatalog(), logger: logger) { try await $0.keyRotation.status() }
            if json {
                let versions: [[String: Any]] = status.versions.map { ["version": $0.version, "active": $0.active, "sealed_values": $0.sealedValues] }
                Keys.printJSON(["master_key_fingerprint": status.master, "active_version": status.active.map { $0 as Any } ?? NSNull(), "versions": versions])
            } else {
                print("Master key: fingerprint \(status.master), wraps all \(status.versions.count) data key(s)")
                print("Active data key version: \(status.active.map(String.init) ?? "none")")
                for v in status.versions { print("  version \(v.version)\(v.active ? " (active)" : ""): \(v.sealedValues) sealed value(s)") }
            }
        }
    }

    /// Prints one JSON object on standard output, keys sorted.
    static func printJSON(_ object: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        print(String(decoding: data, as: UTF8.self))
    }
}
