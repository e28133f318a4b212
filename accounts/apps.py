from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import stamp_signed_in

        user_logged_in.connect(stamp_signed_in, dispatch_uid="accounts.stamp_signed_in")
