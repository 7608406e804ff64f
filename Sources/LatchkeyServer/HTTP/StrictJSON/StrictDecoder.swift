import Foundation
import LatchkeyCore

/// Decodes a typed input from a parsed JSON body, strictly: an object key the type does not declare is refused
/// where its object is opened (before any of its values is read), numbers are not strings nor strings numbers,
/// and every error is a `validationFailed` naming the field's path (`policy.paths[0]`). Messages name fields and
/// types only, never a value, so a secret sent in the wrong place is not echoed back.
struct StrictDecoder: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ value: JSONValue, codingPath: [any CodingKey] = []) {
        self.value = value
        self.codingPath = codingPath
    }

    /// Decodes `T` from a whole body.
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try T(from: StrictDecoder(value))
    }

    /// The field this decoder reads, as errors name it.
    var field: String { FieldPath.text(codingPath) }

    /// A `validationFailed` error for this field.
    func failure(_ message: String) -> LatchkeyError {
        .validationFailed(field: field, message: "'\(field)' \(message)")
    }

    /// A `null` where a value is needed counts as the value missing.
    func refuseNull() throws {
        if case .null = value { throw failure("is required") }
    }

    // MARK: Decoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try refuseNull()
        guard case .object(let object) = value else { throw failure("must be an object") }
        for key in object.keys.sorted() where Key(stringValue: key) == nil {
            let path = FieldPath.text(codingPath + [NameKey(key)])
            let place = codingPath.isEmpty ? "here" : "in \(field)"
            let accepted = StrictKeyedContainer<Key>.acceptedNames.map { "; accepted: \($0.joined(separator: ", "))" } ?? ""
            throw LatchkeyError.validationFailed(field: path, message: "'\(key)' is not accepted \(place)\(accepted)")
        }
        return KeyedDecodingContainer(StrictKeyedContainer<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try refuseNull()
        guard case .array(let items) = value else { throw failure("must be a list") }
        return StrictUnkeyedContainer(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    // MARK: SingleValueDecodingContainer

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        try refuseNull()
        guard case .bool(let flag) = value else { throw failure("must be true or false") }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        try refuseNull()
        guard case .string(let text) = value else { throw failure("must be a string") }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        try refuseNull()
        guard case .number(let number) = value, number.isFinite else { throw failure("must be a number") }
        return number
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    /// A whole JSON number within ±10^15 (exact in a double) that fits `T`.
    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        try refuseNull()
        guard case .number(let number) = value, number.rounded() == number, abs(number) < 1e15, let result = T(exactly: number) else {
            throw failure("must be a whole number")
        }
        return result
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }
}
