"""The Latchkey end-to-end test kit, one module per job:

* http1      - HTTP/1.1 message parsing and building
* net        - loopback ports
* peers      - fake peers: RecordingUpstream, Sink, Blackhole
* rawclient  - raw_exchange: exact bytes out, one response parsed back
* clients    - Api (management), Agent (proxy), a signed-in dashboard session
* server     - Latchkey: one `latchkey serve` process, its CLI and files
* providers  - the test providers (YAML fixtures under e2e/fixtures/providers)
* assertions - describe_response, error_of, expect_error
* leaks      - secret_encodings, find_leaks
* waiting    - wait_until: wait for the outcome itself
"""
