"""Property-based requests generated from the app's own OpenAPI schema: never a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from api.main import create_app
from nlp_coder.settings import Settings
from nlp_coder.suggest import get_suggester

app = create_app(Settings())
app.state.suggester = get_suggester()  # the lifespan's job, done once for the generated calls
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call()
    assert response.status_code < 500, response.text[:200]
