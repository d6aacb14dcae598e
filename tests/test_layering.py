"""The house rules, read from the code itself (AST): the domain stays plain, services never import each other,
``shared/`` holds infrastructure and contracts only, and each layer imports only the layers below it.

A failure names the file, the line and the import, so the fix is obvious.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from devstack.config import REPO_ROOT

SERVICES = sorted(p.name for p in (REPO_ROOT / "services").iterdir() if (p / "spec.py").exists())
FRAMEWORKS = {
    "fastapi", "starlette", "pydantic", "pydantic_core", "pydantic_settings", "sqlalchemy", "alembic",
    "asyncpg", "aiokafka", "httpx", "jwt", "uvicorn", "prometheus_client", "openpyxl", "torch",
    "sentence_transformers", "faiss", "jieba", "bm25s",
}  # fmt: skip
# Plain computation the domain may use (the batch assignment is an integer program).
DOMAIN_LIBRARIES = {"numpy", "scipy"}
# The plain shared modules a domain may import: vocabulary, errors, state machines, calendars, commands.
PLAIN_SHARED = {
    "shared.vocabulary", "shared.domain", "shared.statemachine", "shared.regions", "shared.timeutil",
    "shared.scope", "shared.commands", "shared.jobs.lifecycle",
}  # fmt: skip


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports (function-level imports included), absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _top(module: str) -> str:
    return module.split(".")[0]


def _is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _violations(files: list[Path], refuse) -> list[str]:
    out = []
    for path in files:
        for line, module in _imports(path):
            reason = refuse(module)
            if reason:
                out.append(f"{path.relative_to(REPO_ROOT)}:{line} imports {module} — {reason}")
    return out


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_imports_no_framework_and_nothing_outside_its_own_domain(service: str) -> None:
    domain = REPO_ROOT / "services" / service / "domain"

    def refuse(module: str) -> str | None:
        top = _top(module)
        if top in FRAMEWORKS:
            return "a framework in the domain"
        if top == "services":
            return None if _is_under(module, f"services.{service}.domain") else "the domain imports outside itself"
        if top == "shared":
            return None if module in PLAIN_SHARED else "only plain shared modules (vocabulary, errors, state machine…)"
        if top in {"devstack", "tests", "benchmarks"}:
            return "tooling in the domain"
        if top not in sys.stdlib_module_names and top not in DOMAIN_LIBRARIES and top != "__future__":
            return "a third-party library in the domain"
        return None

    assert _violations(_python_files(domain), refuse) == []


def test_the_plain_shared_modules_are_plain_themselves() -> None:
    files = [REPO_ROOT / (name.replace(".", "/") + ".py") for name in PLAIN_SHARED]

    def refuse(module: str) -> str | None:
        top = _top(module)
        if top == "shared":
            return None if module in PLAIN_SHARED else "a plain module imports infrastructure"
        return None if top in sys.stdlib_module_names or top == "__future__" else "a plain module imports a library"

    assert _violations(files, refuse) == []


@pytest.mark.parametrize("service", SERVICES)
def test_services_never_import_each_other(service: str) -> None:
    def refuse(module: str) -> str | None:
        if _top(module) == "services" and not _is_under(module, f"services.{service}"):
            return "services coordinate through events only"
        return None

    assert _violations(_python_files(REPO_ROOT / "services" / service), refuse) == []


def test_shared_imports_neither_devstack_nor_a_service() -> None:
    def refuse(module: str) -> str | None:
        return "shared/ is infrastructure and contracts only" if _top(module) in {"services", "devstack"} else None

    assert _violations(_python_files(REPO_ROOT / "shared"), refuse) == []


@pytest.mark.parametrize("service", SERVICES)
def test_each_layer_imports_only_the_layers_below_it(service: str) -> None:
    root = f"services.{service}"
    below = {  # layer → what it must not import
        "domain": ("service_layer", "adapters", "entrypoints", "schemas", "spec"),
        "adapters": ("service_layer", "entrypoints", "schemas", "spec"),
        "service_layer": ("entrypoints", "schemas", "spec"),
        "entrypoints": ("spec",),
    }
    problems = []
    for layer, forbidden in below.items():
        folder = REPO_ROOT / "services" / service / layer
        if not folder.exists():
            continue

        def refuse(module: str, forbidden=forbidden, layer=layer) -> str | None:
            hit = next((f for f in forbidden if _is_under(module, f"{root}.{f}")), None)
            return f"{layer} must not depend on {hit}" if hit else None

        problems += _violations(_python_files(folder), refuse)
    assert problems == []


def test_the_checks_catch_what_they_guard(tmp_path: Path) -> None:
    """The import walker itself: a function-level framework import is found (so a test above can fail)."""
    sample = tmp_path / "sample.py"
    sample.write_text("import uuid\n\ndef f():\n    from fastapi import Request\n    return Request\n")
    assert _imports(sample) == [(1, "uuid"), (4, "fastapi")]


def test_every_service_is_a_spec_with_its_own_port_and_nothing_copied() -> None:
    """A service is its ServiceSpec (plus settings, tables and migrations): the same three-line entry point,
    a port declared once, the registry the dev stack and the tests use listing every one of them."""
    from devstack.services import SERVICES as REGISTERED

    assert sorted(s.name for s in REGISTERED) == SERVICES
    assert len({s.port for s in REGISTERED}) == len(REGISTERED)
    for spec in REGISTERED:
        main = (spec.directory / "__main__.py").read_text(encoding="utf-8")
        assert main == f"from services.{spec.name}.spec import SPEC\nfrom shared.service_cli import main\n\n" \
            "raise SystemExit(main(SPEC))\n", spec.name  # fmt: skip
        assert spec.settings.model_config.get("env_prefix") == spec.env_prefix
        assert (spec.directory / "migrations" / "env.py").exists()
