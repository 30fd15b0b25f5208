"""Helpers of the period-lock tests (today is 2022-T2 in them: the ``t2`` fixture)."""

from __future__ import annotations

from riskreg.domain.periods import Period
from riskreg.locks import services
from riskreg.uow import transaction
from tests.conftest import unit, user

NLL_COORDINATOR = "samordnare@norrbotten.example"  # coordinator on NLL-RS
T1 = Period.parse("2022-T1")
T2 = Period.parse("2022-T2")


def lock(unit_code: str = "NLL-RS", period: Period = T1, by: str = NLL_COORDINATOR,
         note: str | None = "DÅ04 till regionstyrelsen"):
    with transaction():
        return services.lock_period(unit(unit_code), period, user(by), note)


def reopen(unit_code: str = "NLL-RS", period: Period = T1, by: str = NLL_COORDINATOR,
           reason: str | None = "Rättelse av ett felregistrerat värde"):
    with transaction():
        return services.reopen_period(unit(unit_code), period, user(by), reason)
