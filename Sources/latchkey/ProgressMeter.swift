import Foundation
import LatchkeyCore
import Synchronization

/// Shows a long job's progress on standard error, so standard output stays only the result: on a terminal one line
/// rewritten in place (count, rate, time left); otherwise, for logs, a plain line every 10 s, or a JSON object with
/// `--json`. Jobs that end within 10 s write nothing off a terminal.
final class ProgressMeter: Sendable {
    enum Style: Sendable { case terminal, lines, json }

    let job: String
    let style: Style
    private let state = Mutex(State())

    private struct State {
        var started: ContinuousClock.Instant?
        var shown: ContinuousClock.Instant?
        var last: WorkProgress?
        var drawn = false
    }

    /// A meter for `job`; JSON lines with `json`, a live line when standard error is a terminal.
    init(job: String, json: Bool) {
        self.job = job
        style = json ? .json : (isatty(STDERR_FILENO) == 1 ? .terminal : .lines)
    }

    /// What the job calls with its progress.
    var report: ProgressReport { { [self] progress in update(progress) } }

    private var interval: Duration { style == .terminal ? .milliseconds(100) : .seconds(10) }

    func update(_ progress: WorkProgress) {
        let now = ContinuousClock.now
        let output: String? = state.withLock { state in
            let started = state.started ?? now
            state.started = started
            state.last = progress
            let due = style == .terminal ? (state.shown.map { now - $0 >= interval } ?? true) : now - (state.shown ?? started) >= interval
            guard due else { return nil }
            state.shown = now
            state.drawn = true
            return render(progress, elapsed: now - started)
        }
        if let output { write(output) }
    }

    /// Draws the final count on a terminal and ends the line; off a terminal the job's result says the rest.
    func finish() {
        let now = ContinuousClock.now
        let output: String? = state.withLock { state in
            guard style == .terminal, let last = state.last, let started = state.started else { return nil }
            return render(last, elapsed: now - started) + "\n"
        }
        if let output { write(output) }
    }

    private func render(_ progress: WorkProgress, elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let line = ProgressLine(job: job, progress: progress, elapsed: seconds)
        switch style {
        case .terminal: return "\r\u{1B}[K" + line.text
        case .lines: return line.text + "\n"
        case .json: return line.json + "\n"
        }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
