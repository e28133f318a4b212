"""Forms of the sign-in pages: the six-digit code and the password re-entry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class OneTimeCodeForm(forms.Form):
    """The six-digit code an authenticator app shows (spaces forgiven)."""

    code = forms.CharField(
        label=_("Six-digit code"),
        max_length=12,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "class": "form-control font-monospace",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "").replace("-", "")
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("The code is six digits, for example 123 456."))
        return code


class PasswordCheckForm(forms.Form):
    """Re-entering the password before a sensitive change (counted like a failed login)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"class": "form-control", "autocomplete": "current-password"}
        ),
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        checked = authenticate(self.request, username=user.get_username(), password=password)
        if checked is None or checked.pk != user.pk:
            raise forms.ValidationError(_("That is not your password."))
        return password
