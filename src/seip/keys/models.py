"""One data key per data subject (P14, P22).

The subject is the referral: a signed form scan exists before the student does, and a
student is made 1:1 from their referral, so ``student.referral`` reaches the same key.
"""

from django.db import models


class DataKey(models.Model):
    """A student's AES-256 data key, wrapped; never the key itself.

    ``wrapped`` is the data key sealed (AES-256-GCM) under a key-encryption key derived
    from the master key named by ``master_key_id`` and a random secret kept in the key
    store, outside the database, under ``store_id``. Shredding empties ``wrapped`` and
    destroys that secret, so no copy of this row, in any backup, can be unwrapped again.
    The row stays as a tombstone holding no personal data.
    """

    referral = models.OneToOneField(
        "referrals.Referral",
        # PROTECT: deleting a subject must go through data_key_shred, never silently drop
        # the key row and leave its secret behind in the key store.
        on_delete=models.PROTECT,
        related_name="data_key",
    )
    store_id = models.CharField(
        max_length=32, unique=True, help_text="Random name of this key's secret in the key store."
    )
    wrapped = models.BinaryField(blank=True)
    master_key_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["master_key_id"])]

    def __str__(self) -> str:
        return f"Data key {self.pk}"

    @property
    def is_shredded(self) -> bool:
        return self.shredded_at is not None
