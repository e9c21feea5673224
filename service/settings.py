"""Service settings (pydantic-settings): read when the app is built, never at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE = REPO / "var" / "threshold.db"

MAX_BODY_BYTES = 256 * 1024  # a 50,000-character narrative in UTF-8 JSON fits with room to spare


class ServiceSettings(BaseSettings):
    """Every field can be set by an environment variable of the same name in capitals
    (DATABASE_URL, THRESHOLD_ADMIN_PASSWORD, ...)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DATABASE}",
        description="SQLAlchemy URL: the embedded SQLite file by default, postgresql+psycopg://... to deploy.",
    )
    threshold_admin_username: str = "admin"
    threshold_admin_password: str | None = Field(
        default=None, description="First admin's password; when unset one is generated and printed once."
    )
    threshold_token_minutes: int = Field(default=8 * 60, ge=1, description="Bearer tokens expire after this.")
    threshold_embeddings: bool = Field(
        default=True, description="Use the sentence model beside the keyword rules (false: rules only, faster start)."
    )
    threshold_champion: bool = Field(default=True, description="Use the registry's champion level model if any.")
    threshold_catalogue_dir: Path | None = None
    threshold_max_body_bytes: int = MAX_BODY_BYTES
    threshold_db_timeout_seconds: int = Field(default=3, ge=1, description="Connect timeout before answering 503.")
    threshold_cookie_secure: bool = Field(default=False, description="Set behind HTTPS so the session cookie is Secure.")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
