/// A coding path as error messages and the `field` of an error name it: `policy.approve[0].paths[1]`, `fields.api_key`.
enum FieldPath {
    static func text(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key as? ListIndexKey {
                text += "[\(index.index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }
}
