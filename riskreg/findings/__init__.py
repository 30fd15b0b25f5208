"""Findings a board must see, computed in SQL for a unit (and beneath) and a period."""
