import Hummingbird

/// A set of signed-in dashboard pages, registered behind the dashboard's sign-in.
protocol DashboardPages {
    func register(on group: RouterGroup<AppRequestContext>)
}
