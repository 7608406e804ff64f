import Foundation
import LatchkeyCore
import Testing

@Suite struct ProgressLineTests {
    @Test func countRateAndTimeLeft() {
        let line = ProgressLine(job: "refresh", progress: WorkProgress(what: "credentials", done: 1234, total: 10000), elapsed: 3)
        #expect(line.rate == 1234.0 / 3)
        #expect(line.text == "refresh: 1,234 of 10,000 credentials (12%), 411/s, about 22 s left")
    }

    @Test func unknownRateAtTheStart() {
        let line = ProgressLine(job: "keys rotate", progress: WorkProgress(what: "sealed values", done: 0, total: 250), elapsed: 0)
        #expect(line.rate == nil && line.secondsLeft == nil)
        #expect(line.text == "keys rotate: 0 of 250 sealed values (0%)")
        #expect(line.json == #"{"job":"keys rotate","what":"sealed values","done":0,"total":250,"rate_per_second":null,"seconds_left":null}"#)
    }

    @Test func finishedSaysNoTimeLeft() {
        let line = ProgressLine(job: "keys rotate-master", progress: WorkProgress(what: "data keys", done: 3, total: 3), elapsed: 0.5)
        #expect(line.text == "keys rotate-master: 3 of 3 data keys (100%), 6.0/s")
        #expect(line.json == #"{"job":"keys rotate-master","what":"data keys","done":3,"total":3,"rate_per_second":6.0,"seconds_left":0.0}"#)
    }

    @Test func longJobsInMinutesAndHours() {
        let minutes = ProgressLine(job: "refresh", progress: WorkProgress(what: "credentials", done: 100, total: 1600), elapsed: 10)
        #expect(minutes.text.hasSuffix(", 10/s, about 2 min 30 s left"))
        let hours = ProgressLine(job: "refresh", progress: WorkProgress(what: "credentials", done: 10, total: 73010), elapsed: 1)
        #expect(hours.text.hasSuffix("about 2 h 1 min left"))
    }

    @Test func emptyJobIsComplete() {
        let line = ProgressLine(job: "refresh", progress: WorkProgress(what: "credentials", done: 0, total: 0), elapsed: 1)
        #expect(line.text == "refresh: 0 of 0 credentials (100%)")
    }
}
