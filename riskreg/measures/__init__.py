"""Measures (åtgärder): linked to risks, followed up per tertial (issue 10)."""
