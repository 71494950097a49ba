"""Sign-in for the SPA (session + CSRF) and personal API tokens for scripts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from backend.accounts import services
from backend.accounts.models import User
from backend.accounts.serializers import (
    ApiTokenSerializer,
    LoginSerializer,
    LoginTokenSerializer,
    MeSerializer,
    TokenCreateSerializer,
    TokenSerializer,
)
from backend.accounts.throttles import SignInLockout, SignInRateThrottle


def _token_body(token: Any, key: str) -> dict[str, Any]:
    token.token = key
    return dict(TokenSerializer(token).data)


class SignInView(APIView):
    """Sign-in endpoints: throttled per IP, locked per IP and user name after failures."""

    permission_classes = [AllowAny]
    throttle_classes: list[type[BaseThrottle]] = [SignInRateThrottle, SignInLockout]

    def sign_in(self, request: Request, data: dict[str, Any]) -> User:
        return services.user_sign_in(
            request=request._request,
            ip=SignInRateThrottle().get_ident(request),
            username=data["username"],
            password=data["password"],
        )


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CsrfView(APIView):
    """Sets the `csrftoken` cookie the SPA echoes in `X-CSRFToken` on unsafe requests."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes: list[type[BaseThrottle]] = []

    @extend_schema(responses={204: None}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(status=status.HTTP_204_NO_CONTENT)


# DRF only checks CSRF for already-authenticated sessions; a login form needs it too (login CSRF).
@method_decorator(csrf_protect, name="dispatch")
class LoginView(SignInView):
    @extend_schema(request=LoginSerializer, responses={200: MeSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = self.sign_in(request, serializer.validated_data)
        login(request._request, user)
        return Response(MeSerializer(user).data)


class LogoutView(APIView):
    permission_classes = [AllowAny]
    throttle_classes: list[type[BaseThrottle]] = []

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer}, tags=["auth"])
    def get(self, request: Request) -> Response:
        assert isinstance(request.user, User)
        return Response(MeSerializer(request.user).data)


class TokenView(SignInView):
    """Exchange a username and password for a new personal API token
    (`Authorization: Token <key>`); list and revoke it under /api/auth/tokens."""

    authentication_classes: list[type] = []

    @extend_schema(request=LoginTokenSerializer, responses={200: TokenSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        serializer = LoginTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = self.sign_in(request, data)
        token, key = services.api_token_create(
            user=user, name=data["name"], expires_at=data["expires_at"]
        )
        return Response(_token_body(token, key))


class TokenListCreateView(APIView):
    """The signed-in user's own API tokens (keys are never listed, only their prefix)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ApiTokenSerializer(many=True)}, tags=["auth"])
    def get(self, request: Request) -> Response:
        assert isinstance(request.user, User)
        tokens = services.api_tokens_of(user=request.user)
        return Response(ApiTokenSerializer(tokens, many=True).data)

    @extend_schema(request=TokenCreateSerializer, responses={201: TokenSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, User)
        serializer = TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = services.api_token_create(
            user=request.user,
            name=serializer.validated_data["name"],
            expires_at=serializer.validated_data["expires_at"],
        )
        return Response(_token_body(token, key), status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None}, tags=["auth"])
    def delete(self, request: Request, token_id: str) -> Response:
        assert isinstance(request.user, User)
        services.api_token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
