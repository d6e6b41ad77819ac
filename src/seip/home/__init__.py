"""The home page: each role's tasks and next steps (delivery layer, ADR 0050).

It reads from many domain apps, so it lives above them rather than in ``core``, which
every app imports: that kept ``core`` in a cycle with the apps.
"""
