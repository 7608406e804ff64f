import Testing
@testable import LatchkeyCore

@Suite struct FieldValidatorTests {
    let weather: Provider

    init() throws {
        let catalog = try CatalogLoader.load([CatalogSource(directory: Fixtures.directory("catalog-valid"), strict: true)])
        weather = try #require(catalog.provider("weather"))
    }

    func failure(_ fields: [String: String], partial: Bool = false) -> LatchkeyError? {
        do { try FieldValidator.validate(fields, for: weather, partial: partial); return nil } catch { return error }
    }

    @Test func anUndeclaredFieldIsNamed() {
        guard case .validationFailed(let field, _)? = failure(["api_key": "0123abcd", "nope": "x"]) else { Issue.record("accepted"); return }
        #expect(field == "fields.nope")
    }

    @Test func aMissingRequiredFieldIsNamedUnlessTheUpdateIsPartial() {
        guard case .validationFailed(let field, _)? = failure([:]) else { Issue.record("accepted"); return }
        #expect(field == "fields.api_key")
        #expect(failure([:], partial: true) == nil)
    }

    @Test func aPatternMismatchIsNamedWithoutEchoingTheValue() {
        guard case .validationFailed(let field, let message)? = failure(["api_key": "SECRET-NOT-HEX"]) else { Issue.record("accepted"); return }
        #expect(field == "fields.api_key")
        #expect(!message.contains("SECRET-NOT-HEX"))
    }

    @Test func controlCharactersAreRefused() {
        #expect(failure(["api_key": "0123abc\n"]) != nil)
    }
}
