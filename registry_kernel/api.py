"""The ``/api/v1`` toolkit: one decorator validates requests, checks tokens and scopes, and
describes the route for the OpenAPI document; errors are RFC 9457 problem+json.

A plugin's API module::

    bp = Blueprint("training_api", __name__, url_prefix="/api/v1")

    @api_route(bp, "/trainings", methods=["POST"], scope="training:write", body=TrainingIn,
               status=201, summary="Add a catalog entry", tags=["training"])
    def create_training(body: TrainingIn):
        ...
        return {"id": training.id}
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"


class ProblemError(Exception):
    """Raise from anywhere in a request to answer with problem+json."""

    def __init__(self, status: int, title: str, detail: str | None = None,
                 errors: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.errors, self.extra = (
            status, title, detail, errors, extra)

    def response(self) -> Response:
        return problem_response(self.status, self.title, self.detail, self.errors, **self.extra)


def problem_response(status: int, title: str, detail: str | None = None,
                     errors: dict[str, str] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "status": status, "title": title,
                            "detail": detail or title}
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return response


def not_found(what: str = "resource") -> ProblemError:
    return ProblemError(404, "Not Found", f"no such {what}")


def conflict(detail: str, **extra: Any) -> ProblemError:
    return ProblemError(409, "Conflict", detail, **extra)


def unprocessable(errors: dict[str, str], detail: str = "the request has invalid fields"
                  ) -> ProblemError:
    return ProblemError(422, "Unprocessable Content", detail, errors)


def _messages(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(body)"
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "this field is required"
        else:
            message = err["msg"].removeprefix("Value error, ")
        errors.setdefault(loc, message)
    return errors


class ApiModel(BaseModel):
    """Base for request bodies: unknown fields are rejected, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PageQuery(ApiModel):
    """``page`` and ``per_page`` for list endpoints."""

    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=200)


def paginate(session: Session, query: Select[Any], page: PageQuery,
             render: Callable[[Any], dict[str, Any]], *, scalars: bool = True) -> dict[str, Any]:
    """Run ``query`` for one page and return the API.md list envelope."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    paged = query.limit(page.per_page).offset((page.page - 1) * page.per_page)
    rows = session.scalars(paged) if scalars else session.execute(paged)
    return {"items": [render(row) for row in rows], "total": total or 0, "page": page.page,
            "per_page": page.per_page}


@dataclass
class ApiSpec:
    """What the OpenAPI document says about one route."""

    methods: tuple[str, ...]
    summary: str
    tags: tuple[str, ...]
    scope: str | None
    public: bool
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    form: type[BaseModel] | None
    files: tuple[str, ...]
    response: type[BaseModel] | None
    status: int
    produces: str
    errors: tuple[int, ...] = field(default_factory=tuple)


INT64 = 2**63 - 1
# C0 controls other than tab, newline and carriage return: no XML (Word, PDF) or PostgreSQL text
# can hold them, so they are refused where they enter.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _out_of_range(value: Any, path: str = "") -> dict[str, str]:
    """Integers and text no database column can hold, by field path (a 422, not a crash)."""
    if isinstance(value, bool):
        return {}
    if isinstance(value, str):
        if CONTROL_CHARACTERS.search(value):
            return {path or "(body)": "contains a NUL or other control character"}
        return {}
    if isinstance(value, int):
        return {path or "(body)": "number is out of range"} if abs(value) > INT64 else {}
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(_out_of_range(item, f"{path}.{key}" if path else str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found.update(_out_of_range(item, f"{path}.{index}" if path else str(index)))
    return found


def _checked(instance: BaseModel) -> BaseModel:
    problems = _out_of_range(instance.model_dump(by_alias=True))
    if problems:
        raise unprocessable(problems)
    return instance


def _parse_json(model: type[BaseModel]) -> BaseModel:
    raw = request.get_data(cache=True)
    if not raw:
        raise ProblemError(400, "Bad Request", "a JSON body is required")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProblemError(400, "Bad Request", f"malformed JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ProblemError(400, "Bad Request", "the JSON body must be an object")
    try:
        return _checked(model.model_validate(data, strict=False))
    except ValidationError as exc:
        raise unprocessable(_messages(exc)) from exc


def _parse_mapping(model: type[BaseModel], data: dict[str, Any], what: str) -> BaseModel:
    try:
        return _checked(model.model_validate(data))
    except ValidationError as exc:
        raise unprocessable(_messages(exc), f"the request has invalid {what}") from exc


def current_actor() -> Any:
    """The actor of the current API request (set by :func:`api_route`)."""
    return g.get("actor")


def api_route(bp: Any, rule: str, *, methods: Iterable[str] = ("GET",), scope: str | None = None,
              public: bool = False, body: type[BaseModel] | None = None,
              query: type[BaseModel] | None = None, form: type[BaseModel] | None = None,
              files: Iterable[str] = (), response: type[BaseModel] | None = None,
              status: int = 200, summary: str = "", tags: Iterable[str] = (),
              produces: str = "application/json", errors: Iterable[int] = (),
              read_only: bool | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an API view on ``bp`` with validation, authentication and OpenAPI metadata.

    ``scope``: the OAuth scope a bearer token needs (``None`` with ``public=False``: any valid
    token). The view receives ``body``/``query``/``form`` as validated models when declared.
    ``read_only`` (default: GET and HEAD routes are) gives the view a read-only session
    (:mod:`registry_kernel.read_only`); pass ``False`` for a GET that writes.
    """
    methods = tuple(m.upper() for m in methods)
    spec = ApiSpec(methods=methods, summary=summary, tags=tuple(tags), scope=scope,
                   public=public, body=body, query=query, form=form, files=tuple(files),
                   response=response, status=status, produces=produces, errors=tuple(errors))
    is_read_only = read_only if read_only is not None else set(methods) <= {"GET", "HEAD"}

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(**path_args: Any) -> Any:
            g.registry_read_only = is_read_only
            if not public:
                from .auth.tokens import authenticate_request

                g.actor = authenticate_request()
                if scope and not g.actor.has_scope(scope):
                    raise ProblemError(403, "Forbidden", f"this token lacks the scope {scope!r}")
            kwargs = dict(path_args)
            if query is not None:
                kwargs["query"] = _parse_mapping(query, request.args.to_dict(), "query parameters")
            elif request.args and not public:
                raise unprocessable({k: "unknown query parameter" for k in request.args})
            if body is not None:
                kwargs["body"] = _parse_json(body)
            if form is not None:
                data = request.form.to_dict()
                kwargs["form"] = _parse_mapping(form, data, "form fields")
            result = view(**kwargs)
            if isinstance(result, Response):
                return result
            code = status
            if isinstance(result, tuple):
                result, code = result
            return jsonify(result), code

        wrapper._api_spec = spec  # type: ignore[attr-defined]
        bp.add_url_rule(rule, view_func=wrapper, methods=list(methods))
        return wrapper

    return decorator


# --- OpenAPI ---------------------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_STATUS_TITLES = {400: "Bad request", 401: "Missing or invalid token", 403: "Not allowed",
                  404: "Not found", 409: "Conflict", 413: "Too large",
                  422: "Invalid fields"}


def _schema_of(model: type[BaseModel], components: dict[str, Any],
               mode: str = "validation") -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault(model.__name__, schema)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required,
             "schema": {k: v for k, v in prop.items() if k != "title"}}
            for name, prop in schema.get("properties", {}).items()]


def openapi_document(app: Flask) -> dict[str, Any]:
    """Build the OpenAPI 3.1 document from every ``api_route`` on the app."""
    registry = app.extensions["registry"]
    components: dict[str, Any] = {"Problem": {
        "type": "object", "required": ["status", "title"],
        "properties": {"type": {"type": "string"}, "status": {"type": "integer"},
                       "title": {"type": "string"}, "detail": {"type": "string"},
                       "errors": {"type": "object", "additionalProperties": {"type": "string"}}}}}
    paths: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        spec: ApiSpec | None = getattr(view, "_api_spec", None)
        if spec is None:
            continue
        path_params = []

        def _param(match: re.Match[str], params: list[dict[str, Any]] = path_params) -> str:
            kind = {"int": "integer"}.get(match.group("conv") or "", "string")
            schema: dict[str, Any] = {"type": kind}
            if kind == "integer":
                schema.update(minimum=0, maximum=2**63 - 1)
            params.append({"name": match.group("name"), "in": "path", "required": True,
                           "schema": schema})
            return "{" + match.group("name") + "}"

        path = _CONVERTER.sub(_param, rule.rule)
        for method in spec.methods:
            operation: dict[str, Any] = {
                "operationId": f"{rule.endpoint.replace('.', '_')}_{method.lower()}",
                "summary": spec.summary or (view.__doc__ or "").strip().split("\n")[0],
                "tags": list(spec.tags), "parameters": list(path_params), "responses": {}}
            if spec.query is not None:
                operation["parameters"] += _query_parameters(spec.query)
            if spec.body is not None:
                operation["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": _schema_of(spec.body, components)}}}
            if spec.form is not None:
                form_schema = spec.form.model_json_schema()
                for name in spec.files:
                    form_schema.setdefault("properties", {})[name] = {
                        "type": "string", "contentMediaType": "application/octet-stream"}
                    form_schema.setdefault("required", []).append(name)
                operation["requestBody"] = {"required": True, "content": {
                    "multipart/form-data": {"schema": form_schema}}}
            if spec.produces == "application/json":
                content = {"application/json": {"schema": _schema_of(
                    spec.response, components, "serialization") if spec.response else {}}}
            else:
                content = {spec.produces: {"schema": {"type": "string", "format": "binary"}}}
            operation["responses"][str(spec.status)] = {"description": "Success",
                                                        "content": content}
            codes = set(spec.errors) | {400}
            if spec.body is not None or spec.query is not None or spec.form is not None:
                codes.add(422)
            if not spec.public:
                codes |= {401, 403}
                operation["security"] = [{"oauth2": [spec.scope] if spec.scope else []}]
            if path_params:
                codes.add(404)
            for code in sorted(codes):
                operation["responses"][str(code)] = {
                    "description": _STATUS_TITLES.get(code, "Error"),
                    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            paths.setdefault(path, {})[method.lower()] = operation
    scopes = {name: scope.description for name, scope in sorted(registry.scopes.items())}
    return {
        "openapi": "3.1.0",
        "info": {"title": registry.settings.registry_name + " API", "version": "1.0.0",
                 "description": "Agency API of the Open ECE Workforce Registry."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {"oauth2": {
            "type": "oauth2", "flows": {
                "clientCredentials": {"tokenUrl": "/oauth/token", "scopes": scopes},
                "authorizationCode": {"authorizationUrl": "/oauth/authorize",
                                      "tokenUrl": "/oauth/token", "scopes": scopes}}}}},
    }


def register_error_handlers(app: Flask) -> None:
    """problem+json for every error under ``/api/`` and ``/oauth/``; HTML pages elsewhere."""

    def wants_problem() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(ProblemError)
    def _problem(exc: ProblemError) -> Response:
        return exc.response()

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        if wants_problem():
            return problem_response(exc.code or 500, exc.name, exc.description)
        return exc

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_problem():
            return problem_response(500, "Internal Server Error",
                                    "the registry hit an unexpected error; it has been logged")
        return Response("Internal Server Error", status=500, mimetype="text/plain")
