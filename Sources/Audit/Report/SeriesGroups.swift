/// Series of a line chart whose points are all equal, drawn as one line: under example-level DP
/// every client with the same number of examples spends exactly the same ε each round, and ten
/// identical lines on top of each other show one colour and a legend of ten names.
struct SeriesGroup: Equatable {
    /// The legend's name for the group ("clients 0–4", or the one series' own name).
    var label: String
    /// The series drawn by this line, in chart order.
    var members: [String]
    var points: [ChartPoint]

    /// `series` grouped by identical points, each group where its first member stood.
    static func grouping(_ series: [ChartSeries]) -> [SeriesGroup] {
        var groups: [SeriesGroup] = []
        for s in series {
            if let i = groups.firstIndex(where: { $0.points == s.points }) {
                groups[i].members.append(s.name)
            } else {
                groups.append(SeriesGroup(label: s.name, members: [s.name], points: s.points))
            }
        }
        return groups.map { SeriesGroup(label: label($0.members), members: $0.members, points: $0.points) }
    }

    /// `client/0 … client/4` → "clients 0–4"; `client/0, client/1, client/3` → "clients 0–1, 3";
    /// other names are listed.
    static func label(_ names: [String]) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        let clients = names.compactMap { $0.hasPrefix("client/") ? Int($0.dropFirst("client/".count)) : nil }
        guard clients.count == names.count else { return names.joined(separator: ", ") }
        var runs: [String] = []
        var start = clients[0], previous = clients[0]
        for c in clients.dropFirst() + [Int.min] {
            if c == previous + 1 { previous = c; continue }
            runs.append(start == previous ? "\(start)" : "\(start)–\(previous)")
            start = c; previous = c
        }
        return "clients " + runs.joined(separator: ", ")
    }
}
