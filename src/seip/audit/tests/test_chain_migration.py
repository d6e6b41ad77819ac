"""Events written before the chain existed are chained in the order they were written."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from seip.audit.models import AuditEvent, ChainHead
from seip.audit.selectors import verify

pytestmark = pytest.mark.promise("P14")


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_chains_existing_events_in_id_order():
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    old = executor.loader.project_state([("audit", "0001_initial")]).apps
    Event = old.get_model("audit", "AuditEvent")
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(5):
        Event.objects.create(action=f"old.{i}", detail={"i": i})
    Event.objects.filter(action="old.0").update(at=base)
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes("audit"))
        actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
        assert actions == [f"old.{i}" for i in range(5)]
        result = verify()
        assert result.ok, result.problems
        assert result.events == 5
        head = ChainHead.objects.get()
        assert head.seq == 5
    finally:
        call_command("migrate", verbosity=0)
