from django.contrib.auth import views as auth_views
from django.urls import include, path
from oauth2_provider import urls as dot_urls

from peer_project import views

urlpatterns = [
    # DOT: /o/authorize/, /o/token/, /o/revoke_token/, /o/introspect/, ...; with --oidc also
    # /o/.well-known/openid-configuration, /o/.well-known/jwks.json, /o/userinfo/ (404 otherwise)
    path(
        "o/",
        include(
            (dot_urls.base_urlpatterns + dot_urls.oidc_urlpatterns, "oauth2_provider"), namespace="oauth2_provider"
        ),
    ),
    # RFC 8414 metadata at the root: issuer = http://127.0.0.1:P
    path("", include((dot_urls.metadata_urlpatterns, "oauth2_metadata"), namespace="oauth2_metadata")),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", views.profile),
    path("api/me", views.me),
    path("api/echo", views.echo),
    path("testing/setup", views.setup),
    path("testing/config", views.config),
    path("testing/stats", views.stats),
    path("testing/stats/reset", views.stats_reset),
    path("testing/log", views.request_log),
    path("testing/revoke-grant", views.revoke_grant),
    path("testing/expire-access-tokens", views.expire_access_tokens),
    path("testing/tokens", views.tokens),
    path("testing/health", views.health),
]
