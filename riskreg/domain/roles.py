"""The roles of the register. Each is held on a unit and reaches its whole subtree."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    OWNER = "owner"
    BOARD = "board"
