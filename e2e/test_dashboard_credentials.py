"""The Credentials tab (SPEC §4.4, docs/dashboard-views.md `credentials`, `credential_choose`,
`credential_form`, `credential_delete`): forms generated from the provider's schema for an `api_key`
provider (the catalog's `openai`) and a `basic` one (`twilio-local`: the catalog's `twilio` schema via
`extends`, with a loopback base_url so a proxied call shows which secret arrives upstream)."""

from __future__ import annotations

import base64
import secrets

from browser import signed_in
from harness import describe_response, find_leaks

TWILIO = "twilio-local"


def twilio_local(upstream_port: int) -> str:
    return f"extends: twilio\nname: Twilio (loopback)\nproxy:\n  base_url: http://127.0.0.1:{upstream_port}/base/v1\n"


def basic_of(rec) -> tuple[str, str]:
    value = rec.header("Authorization") or ""
    assert value.startswith("Basic "), f"upstream got no basic auth: {rec.describe()}"
    user, _, password = base64.b64decode(value[6:]).decode().partition(":")
    return user, password


def choose_provider(b, query: str, provider: str, step: str):
    """/credentials -> New credential -> search (the GET form, submitted as a browser without JS would) -> pick."""
    b.go("/credentials", f"{step}-list")
    b.click("#new-credential", f"{step}-choose")
    assert b.path == "/credentials/new" and b.exists("form#provider-search"), b.describe()
    b.fill("form#provider-search", {"q": query})
    b._navigate(lambda: b.js("arguments[0].submit()", b.find("form#provider-search")), f"{step}-search")
    assert b.path == "/credentials/new" and b.query.get("q") == [query], b.describe()
    ids = [a.get_attribute("data-provider") for a in b.finds("a.choose-provider")]
    assert provider in ids, f"{provider} not offered for q={query!r}: {ids}"
    b.click(f'a.choose-provider[data-provider="{provider}"]', f"{step}-form")
    assert b.path == "/credentials/new" and b.query.get("provider") == [provider], b.describe()
    return ids


def form_field_names(b) -> set[str]:
    return {el.get_attribute("name") for el in b.finds('form#credential-form [name^="field."]')}


def test_api_key_and_basic_credentials_created_through_schema_forms_are_listed_with_secrets_masked(
    env, dashboard_factory, browser_factory
):
    lk = dashboard_factory(extra_providers={TWILIO: twilio_local(env.upstream.port)})
    admin = lk.admin
    openai_key = "sk-proj-" + secrets.token_hex(20)
    sid, auth_token = "AC" + secrets.token_hex(16), secrets.token_hex(16)
    b = signed_in(browser_factory, lk)

    # --- api_key: OpenAI --------------------------------------------------------------------
    ids = choose_provider(b, "openai", "openai", "openai")
    assert "twilio" not in ids, f"the search should narrow the list: {ids}"
    schema = admin.get("/api/v1/providers/openai").json()
    assert form_field_names(b) == {"field." + f["name"] for f in schema["fields"]}, (
        f"the form must be generated from the schema {schema['fields']}"
    )
    form = b.find("form#credential-form")
    assert (form.get_attribute("method") or "").lower() == "post"
    key_input = b.find("#field-api_key")
    assert key_input.get_attribute("name") == "field.api_key"
    assert key_input.get_attribute("type") == "password" and key_input.get_attribute("autocomplete") == "off"
    assert b.find('label[for="field-api_key"]').text.strip(), "every input has a label"
    assert b.find("#credential-submit").text.strip() == "Create credential"

    # A value failing the provider's pattern (browser validation off) is refused beside the field and not echoed.
    bad_key = "not-a-key-" + secrets.token_hex(12)
    b.js("arguments[0].noValidate = true", form)
    b.submit(
        "form#credential-form",
        "#credential-submit",
        "openai-invalid",
        {"name": "OpenAI work", "field.api_key": bad_key},
    )
    assert b.status() == 400, b.describe()
    assert b.exists("#error-api_key") and b.find("#field-api_key").get_attribute("aria-invalid") == "true", b.describe()
    assert bad_key not in b.html and not b.find("#field-api_key").get_property("value"), (
        "a refused secret is not echoed"
    )
    assert b.find('form#credential-form input[name="name"]').get_attribute("value") == "OpenAI work", "name kept"
    assert admin.credentials() == [], "nothing stored on a validation error"

    b.submit("form#credential-form", "#credential-submit", "openai-created", {"field.api_key": openai_key})
    assert b.path == "/credentials", b.describe()
    assert "Credential saved" in b.notice(), b.describe()

    # --- basic: Twilio (loopback) --------------------------------------------------------------
    choose_provider(b, "twilio", TWILIO, "twilio")
    schema = admin.get(f"/api/v1/providers/{TWILIO}").json()
    assert form_field_names(b) == {"field." + f["name"] for f in schema["fields"]}, schema["fields"]
    assert b.find("#field-account_sid").get_attribute("type") == "text"
    assert b.find("#field-auth_token").get_attribute("type") == "password"
    b.submit(
        "form#credential-form",
        "#credential-submit",
        "twilio-created",
        {"name": "Twilio main", "field.account_sid": sid, "field.auth_token": auth_token},
    )
    assert b.path == "/credentials" and "Credential saved" in b.notice(), b.describe()

    # --- both listed, active, secrets masked ---------------------------------------------------------
    creds = {c["name"]: c for c in admin.credentials()}
    assert set(creds) == {"OpenAI work", "Twilio main"}, creds
    openai_id, twilio_id = creds["OpenAI work"]["id"], creds["Twilio main"]["id"]
    assert creds["OpenAI work"]["provider"] == "openai" and creds["Twilio main"]["provider"] == TWILIO, creds
    assert creds["OpenAI work"]["fields"]["api_key"] == "********", creds
    assert creds["Twilio main"]["fields"]["auth_token"] == "********", creds
    rows = b.credential_rows()
    assert set(rows) == {openai_id, twilio_id}, f"rows {list(rows)}: {b.describe()}"
    assert b.credential_status(openai_id) == "active" and b.credential_status(twilio_id) == "active"
    assert "OpenAI work" in rows[openai_id].text and "Twilio main" in rows[twilio_id].text
    raw = b.requests_session().get(lk.url("/credentials"), timeout=30)
    assert raw.status_code == 200
    leaks = find_leaks(
        {"/credentials (DOM)": b.html.encode(), "/credentials (raw)": raw.content},
        {"openai api_key": openai_key, "twilio auth_token": auth_token},
    )
    assert not leaks, leaks

    # What the form stored is what arrives upstream.
    agent = admin.agent_for({TWILIO: creds["Twilio main"]})
    env.upstream.clear()
    r = agent.get(TWILIO, "2010-04-01/Accounts.json")
    assert r.status_code == 200, describe_response(r)
    [rec] = env.upstream.wait_for(1)
    assert basic_of(rec) == (sid, auth_token)


def test_editing_with_the_secret_left_blank_keeps_it_and_deleting_asks_for_confirmation(
    env, dashboard_factory, browser_factory
):
    lk = dashboard_factory(extra_providers={TWILIO: twilio_local(env.upstream.port)})
    admin = lk.admin
    sid, sid2, auth_token = "AC" + secrets.token_hex(16), "AC" + secrets.token_hex(16), secrets.token_hex(16)
    twilio = admin.create_credential(TWILIO, {"account_sid": sid, "auth_token": auth_token}, name="Twilio main")
    openai = admin.create_credential("openai", {"api_key": "sk-proj-" + secrets.token_hex(20)}, name="OpenAI work")
    twilio_id, openai_id = twilio["id"], openai["id"]
    agent = admin.agent_for({TWILIO: twilio})
    b = signed_in(browser_factory, lk)
    b.go("/credentials", "list")
    rows = b.credential_rows()
    assert set(rows) == {twilio_id, openai_id}, b.describe()

    # --- edit: a new non-secret value and a new name, the secret left blank ------------------------------
    b.click("a.edit", "twilio-edit", within=rows[twilio_id])
    assert b.path == f"/credentials/{twilio_id}/edit", b.describe()
    assert b.find('form#credential-form input[name="name"]').get_attribute("value") == "Twilio main"
    assert b.find("#field-account_sid").get_attribute("value") == sid, "a non-secret value is shown for editing"
    token_input = b.find("#field-auth_token")
    assert token_input.get_attribute("type") == "password" and not token_input.get_property("value")
    assert "Leave blank to keep" in (token_input.get_attribute("placeholder") or ""), token_input.get_attribute(
        "outerHTML"
    )
    assert token_input.get_attribute("required") is None, "a blank secret must be allowed on edit"
    assert b.find("#credential-submit").text.strip() == "Save"
    assert not find_leaks({"edit form": b.html.encode()}, {"twilio auth_token": auth_token})
    b.submit(
        "form#credential-form",
        "#credential-submit",
        "twilio-updated",
        {"name": "Twilio renamed", "field.account_sid": sid2, "field.auth_token": ""},
    )
    assert b.path == "/credentials" and "updated" in b.notice().lower(), b.describe()
    assert "Twilio renamed" in b.credential_rows()[twilio_id].text

    env.upstream.clear()
    r = agent.get(TWILIO, "2010-04-01/Accounts.json")
    assert r.status_code == 200, describe_response(r)
    [rec] = env.upstream.wait_for(1)
    assert basic_of(rec) == (sid2, auth_token), "a blank secret on edit must keep the stored one"
    stored = admin.get(f"/api/v1/credentials/{twilio_id}").json()
    assert stored["name"] == "Twilio renamed" and stored["fields"]["auth_token"] == "********", stored

    # --- delete, with confirmation -------------------------------------------------------------------
    b.click("a.delete", "openai-delete", within=b.credential_rows()[openai_id])
    assert b.path == f"/credentials/{openai_id}/delete" and b.exists("form#delete-form"), b.describe()
    assert "OpenAI work" in b.find("main").text
    assert admin.get(f"/api/v1/credentials/{openai_id}").status_code == 200, "nothing deleted before confirming"
    b.click("#confirm-delete", "openai-deleted", within=b.find("form#delete-form"))
    assert b.path == "/credentials" and "deleted" in b.notice().lower(), b.describe()
    assert set(b.credential_rows()) == {twilio_id}
    assert admin.get(f"/api/v1/credentials/{openai_id}").status_code == 404
    assert [c["id"] for c in admin.credentials()] == [twilio_id]
