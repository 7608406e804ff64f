import Foundation
import LatchkeyCore
import Testing

@Suite struct ValuePathTests {
    static func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) }

    @Test(arguments: [
        ("dc", #"{"dc":"us21","role":"owner"}"#, "us21"),
        ("login.region", #"{"login":{"region":"eu"}}"#, "eu"),
        ("[0].id", #"[{"id":"a-1"},{"id":"b-2"}]"#, "a-1"),
        ("[1].tenantId", #"[{"tenantId":"t1"},{"tenantId":"t2"}]"#, "t2"),
        ("accounts[?is_default].account_id", #"{"accounts":[{"account_id":"x","is_default":false},{"account_id":"y","is_default":true}]}"#, "y"),
        ("accounts[0].base_uri", #"{"accounts":[{"base_uri":"https://na3.docusign.net"}]}"#, "https://na3.docusign.net"),
        ("count", #"{"count":42}"#, "42"),
    ])
    func readsTheValueAtAPath(path: String, document: String, expected: String) throws {
        #expect(try ValuePath(path).text(in: Self.json(document)) == expected)
    }

    @Test(arguments: [
        ("dc", #"{"other":"x"}"#),
        ("[2].id", #"[{"id":"a"}]"#),
        ("[0].id", #"{"id":"a"}"#),
        ("accounts[?is_default].id", #"{"accounts":[{"id":"a","is_default":false}]}"#),
        ("nested", #"{"nested":{"a":1}}"#),
        ("flag", #"{"flag":null}"#),
    ])
    func findsNothingWhereThereIsNoTextValue(path: String, document: String) throws {
        #expect(try ValuePath(path).text(in: Self.json(document)) == nil)
    }

    @Test(arguments: ["", "a..b", "a.", ".a", "[", "[x]", "[-1]", "[1000]", "[?]", "a[0]b", "a b", "[0]]"])
    func refusesMalformedPaths(path: String) {
        #expect(throws: ValuePathError.self) { try ValuePath(path) }
    }

    @Test func aPatternMustMatchTheWholeValue() {
        let dc = ConnectValue(name: "dc", source: .callbackQuery(param: "dc"), pattern: "[a-z]+[0-9]+")
        #expect(dc.accepts("us21"))
        #expect(!dc.accepts("us21.evil.example"))
        #expect(!dc.accepts("evil/us21"))
        let free = ConnectValue(name: "id", source: .callbackQuery(param: "id"))
        #expect(free.accepts("anything-at-all"))
        #expect(!free.accepts(""))
        #expect(!free.accepts("line\r\nInjected: yes"))
    }
}
