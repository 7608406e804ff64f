/// The group page's chart of calls per day (`{{#chart}}`): the geometry of an inline SVG of stacked bars (computed
/// by `UsageChart`), its legend, and the same figures as a table. Coordinates are text with at most one decimal.
struct UsageChartView: Encodable {
    /// One provider's calls on one day: a piece of that day's stack.
    struct Bar: Encodable {
        let x: String
        let y: String
        let width: String
        let height: String
        /// The fill (`series-N` in style.css).
        let series: Int
        let day: String
        let provider: String
        let calls: Int
        let label: String
    }

    /// A day under the axis.
    struct DayLabel: Encodable {
        let x: String
        let y: String
        let text: String
    }

    /// A grid line with its value.
    struct Tick: Encodable {
        let y: String
        let textY: String
        let value: Int
    }

    /// A provider's fill in the legend.
    struct Legend: Encodable {
        let series: Int
        let provider: String
        let name: String
    }

    /// A provider as a column of the table.
    struct Column: Encodable {
        let provider: String
        let name: String
    }

    /// A day of the table with calls.
    struct DayRow: Encodable {
        /// One provider's calls that day.
        struct Cell: Encodable {
            let provider: String
            let calls: Int
        }

        let day: String
        let cells: [Cell]
    }

    let width: String
    let height: String
    let viewBox: String
    let axisX1: String
    let axisX2: String
    let axisY: String
    let tickX: String
    let bars: [Bar]
    let labels: [DayLabel]
    let ticks: [Tick]
    let total: Int
    let description: String
    let legend: [Legend]
    let providers: [Column]
    let chartRows: [DayRow]
    let chartEmpty: Bool
}
