"""Shared fixtures: paths to ../shared/data (skipped when absent) and the seed release."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
SEED = ROOT / "extractor" / "samples" / "seed_tvto_kermanshah.txt"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return DATA


@pytest.fixture(scope="session")
def seed_record() -> dict:
    from extractor.pipeline import build_record
    from extractor.sources import read_path

    return build_record(read_path(SEED)).to_dict()
