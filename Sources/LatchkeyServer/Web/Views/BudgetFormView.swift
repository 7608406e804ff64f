/// The budget form of the group page (`{{#budget_form}}`): the limit rows (the entered or saved ones, then blank
/// ones), the cap on calls at once and the expiry.
struct BudgetFormView: Encodable {
    /// One row of the limits table.
    struct LimitRow: Encodable {
        /// A provider the limit can be about ("All providers" has an empty id).
        struct Option: Encodable {
            let id: String
            let name: String
            let selected: Bool
        }

        /// A window the limit can count over.
        struct Period: Encodable {
            let name: String
            let selected: Bool
        }

        let index: Int
        let number: Int
        let calls: String
        /// A blank row, for a new limit.
        let isNew: Bool
        let providers: [Option]
        let periods: [Period]
    }

    let limitRows: [LimitRow]
    let maxRows: Int
    let maxConcurrent: String
    let expiresAt: String
}
