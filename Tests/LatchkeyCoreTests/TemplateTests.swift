import Testing
@testable import LatchkeyCore

@Suite struct TemplateTests {
    @Test func rendersVariablesAndLiterals() throws {
        let template = try Template("Bearer {{ access_token }}!")
        #expect(template.variables == ["access_token"])
        #expect(try template.render(["access_token": "abc"]) == "Bearer abc!")
    }

    @Test func anUnclosedOrMalformedPlaceholderIsRejected() {
        #expect(throws: TemplateError.self) { try Template("Bearer {{token") }
        #expect(throws: TemplateError.self) { try Template("{{}}") }
        #expect(throws: TemplateError.self) { try Template("{{a-b}}") }
    }

    @Test func aMissingValueNamesTheVariableButNotAnyValue() throws {
        let error = try #require(throws: TemplateError.self) { try Template("{{user}}:{{password}}").render(["user": "u"]) }
        #expect(error.reason.contains("password"))
    }
}
