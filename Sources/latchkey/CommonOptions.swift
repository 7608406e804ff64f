import ArgumentParser
import Foundation
import LatchkeyServer
import Logging

/// Options every command shares, so that all of them work on the database `serve` uses.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "sqlite:PATH or postgres://… (env LATCHKEY_DATABASE_URL; default sqlite:.latchkey/latchkey.db)")
    var databaseURL: String?

    @Option(name: .long, help: "A directory of extra provider files; may repeat (env LATCHKEY_PROVIDERS_DIR replaces the built-in catalog).")
    var providers: [String] = []

    /// The resolved configuration, or exit status 2 with the reasons.
    func configuration(host: String? = nil, port: Int? = nil, publicURL: String? = nil) throws -> ServerConfiguration {
        do {
            return try ConfigurationLoader().load(.init(host: host, port: port, databaseURL: databaseURL, publicURL: publicURL, providers: providers))
        } catch {
            throw Fail.configuration(error.message)
        }
    }

    /// The configuration for commands that never look at a provider (users, tokens, keys): they skip loading the
    /// catalog, hundreds of YAML files, which would be most of their running time.
    func configurationWithoutCatalog() throws -> ServerConfiguration {
        var configuration = try configuration()
        configuration.providerSources = []
        return configuration
    }
}

/// Process-level failures with their exit statuses.
enum Fail {
    /// Prints `message` and exits with status 2.
    static func configuration(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("latchkey: configuration error: \(message)\n".utf8))
        return ExitCode(2)
    }

    /// Prints `message` and exits with status 1.
    static func runtime(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("latchkey: \(message)\n".utf8))
        return ExitCode(1)
    }
}

/// Logging to standard error, once per process; `LATCHKEY_LOG_LEVEL` sets the level.
enum LogSetup {
    static let bootstrapped: Bool = {
        let level = ProcessInfo.processInfo.environment["LATCHKEY_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return true
    }()

    static func logger(_ label: String = "latchkey") -> Logger {
        _ = bootstrapped
        return Logger(label: label)
    }
}

/// Runs `body` with an opened runtime and always closes it afterwards (its HTTP client must be shut down).
func withRuntime<T>(_ configuration: ServerConfiguration, createKey: Bool = false, logger: Logger, _ body: (LatchkeyRuntime) async throws -> T) async throws -> T {
    let runtime = try await openRuntime(configuration, createKey: createKey, logger: logger)
    do {
        let result = try await body(runtime)
        await runtime.shutdown()
        return result
    } catch {
        await runtime.shutdown()
        throw error
    }
}

/// Opens the runtime, turning configuration problems into exit status 2.
func openRuntime(_ configuration: ServerConfiguration, createKey: Bool, logger: Logger) async throws -> LatchkeyRuntime {
    do {
        return try await LatchkeyRuntime.open(configuration, createKey: createKey, logger: logger)
    } catch let error as ConfigurationError {
        throw Fail.configuration(error.message)
    }
}
