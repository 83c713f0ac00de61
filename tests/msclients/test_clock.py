"""What takes time, tested by moving the emulator's clock forward (its test hook). Runs after the
other files (tests/real_endpoints passes the files in order): tokens issued before the move are
expired after it."""
from conftest import DELEGATED_SCOPE
from test_msal import auth_code, public


def test_expired_code_is_aadsts70008(emu):
    app = public(emu)
    flow, query = auth_code(emu, app, DELEGATED_SCOPE)
    emu.advance_clock(11 * 60)  # authorization codes live about 10 minutes
    r = app.acquire_token_by_auth_code_flow(flow, query)
    assert r.get("error") == "invalid_grant", r
    assert 70008 in r.get("error_codes", []), r
