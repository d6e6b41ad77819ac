from django.apps import AppConfig
from django.core import checks


class AccountsConfig(AppConfig):
    name = "seip.accounts"

    def ready(self) -> None:
        from seip.accounts.checks import trusted_proxies_check

        checks.register(trusted_proxies_check, checks.Tags.security, deploy=True)
