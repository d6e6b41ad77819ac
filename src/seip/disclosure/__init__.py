"""The disclosure-control engine: tables, suppression with an LP audit (ADR 0021).

Pure code with no database and no Django app, low in the layers, so that any app that
shows a count (the outcome reports, the Fair Access fairness table) protects it the same
way without importing the reports app.
"""
