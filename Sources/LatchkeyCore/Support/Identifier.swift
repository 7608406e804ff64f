/// Random, prefixed record ids (`crd_…`, `grp_…`): unguessable, so ids leak nothing about counts or order.
public enum Identifier {
    static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")

    /// A new id with `prefix`, e.g. `make("crd")` → `crd_3k9x…` (20 random base36 characters, about 103 bits).
    public static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + "_" + String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
