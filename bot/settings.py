"""Configuration from the environment and `.env`, read once at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DB = "sqlite:///" + str(Path("var") / "pantau.db")


class Settings(BaseSettings):
    """Every setting Pantau reads; names are the environment variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_base_url: str = Field(default="https://api.telegram.org/bot", alias="TELEGRAM_BASE_URL")
    database_url: str = Field(default=DEFAULT_DB, alias="DATABASE_URL")
    timezone: str = Field(default="Asia/Jakarta", alias="PANTAU_TIMEZONE")
    web_host: str = Field(default="127.0.0.1", alias="PANTAU_WEB_HOST")
    web_port: int = Field(default=8080, ge=1, le=65535, alias="PANTAU_WEB_PORT")
    # Where the admin web is reached from a browser (the login links the bot sends start with it).
    web_base_url: str | None = Field(default=None, alias="PANTAU_WEB_BASE_URL")
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list, alias="PANTAU_ADMIN_IDS")
    bot_username: str = Field(default="pantau_bot", alias="TELEGRAM_BOT_USERNAME")
    webhook_url: str | None = Field(default=None, alias="PANTAU_WEBHOOK_URL")
    data_dir: Path = Field(default=Path("var"), alias="PANTAU_DATA_DIR")

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _empty_token(cls, v: object) -> object:
        return None if v in ("", None) else v

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None:
            head, _, tail = v.get_secret_value().partition(":")
            if not head.isdigit() or len(tail) < 10:
                raise ValueError("bentuk token tidak dikenali (harus seperti 123456:ABC...)")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"zona waktu tidak dikenal: {v!r} (contoh: Asia/Jakarta)") from None
        return v

    @field_validator("database_url")
    @classmethod
    def _db(cls, v: str) -> str:
        if not v.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("hanya sqlite:///berkas.db atau postgresql://... yang didukung")
        return v

    @field_validator("telegram_base_url", "webhook_url", "web_base_url")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError("harus diawali http:// atau https://")
        return v

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _ids(cls, v: object) -> object:
        if isinstance(v, str):
            parts = [p.strip() for p in v.replace(";", ",").split(",") if p.strip()]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("harus daftar ID Telegram berupa angka, dipisah koma")
            return [int(p) for p in parts]
        return v

    @model_validator(mode="after")
    def _web_base(self) -> Settings:
        if not self.web_base_url:
            self.web_base_url = f"http://{self.web_host}:{self.web_port}"
        self.web_base_url = self.web_base_url.rstrip("/")
        return self

    @property
    def local_mode(self) -> bool:
        """No token: everything runs except the connection to Telegram."""
        return self.telegram_bot_token is None


_PESAN = {
    "int_parsing": "harus berupa bilangan bulat",
    "int_type": "harus berupa bilangan bulat",
    "less_than_equal": "nilainya terlalu besar",
    "greater_than_equal": "nilainya terlalu kecil",
    "bool_parsing": "harus true atau false",
}


class SettingsError(Exception):
    """A configuration value is wrong; the message names the variable in one line."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings once, turning a validation error into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"][0] if err["loc"] else "?"
        name = Settings.model_fields[str(loc)].alias if str(loc) in Settings.model_fields else str(loc)
        msg = _PESAN.get(err["type"], str(err["msg"]).removeprefix("Value error, "))
        raise SettingsError(f"Konfigurasi salah: {name}: {msg}") from None
