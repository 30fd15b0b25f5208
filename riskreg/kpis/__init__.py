"""The plan structure (perspective → goal → success factor → KPI), KPI outcomes per unit
and period with goal fulfilment and trend, KPIs linked to risks, and finding 4."""
