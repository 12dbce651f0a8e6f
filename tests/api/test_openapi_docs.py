"""Every operation in the OpenAPI document says what it does, who may call it, the token
scope it needs, and (where there are any) the errors worth handling."""

from __future__ import annotations

import re
from typing import Any


def _operations(client: Any) -> list[tuple[str, str, dict[str, Any]]]:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    return [(method, path, op) for path, ops in paths.items() for method, op in ops.items()]


def test_every_operation_has_a_summary_and_a_description(client: Any, db: None) -> None:
    operations = _operations(client)
    assert len(operations) >= 24
    for method, path, op in operations:
        where = f"{method.upper()} {path}"
        summary = op.get("summary", "")
        # Ninja's fallback is the handler's name in title case ("List Cases"): not a summary.
        handler = op["operationId"].rsplit("_api_", 1)[-1]
        assert summary, where
        assert summary != handler.replace("_", " ").title(), where
        assert "\n" not in summary, where
        description = op.get("description", "")
        assert "**Who:**" in description, where
        scope = re.search(r"\*\*Scope:\*\* (\w+)", description)
        assert scope, where
        assert scope.group(1) == ("read" if method == "get" else "write"), where


def test_the_api_description_names_the_common_errors(client: Any, db: None) -> None:
    info = client.get("/api/v1/openapi.json").json()["info"]["description"]
    for code in ("unauthenticated", "rate_limited", "validation_error", "insufficient_scope"):
        assert code in info
