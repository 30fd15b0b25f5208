"""Reported periods are locked (issue 11): once a period's follow-up is reported to the
board for a unit, the assessments, measure statuses and KPI outcomes of that period in the
unit and its subtree can no longer be changed; a coordinator reopens with a reason.

The rule for editing: **nobody edits a locked period** — not owners, not coordinators.
A coordinator who must correct a reported figure reopens the period first (with a reason,
audited), corrects, and reports (locks) again; so every change to a reported period is
visible in the audit log as reopen → change → relock.

API for other features: ``services.is_locked``, ``services.ensure_open`` (call it in every
write of per-period data), ``services.lock_for_follow_up`` (the control plan's follow-up).
"""
