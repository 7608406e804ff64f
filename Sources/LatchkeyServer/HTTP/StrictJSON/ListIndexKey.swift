/// The coding key of a list item; only lists make them, so a map key that looks like a number stays a name.
struct ListIndexKey: CodingKey {
    let index: Int
    init(_ index: Int) { self.index = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { index = intValue }
    var stringValue: String { "\(index)" }
    var intValue: Int? { index }
}
