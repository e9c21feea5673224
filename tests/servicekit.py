"""Helpers for the service tests: settings, a client with one user per role, request bodies."""

from __future__ import annotations

from dataclasses import dataclass, field

PASSWORD = "a-long-test-passphrase"
ROLE_USERS = {
    "screener": ["screener"],
    "screener2": ["screener"],
    "manager": ["manager"],
    "qa": ["qa"],
    "data_scientist": ["data_scientist"],
    "admin": ["admin"],
}


def make_settings(database_url: str, **overrides):
    from service.settings import ServiceSettings

    values = {"database_url": database_url, "threshold_admin_password": "admin-passphrase-1",
              "threshold_embeddings": False, "threshold_champion": False}
    values.update(overrides)
    return ServiceSettings(**values)


@dataclass
class Api:
    """A TestClient with one signed-in user per role."""

    client: object
    app: object
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str, **extra) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}

    def get(self, path, who=None, **kwargs):
        return self.client.get(path, headers=self.headers(who) if who else {}, **kwargs)

    def post(self, path, who=None, json=None, headers=None, **kwargs):
        merged = {**(self.headers(who) if who else {}), **(headers or {})}
        return self.client.post(path, json=json, headers=merged, **kwargs)

    @property
    def ctx(self):
        return self.app.state.ctx

    def count(self, table) -> int:
        from sqlalchemy import func, select

        with self.ctx.sessions() as session:
            return session.scalar(select(func.count()).select_from(table))


def sign_in_users(client) -> dict[str, str]:
    admin = client.post("/api/v1/auth/token", json={"username": "admin", "password": "admin-passphrase-1"}).json()["access_token"]
    tokens = {"admin": admin}
    for username, roles in ROLE_USERS.items():
        if username != "admin":
            response = client.post("/api/v1/users", json={"username": username, "password": PASSWORD, "roles": roles, "team": "mash-a"},
                                   headers={"Authorization": f"Bearer {admin}"})
            assert response.status_code == 201, response.text
            tokens[username] = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD}).json()["access_token"]
    return tokens


def referral_body(narrative: str = "Ella (7) told her teacher that dad hit mum last night and she hid under the bed. "
                  "She has a bruise on her arm and said dad grabbed her.", **form) -> dict:
    values = {"referrer_agency": "education", "referrer_role": "Designated safeguarding lead", "child_age_years": 7,
              "early_help_assessment": False, "screening_tools_attached": [], "referrer_worry": 2, "consent": "given"}
    values.update(form)
    return {"narrative": narrative, "form": values}


def accept_all(referral: dict, **overrides) -> dict:
    """A decision that agrees with the suggestion in every respect."""
    suggestion = referral["suggestion"]
    tools = suggestion["screening_tools"]
    body = {
        "based_on_version": referral["version"],
        "indicators": [{"id": i["id"], "verdict": "accept"} for i in suggestion["indicators"] if i["affirmed"]],
        "added": [],
        "final_level": suggestion["level"],
        "tools_required": [t["tool"] for t in tools],
        "tools_completed": [t["tool"] for t in tools if t["status"] == "completed"],
        "outcome": "child_in_need_s17",
    }
    body.update(overrides)
    return body

