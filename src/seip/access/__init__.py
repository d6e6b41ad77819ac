"""The access layer: the privacy predicates, each written once (issue 21, ADR 0050).

Every selector, service and permission that decides who may see or receive a student's
information builds its query from these expressions, and every refusal that explains a
"no" is computed from the same expressions (``seip.access.sharing.refusal``), so the SQL
and the explanation cannot disagree. The layer sits just above the models it names and
below every selector: it imports models only (an import-linter contract checks it).
"""
