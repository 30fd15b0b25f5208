"""``next=`` targets: only our own paths."""

import pytest

from riskreg.auth.safe_redirect import safe_next

UNSAFE = [
    "//evil.example",
    "///evil.example",
    "https:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "http://evil.example/admin/",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "admin/",
    "/\t/evil.example",
    "/\r\nLocation: https://evil.example",
    "",
    None,
]
SAFE = ["/", "/admin/", "/admin/units/3", "/admin/?page=2", "/risks/?period=2024-T1#top"]


@pytest.mark.parametrize("target", UNSAFE)
def test_unsafe_targets_are_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", SAFE)
def test_own_paths_are_kept(target):
    assert safe_next(target) == target
