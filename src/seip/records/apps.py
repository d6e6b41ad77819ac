from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "seip.records"

    def ready(self) -> None:
        # The encrypted columns, so that ``seip keys rebind`` can re-seal old rows (P14).
        from seip.keys.crypto import register_sealed
        from seip.records.models import CaseNote, NoteAttachment, SafeguardingConcern
        from seip.records.services import (
            ATTACHMENT_NAME,
            CONCERN_ACTIONS,
            CONCERN_DETAILS,
            NOTE_TEXT,
        )

        register_sealed(
            CaseNote, subject="student__referral_id", columns={"text_encrypted": NOTE_TEXT}
        )
        register_sealed(
            NoteAttachment,
            subject="note__student__referral_id",
            columns={"name_encrypted": ATTACHMENT_NAME},
        )
        register_sealed(
            SafeguardingConcern,
            subject="student__referral_id",
            columns={"details_encrypted": CONCERN_DETAILS, "actions_encrypted": CONCERN_ACTIONS},
        )
