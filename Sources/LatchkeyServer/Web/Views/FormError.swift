/// A form's mistake, shown beside the form it came from: the field it is about and what is wrong.
struct FormError: Encodable {
    let field: String
    let message: String
}
