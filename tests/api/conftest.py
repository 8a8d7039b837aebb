from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from nlp_coder.settings import Settings


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings())) as test_client:
        yield test_client
