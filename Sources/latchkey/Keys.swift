import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyServer

/// `latchkey keys`: master and data encryption keys.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage encryption keys.", subcommands: [Generate.self, Rotate.self, Status.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new random master key (base64 of 32 bytes) for LATCHKEY_MASTER_KEY or a key file.")
        func run() async throws { print(MasterKey.generateBase64()) }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a new data-key version and re-encrypt every sealed value under it; safe while servers run.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let logger = LogSetup.logger()
            let report = try await withRuntime(try common.configuration(), logger: logger) { runtime in
                try await runtime.keyRotation.rotate(pause: { seconds in try await Task.sleep(for: .seconds(seconds)) })
            }
            print("Rotated: data key version \(report.activeVersion) is active; \(report.reencrypted) sealed value(s) re-encrypted, none left under older versions.")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show data-key versions and how many sealed values each protects.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let logger = LogSetup.logger()
            let status = try await withRuntime(try common.configuration(), logger: logger) { try await $0.keyRotation.status() }
            if json {
                let versions: [[String: Any]] = status.versions.map { ["version": $0.version, "active": $0.active, "sealed_values": $0.sealedValues] }
                let object: [String: Any] = ["active_version": status.active as Any, "versions": versions]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("Active data key version: \(status.active.map(String.init) ?? "none")")
                for v in status.versions { print("  version \(v.version)\(v.active ? " (active)" : ""): \(v.sealedValues) sealed value(s)") }
            }
        }
    }
}
