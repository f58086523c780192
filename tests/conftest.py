from __future__ import annotations

import os
from pathlib import Path

import pytest

from searcher import api

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"


def pytest_configure(config: pytest.Config) -> None:
    if not SEEDS.is_dir():
        raise pytest.UsageError(f"seed reports not found at {SEEDS}; the tests need ../shared/corpus/seeds")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the five seed reports, built once per test session."""
    index_dir = tmp_path_factory.mktemp("seed-index")
    summary = api.index([str(SEEDS)], index_dir)
    assert summary.files == 5 and not summary.skipped
    return index_dir


@pytest.fixture(scope="session")
def seed_passages(seed_index: Path) -> list[dict]:
    return list(api.open_index(seed_index).all_passages())


@pytest.fixture()
def in_ci() -> bool:
    return bool(os.environ.get("CI"))
