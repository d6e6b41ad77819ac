"""Background tasks for access bundles (Django's task framework; ``seip worker``)."""

from django.tasks import task

from seip.bundles.services import bundle_prepare_now


@task()
def bundle_prepare_execute(bundle_id: int, actor_id: int) -> None:
    """Prepare one queued bundle. Returns nothing: the bundle is kept on its request."""
    bundle_prepare_now(bundle_id, actor_id)
