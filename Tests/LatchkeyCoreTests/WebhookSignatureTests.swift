import Foundation
import LatchkeyCore
import Testing

@Suite struct WebhookSignatureTests {
    @Test func signsTheStandardWebhooksReferenceVector() {
        let signature = WebhookSignature.sign(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: #"{"test": 2432232314}"#,
                                              secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func anotherBodyOrTimestampGivesAnotherSignature() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let reference = WebhookSignature.sign(id: "msg_1", timestamp: 1, body: "{}", secret: secret)
        #expect(WebhookSignature.sign(id: "msg_1", timestamp: 2, body: "{}", secret: secret) != reference)
        #expect(WebhookSignature.sign(id: "msg_1", timestamp: 1, body: "{ }", secret: secret) != reference)
        #expect(WebhookSignature.sign(id: "msg_2", timestamp: 1, body: "{}", secret: secret) != reference)
    }

    @Test func newSecretsAreWhsecOf32RandomBytes() throws {
        let secret = WebhookSignature.makeSecret()
        #expect(secret.hasPrefix("whsec_"))
        let bytes = try #require(Data(base64Encoded: String(secret.dropFirst(6))))
        #expect(bytes.count == 32)
        #expect(WebhookSignature.makeSecret() != secret)
    }

    @Test func aSecretWithoutThePrefixSignsNothing() {
        #expect(WebhookSignature.sign(id: "msg_1", timestamp: 1, body: "{}", secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil)
    }
}
