"""Chain the events written before the chain existed, in the order they were written (id)."""

from django.db import migrations

from seip.audit.chain import GENESIS, chained

FIELDS = ("id", "at", "actor_id", "action", "object_type", "object_id", "detail")


def chain_existing(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    rows = AuditEvent.objects.order_by("id").values(*FIELDS).iterator(chunk_size=2000)
    batch = []
    seq, last = 0, GENESIS
    for row in chained(rows):
        batch.append(AuditEvent(id=row["id"], seq=row["seq"], prev_hash=row["prev_hash"], hash=row["hash"]))
        seq, last = row["seq"], row["hash"]
        if len(batch) >= 2000:
            AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
    ChainHead.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": last})


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_fields")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
