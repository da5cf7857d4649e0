"""The layer contracts (pyproject.toml, [tool.importlinter]) hold, and really fail when broken.

The second test copies the package to a temporary directory, adds modules that break each
contract on purpose, and runs the same ``lint-imports`` that ``make lint`` runs: every
contract must then be reported BROKEN and the command must exit non-zero.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")

# One deliberate violation per contract: (module path, its source, contract names it breaks).
VIOLATIONS = {
    "storefront/payments/zz_violation.py": "import storefront.checkout.flow\n",
    "storefront/orders/zz_violation.py": "from storefront.checkout import refunds\n",
    "storefront/quotes/zz_violation.py": "from storefront.web import catalog\n",
    "storefront/compliance/zz_violation.py": "import sqlalchemy\nimport storefront.catalog.models\n",
}
CONTRACTS = [
    "web and api are adapters above the domains",
    "no domain imports web or api",
    "payments never imports checkout",
    "orders never imports checkout",
    "compliance is pure (no database, Flask or catalogue)",
]


def _lint(project: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run([LINT_IMPORTS, "--no-cache", str(project / "pyproject.toml")],
                          cwd=project, env=env, capture_output=True, text=True, timeout=120)


def _copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "storefront", project / "storefront",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    return project


def test_contracts_are_kept(tmp_path):
    result = _lint(_copy_project(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    report = " ".join(result.stdout.split())
    for name in CONTRACTS:
        assert f"{name} KEPT" in report, name


def test_a_broken_contract_fails(tmp_path):
    project = _copy_project(tmp_path)
    for rel, source in VIOLATIONS.items():
        (project / rel).write_text(source, encoding="utf-8")
    result = _lint(project)
    assert result.returncode != 0, result.stdout
    report = " ".join(result.stdout.split())
    for name in CONTRACTS:
        assert f"{name} BROKEN" in report, f"{name!r} not reported broken:\n{result.stdout}"
    # The report names the offending imports, so the failure says what to fix.
    assert "storefront.payments.zz_violation -> storefront.checkout.flow" in result.stdout
