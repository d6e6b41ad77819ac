from django.apps import AppConfig


class StudentsConfig(AppConfig):
    name = "seip.students"

    def ready(self) -> None:
        from seip.referrals.services import referral_withdrawn
        from seip.students.services import case_close_on_withdrawal

        # Withdrawing the whole referral closes the case, in the same transaction (P07).
        referral_withdrawn.register(case_close_on_withdrawal)
