"""Hooks: how a lower app calls code in a higher one without importing it.

Apps are layered (ADR 0052): an app imports only the apps below it. When a lower app's
service must let a higher app act in the same transaction (the family portal when a
contact's parental responsibility changes, an email when a referral is signed), the lower
app declares a ``Hook`` and calls its handlers; the higher app registers its handler in its
``AppConfig.ready``, as crash-recovery handlers do (``core.recovery.on_interrupted``).
Every app is ready before any request, task or command runs, so no call is missed.
"""

from collections.abc import Iterator


class Hook[H]:
    """The handlers registered for one occasion, called in the order they registered."""

    def __init__(self, occasion: str) -> None:
        self.occasion = occasion
        self._handlers: list[H] = []

    def register(self, handler: H) -> H:
        """Add ``handler`` (once, however often an app's ``ready`` runs); returns it."""
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def __iter__(self) -> Iterator[H]:
        return iter(tuple(self._handlers))

    def __repr__(self) -> str:
        return f"Hook({self.occasion!r}, {len(self._handlers)} handler(s))"
