"""Optional two-step sign-in: a TOTP authenticator app (django-otp) per account.

An account with a confirmed device signs in with its password *and* a six-digit
code; `accounts.middleware.SecondFactorMiddleware` signs out any session of such
an account that has not passed the code step, whatever page it asks for.
"""

from __future__ import annotations

import base64
import io

import segno
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from surveys.audit import audit

DEVICE_NAME = "Authenticator app"


def two_factor_enabled(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user_has_device(user)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed device being set up (the same one until confirmed, so the QR stays)."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, code: str) -> bool:
    """Turn two-step sign-in on if `code` is the app's current code; False otherwise."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token(code.strip().replace(" ", "")):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    audit(device.user, "account.two_factor_on", device.user)
    return True


@transaction.atomic
def two_factor_disable(*, user: User, by: object) -> None:
    """Remove every device: the account signs in with its password alone again."""
    TOTPDevice.objects.filter(user=user).delete()
    audit(by, "account.two_factor_off", user)


def secret_for_display(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code in a data: URI (no script, no other server)."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=5, border=4, xmldecl=False, svgns=True, title=None
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
