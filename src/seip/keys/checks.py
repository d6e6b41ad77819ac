"""Where the key store may live in production (P22, ADR 0034).

Shredding destroys a child's key-store secret; it only erases every copy of the database
if no copy of the database carries the key store with it. A key store inside the data
folder, beside the SQLite file or under the media folder would be copied by anyone who
backs up or snapshots that folder, so production refuses to start with one there unless
``SEIP_KEY_STORE_IN_DATA_DIR=true`` says the operator has arranged backups otherwise.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def key_store_problems() -> list[str]:
    """One line per reason the key store is where a plain copy of the data would take it;
    empty outside production or when the operator allowed it explicitly."""
    if not settings.PRODUCTION or settings.KEY_STORE_IN_DATA_DIR_ALLOWED:
        return []
    store = Path(settings.KEY_STORE_DIR).resolve()
    places = {"the data folder (SEIP_DATA_DIR)": Path(settings.DATA_DIR).resolve()}
    places["the media folder"] = Path(settings.MEDIA_ROOT).resolve()
    database = settings.DATABASES["default"]
    if "sqlite" in database["ENGINE"]:
        places["the folder of the SQLite database"] = Path(str(database["NAME"])).resolve().parent
    return [
        f"SEIP_KEY_STORE_DIR ({store}) is inside {name}: a copy of it would carry the "
        "secrets that erasure destroys. Move it to its own volume, left out of backups, or "
        "set SEIP_KEY_STORE_IN_DATA_DIR=true if that is deliberate."
        for name, folder in places.items()
        if _inside(store, folder)
    ]


@checks.register(checks.Tags.security, deploy=True)
def key_store_check(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(problem, id=f"seip.keys.E{number:03d}")
        for number, problem in enumerate(key_store_problems(), start=1)
    ]
