/// The model of one dashboard template: the values it shows, typed, and the template they fill.
///
/// Property names are the templates' names in camelCase (`nextURL` is `{{next_url}}`); an optional left nil and an
/// empty string are absent to the template (`TemplateValues`), so `{{#name}}` tests whether there is one.
protocol PageView: Encodable {
    /// The template's file name in `web/templates`, without `.mustache`.
    static var template: String { get }
}
