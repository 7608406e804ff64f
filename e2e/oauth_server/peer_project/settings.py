"""Django settings of the Latchkey OAuth test peer (django-oauth-toolkit).

Configured from the environment by run.py:
  PEER_DATA_DIR   directory holding db.sqlite3 and peer_state.json (required)
  PEER_DEBUG      "1" for Django DEBUG (default off; errors are logged to stderr anyway)
  PEER_OIDC_KEY_FILE  an RSA private key (PEM): serve OpenID Connect with it (run.py --oidc); off by default
"""

import os
from pathlib import Path

from peer_project import runtime

HERE = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("PEER_DATA_DIR") or (HERE.parent / ".peer-data"))

SECRET_KEY = "latchkey-e2e-test-peer-not-a-secret"
DEBUG = os.environ.get("PEER_DEBUG") == "1"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "oauth2_provider",
]

MIDDLEWARE = [
    "peer_project.middleware.PeerMiddleware",  # counters, delays, injected errors, write lock
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "peer_project.urls"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],  # ours first: login page and a consent page with stable ids
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "db.sqlite3"),
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# Fast hashers: user passwords and (DOT-hashed) client secrets are checked on every login and
# token request; PBKDF2's default ~1M iterations would serialise a burst of token requests.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = []

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/accounts/profile/"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = True
STATIC_URL = "/static/"

SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"  # no DB writes for sessions
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_SECURE = False

DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 * 1024  # /api/echo takes big bodies
APPEND_SLASH = False

OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read your data", "write": "Write your data"},
    "DEFAULT_SCOPES": ["read", "write"],
    "OAUTH2_VALIDATOR_CLASS": "peer_project.validators.PeerValidator",
    # Runtime-tunable (peer_project.runtime); these are the start values.
    "ACCESS_TOKEN_EXPIRE_SECONDS": 30,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "REFRESH_TOKEN_REUSE_PROTECTION": False,
    "PKCE_REQUIRED": True,  # the validator answers per client (setup's pkce_required)
    # expires_in of every new access token is read at issue time, so /testing/config applies at once
    "EXTRA_SERVER_KWARGS": {"token_expires_in": runtime.token_expires_in},
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 120,
    "REQUEST_APPROVAL_PROMPT": "force",  # always show the consent page
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    # RFC 9700 gates: reject PKCE "plain" (S256 only) and access tokens in the query string.
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
}

# OpenID Connect, only when run.py --oidc gave a signing key: the issuer is http://127.0.0.1:P/o (discovery under the
# same prefix as DOT's other endpoints); id_tokens carry the claims set per user with /testing/setup.
_OIDC_KEY_FILE = os.environ.get("PEER_OIDC_KEY_FILE")
if _OIDC_KEY_FILE:
    OAUTH2_PROVIDER["OIDC_ENABLED"] = True
    OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] = Path(_OIDC_KEY_FILE).read_text()
    OAUTH2_PROVIDER["SCOPES"] = {
        **OAUTH2_PROVIDER["SCOPES"],
        "openid": "OpenID Connect",
        "email": "Your email address",
        "profile": "Your profile",
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "peer": {"level": "INFO"},
        "django.request": {"level": "ERROR"},
        "oauth2_provider": {"level": "WARNING"},
        "waitress": {"level": "INFO"},
    },
}
