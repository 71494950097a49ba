from __future__ import annotations

from django.urls import path

from backend.accounts import views

urlpatterns = [
    path("csrf", views.CsrfView.as_view(), name="auth-csrf"),
    path("login", views.LoginView.as_view(), name="auth-login"),
    path("logout", views.LogoutView.as_view(), name="auth-logout"),
    path("me", views.MeView.as_view(), name="auth-me"),
    path("token", views.TokenView.as_view(), name="auth-token"),
    path("tokens", views.TokenListCreateView.as_view(), name="auth-tokens"),
    path("tokens/<uuid:token_id>", views.TokenDetailView.as_view(), name="auth-token-detail"),
]
