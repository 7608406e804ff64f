"""Latchkey e2e: a real OAuth 2.0 authorization server (django-oauth-toolkit) as a test peer.

See README.md; the test-facing API is oauth_server.peer.
"""
