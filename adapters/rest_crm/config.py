"""``[plugins.rest_crm]``: where the CRM is, how to authenticate, how fields are named.

Example (TOML)::

    [plugins.rest_crm]
    organization = "valley-rr"            # whose data goes to this CRM
    base_url = "https://crm.example.org/api"
    auth = "oauth2"                        # or "api_key" or "none"
    [plugins.rest_crm.oauth2]
    token_url = "https://crm.example.org/oauth/token"
    client_id = "registry"
    client_secret = "..."                  # better: REGISTRY_CONFIG file readable by the service only
    [plugins.rest_crm.field_map.participant]
    registry_id = "external_id"
    first_name = "FirstName"
    last_name = "LastName"
    email = "Email"

Without ``organization`` and ``base_url`` the adapter is installed but sends nothing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

DEFAULT_FIELDS = {
    "participant": ["registry_id", "first_name", "last_name", "email", "phone", "county",
                    "preferred_language"],
    "enrollment": ["registry_id", "enrollment_id", "event_id", "training_id", "title",
                   "starts_at", "status"],
    "hours": ["registry_id", "enrollment_id", "event_id", "title", "hours",
              "competency_area", "completed_on"],
}
DEFAULT_PATHS = {"participant": "/participants", "enrollment": "/enrollments",
                 "hours": "/training-hours", "lookup": "/participants/{registry_id}"}


class OAuth2Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token_url: HttpUrl
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    scope: str | None = None


class RestCrmConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization: str | None = Field(None, description="Slug of the organization whose "
                                     "participants, enrollments and hours go to this CRM")
    base_url: str | None = Field(None, description="The CRM's API root, e.g. "
                                 "https://crm.example.org/api")
    auth: Literal["none", "api_key", "oauth2"] = "none"
    api_key_header: str = "X-API-Key"
    api_key: str | None = None
    oauth2: OAuth2Settings | None = None
    push_method: Literal["POST", "PUT"] = "POST"
    paths: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PATHS))
    field_map: dict[str, dict[str, str]] = Field(
        default_factory=lambda: {kind: {f: f for f in fields}
                                 for kind, fields in DEFAULT_FIELDS.items()},
        description="For each record kind, registry field -> CRM field; unmapped fields are "
                    "not sent")
    timeout_seconds: float = Field(10.0, gt=0, le=60)

    @property
    def enabled(self) -> bool:
        return bool(self.organization and self.base_url)

    @model_validator(mode="after")
    def _consistent(self) -> RestCrmConfig:
        if bool(self.organization) != bool(self.base_url):
            raise ValueError("set both organization and base_url (or neither)")
        if self.base_url and not self.base_url.startswith(("https://", "http://")):
            raise ValueError("base_url must be an http(s) URL")
        if self.auth == "api_key" and not self.api_key:
            raise ValueError("auth = 'api_key' needs api_key")
        if self.auth == "oauth2" and self.oauth2 is None:
            raise ValueError("auth = 'oauth2' needs an [oauth2] table with token_url, "
                             "client_id and client_secret")
        self.paths = {**DEFAULT_PATHS, **self.paths}
        unknown_paths = set(self.paths) - set(DEFAULT_PATHS)
        if unknown_paths:
            raise ValueError(f"unknown paths: {', '.join(sorted(unknown_paths))}")
        unknown = set(self.field_map) - set(DEFAULT_FIELDS)
        if unknown:
            raise ValueError(f"field_map: unknown record kinds {', '.join(sorted(unknown))}")
        for kind, mapping in self.field_map.items():
            bad = set(mapping) - set(DEFAULT_FIELDS[kind])
            if bad:
                raise ValueError(f"field_map.{kind}: unknown registry fields "
                                 f"{', '.join(sorted(bad))}; known: "
                                 f"{', '.join(DEFAULT_FIELDS[kind])}")
        for kind in DEFAULT_FIELDS:
            self.field_map.setdefault(kind, {f: f for f in DEFAULT_FIELDS[kind]})
        return self
