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


@pytest.fixture(scope="session")
def osmem_seeded(tmp_path_factory: pytest.TempPathFactory):
    """An osmem-server whose base holds the contract records (tests/backend_fixtures.py) under the
    "contract" index prefix; tests write to clones of it (``server.clone()``, milliseconds each)."""
    from osmem_server import OsmemServer

    from indexer.elastic import ElasticBackend
    from tests.backend_fixtures import SEEDED_PREFIX, records

    server = OsmemServer.start(freeze=False, japanese=False)  # listens on 127.0.0.1
    try:
        with ElasticBackend(server.url, index_prefix=SEEDED_PREFIX,
                            spool_path=tmp_path_factory.mktemp("spool") / "spool.jsonl") as backend:
            backend.upsert_many(records())
        yield server
    finally:
        server.close()
