import Foundation

/// Paths of the test fixtures.
enum Fixtures {
    static func directory(_ name: String) -> String {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { return "Fixtures/\(name)" }
        return url.appendingPathComponent(name).path
    }
}
