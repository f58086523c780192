from __future__ import annotations

import os
from pathlib import Path

import pytest
from browsing import browser, tab  # noqa: F401  (fixtures for the Chromium tests)

from searcher import api

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"

# Outside CI a clone without ../shared still runs every test that does not need the seeds
# (tests/test_examples.py covers the same ground on examples/); CI must never skip them.
NO_SEEDS = "needs the seed reports at ../shared/corpus/seeds; CI always has them"


def pytest_configure(config: pytest.Config) -> None:
    if not SEEDS.is_dir() and os.environ.get("CI"):
        raise pytest.UsageError(f"seed reports not found at {SEEDS}; the tests need ../shared/corpus/seeds (CI is set)")


def pytest_report_header(config: pytest.Config) -> str | None:
    return None if SEEDS.is_dir() else f"seed reports: not found at {SEEDS}; the tests that need them are skipped"


# The fixtures that need ../shared; a test that uses one, directly or through another fixture, needs it.
SEED_FIXTURES = frozenset({"shared_dir", "seeds_dir", "seed_index", "seed_passages"})


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Skipping here rather than in the fixtures folds every skip into one summary line.
    if SEED_FIXTURES & set(getattr(item, "fixturenames", ())):
        require_seeds()


def require_seeds() -> Path:
    """../shared, for tests that use it directly (its tools, the seeds); skips the test when the seeds are missing.

    Every skip comes from this one line, so the summary shows the reason once.
    """
    if not SEEDS.is_dir():
        pytest.skip(NO_SEEDS)
    return SHARED


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder beside the repository (tools and corpus), or a skip."""
    return require_seeds()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    require_seeds()
    return SEEDS


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    """An index of the five seed reports, built once per test session."""
    index_dir = tmp_path_factory.mktemp("seed-index")
    summary = api.index([str(seeds_dir)], index_dir)
    assert summary.files == 5 and not summary.skipped
    return index_dir


@pytest.fixture(scope="session")
def seed_passages(seed_index: Path) -> list[dict]:
    return list(api.open_index(seed_index).all_passages())


@pytest.fixture()
def in_ci() -> bool:
    return bool(os.environ.get("CI"))
