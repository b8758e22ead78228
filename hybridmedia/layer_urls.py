"""``STORAGES`` built from layer URLs (12-factor configuration).

``storages_from_urls()`` turns a list such as::

    MEDIA_LAYERS=file:///srv/media?base_url=/media/,s3://acme-prod-media/media?region=eu-west-1
    MEDIA_LAYERS=file:media,https://cdn.acme.com/media/

into the ``STORAGES`` entries of a hybrid (``"default"``) and of each of its layers. Each scheme is
one entry of ``SCHEMES``; any other scheme with a dot is the dotted path of a ``Storage`` class.
"""

from __future__ import annotations

import inspect
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage
from django.utils.module_loading import import_string

from hybridmedia.redaction import is_credential_key, redact_config, redact_text, redact_url

__all__ = ["LayerURLError", "storage_from_url", "storages_from_urls"]

HYBRID_BACKEND = "hybridmedia.storage.HybridStorage"
FILESYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"
MEMORY_BACKEND = "django.core.files.storage.InMemoryStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"
HTTP_BACKEND = "hybridmedia.storage.HTTPStorage"
STATICFILES_DEFAULT = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# Layer names become STORAGES aliases and appear in the admin, so keep them plain.
LAYER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# AWS's rules for bucket names (lower case, 3-63 characters, no leading/trailing dot or dash).
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
REGION_NAME = re.compile(r"^[a-z0-9-]+$")


class LayerURLError(ImproperlyConfigured):
    """A layer URL is malformed or uses an option its backend does not know."""


# Typed option parsers ---------------------------------------------------------------------


def _boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _integer(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError("must be a whole number") from None


def _octal(value: str) -> int:
    try:
        return int(value.removeprefix("0o"), 8)
    except ValueError:
        raise ValueError("must be an octal file mode such as 644 or 0o644") from None


def _text(value: str) -> str:
    if not value:
        raise ValueError("needs a value")
    return value


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return parse


def _has_userinfo(netloc: str, path: str) -> bool:
    """Return whether a URL's authority starts with ``user:password@``."""
    # A "/" in the password ("key:se/cret@bucket") ends the authority early and moves the "@" into
    # the first path segment, leaving "key:se" as a host and port.
    first_segment = path.split("/")[1] if path.startswith("/") else ""
    return "@" in netloc or (":" in netloc and "@" in first_segment)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    if parts.username or parts.password or _has_userinfo(parts.netloc, parts.path):
        raise ValueError("must not contain credentials")
    try:
        _ = parts.port
    except ValueError:
        raise ValueError("must have a numeric port, if any") from None
    return value


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError("must be a number of seconds such as 5 or 0.5") from None
    if not seconds > 0:
        raise ValueError("must be a number of seconds above 0")
    return seconds


def _host(value: str) -> str:
    if not value or "://" in value or value.startswith("/"):
        raise ValueError("must be a host name such as cdn.example.com, without a scheme (use url_protocol)")
    if "@" in value:
        raise ValueError("must not contain credentials")
    return value


def _region(value: str) -> str:
    if not REGION_NAME.fullmatch(value):
        raise ValueError("must be an AWS region such as eu-west-1")
    return value


def _protocol(value: str) -> str:
    protocol = value if value.endswith(":") else f"{value}:"
    if protocol not in {"http:", "https:"}:
        raise ValueError("must be http or https")
    return protocol


def _json_or_text(value: str) -> Any:
    # A dotted backend's option types are unknown: "true", "3" and '{"a": 1}' become JSON values,
    # anything that is not valid JSON stays a string (write '"3"' to force the string "3").
    try:
        return json.loads(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class Option:
    """A query-string option of a layer URL: the backend keyword it sets and how to parse it."""

    keyword: str
    parse: Callable[[str], Any]


FILESYSTEM_OPTIONS = {
    "base_url": Option("base_url", _text),
    "file_permissions_mode": Option("file_permissions_mode", _octal),
    "directory_permissions_mode": Option("directory_permissions_mode", _octal),
    "allow_overwrite": Option("allow_overwrite", _boolean),
}

MEMORY_OPTIONS = {key: FILESYSTEM_OPTIONS[key] for key in ("base_url", "file_permissions_mode")}

S3_OPTIONS = {
    "region": Option("region_name", _region),
    "region_name": Option("region_name", _region),
    "endpoint_url": Option("endpoint_url", _http_url),
    "endpoint": Option("endpoint_url", _http_url),
    "custom_domain": Option("custom_domain", _host),
    "addressing_style": Option("addressing_style", _choice("auto", "virtual", "path")),
    "querystring_auth": Option("querystring_auth", _boolean),
    "querystring_expire": Option("querystring_expire", _integer),
    "signature_version": Option("signature_version", _text),
    "url_protocol": Option("url_protocol", _protocol),
    "use_ssl": Option("use_ssl", _boolean),
    "verify": Option("verify", _boolean),
    "file_overwrite": Option("file_overwrite", _boolean),
    "default_acl": Option("default_acl", _text),
    "max_memory_size": Option("max_memory_size", _integer),
    "profile": Option("session_profile", _text),
}

HTTP_OPTIONS = {
    "timeout": Option("timeout", _seconds),
    "connect_timeout": Option("connect_timeout", _seconds),
    "read_timeout": Option("read_timeout", _seconds),
    "forbidden_is_missing": Option("forbidden_is_missing", _boolean),
    "max_redirects": Option("max_redirects", _integer),
    "verify": Option("verify", _boolean),
}

# Options that every layer URL accepts and that are not passed to the backend.
NAME_OPTION = "name"
CREDENTIALS_OPTION = "credentials_env"
#: How the media view serves the layer (``redirect`` or ``proxy``): the layer's ``serve`` in the hybrid.
SERVE_OPTION = "serve"


# Parsing one URL --------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerURL:
    """One layer URL, split into the parts a scheme reads."""

    url: str  # As given: only ever shown through _redact().
    scheme: str
    netloc: str
    path: str  # Percent-decoded.
    options: Mapping[str, str]  # The query options still to parse (not name=).
    base_dir: Path | None  # What a relative file: path is relative to.


@dataclass(frozen=True)
class Scheme:
    """What a layer URL scheme builds: its backend, its query options, and where its files are."""

    backend: str
    options: Mapping[str, Option]
    # Checks the URL's host and path (before any option, so that mistake is reported first) and
    # returns the backend options they set.
    locate: Callable[[LayerURL], dict[str, Any]]
    # The end of the error for credentials put in such a URL: where they belong instead.
    credentials_advice: str
    # What the URL's host part is, to say where credentials were put before.
    host_is: str = "path"
    # Whether ?credentials_env=PREFIX reads the layer's keys from PREFIX_... environment variables.
    reads_credentials_env: bool = False
    # How it reads them: (url, prefix, environ) -> backend options (the S3 keys by default).
    read_credentials: Callable[[str, str, Mapping[str, str]], dict[str, Any]] | None = None


# A dotted backend path is not in SCHEMES: its backend and options are only known once imported.
DOTTED_CREDENTIALS_ADVICE = "give them to the backend through the environment or its own settings."


def _redact(url: str) -> str:
    """Return ``url`` (or an option's value) with its userinfo and credential-like query values masked."""
    if "://" not in url:
        # Without "scheme://" a "user:password@" would not be seen as userinfo (s3:// forgotten, say).
        return redact_url(f"layer://{url}").removeprefix("layer://")
    return redact_url(url)


def _credentials_advice(scheme: str) -> str:
    known = SCHEMES.get(scheme)
    return known.credentials_advice if known is not None else DOTTED_CREDENTIALS_ADVICE


def _split(url: str) -> tuple[str, str, str, str, str]:
    """Split ``url`` into scheme, netloc, path, query and fragment; the scheme may be a dotted path."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, sep, rest = url.partition(":")
        if not sep or scheme != "file":
            raise LayerURLError(
                f"Layer URL {_redact(url)!r} has no scheme. Start it with file://, s3://, https://, memory:// "
                f"or the dotted path of a Storage class followed by ://."
            )
        # "file:relative/path": a path relative to base_dir, with no authority part.
        parts = urlsplit(f"file:{rest}")
        return "file", "", unquote(parts.path), parts.query, parts.fragment
    try:
        # Parse the rest with a neutral scheme: urlsplit refuses dotted paths with underscores.
        parts = urlsplit(f"layer://{rest}")
    except ValueError as exc:
        raise LayerURLError(f"Layer URL {_redact(url)!r} is malformed: {redact_text(str(exc))}.") from exc
    # Checked before the port, whose error would quote a password as a malformed port number.
    if _has_userinfo(parts.netloc, parts.path):
        known = SCHEMES.get(scheme)
        raise LayerURLError(
            f"Layer URL {_redact(url)!r} carries credentials before the "
            f"{known.host_is if known is not None else 'path'}. Never put credentials in a URL: "
            f"{_credentials_advice(scheme)}"
        )
    try:
        _ = parts.port  # Raises ValueError for a malformed port.
    except ValueError as exc:
        raise LayerURLError(f"Layer URL {_redact(url)!r} is malformed: {redact_text(str(exc))}.") from exc
    return scheme, parts.netloc, unquote(parts.path), parts.query, parts.fragment


def _refuse_credentials(url: str, scheme: str, raw: Mapping[str, str]) -> None:
    """Refuse credential-like query options: a URL ends up in shell history, logs and error pages."""
    for key in raw:
        if is_credential_key(key) and key != CREDENTIALS_OPTION:
            raise LayerURLError(
                f"Layer URL {_redact(url)!r} carries the credential {key!r}. Never put credentials in "
                f"a URL: {_credentials_advice(scheme)}"
            )


def _query(url: str, query: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as exc:
        raise LayerURLError(
            f"The query string of layer URL {_redact(url)!r} is malformed ({redact_text(str(exc))}); "
            f"write options as ?key=value&key=value."
        ) from exc
    options: dict[str, str] = {}
    for key, value in pairs:
        if key in options:
            raise LayerURLError(f"Layer URL {_redact(url)!r} sets the option {key!r} more than once.")
        options[key] = value
    return options


def _parse_options(
    url: str, kind: str, raw: Mapping[str, str], known: Mapping[str, Option], extra: Sequence[str] = ()
) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise LayerURLError(
                f"Layer URL {_redact(url)!r} has the unknown option {key!r} for {kind}:// layers. "
                f"Known options: {', '.join(sorted([*known, *extra, NAME_OPTION]))}."
            )
        option = known[key]
        if option.keyword in options:
            raise LayerURLError(f"Layer URL {_redact(url)!r} sets {option.keyword!r} twice (through {key!r}).")
        try:
            options[option.keyword] = option.parse(value)
        except ValueError as exc:
            # Credential-like keys never get here (_refuse_credentials() refused them), but a value
            # such as an endpoint may still carry a login.
            raise LayerURLError(f"Option {key}={_redact(value)!r} of layer URL {_redact(url)!r} {exc}.") from None
    return options


def _no_authority(url: str, kind: str, netloc: str, path: str) -> None:
    if netloc or path.strip("/"):
        raise LayerURLError(
            f"Layer URL {_redact(url)!r}: a {kind} layer takes its settings from the query string "
            f"only; remove {netloc + path!r}."
        )


def _directory(layer: LayerURL) -> dict[str, Any]:
    if layer.netloc not in {"", "localhost"}:
        raise LayerURLError(
            f"Layer URL {_redact(layer.url)!r} names the host {layer.netloc!r}. A file URL needs an absolute path "
            f"after three slashes (file:///srv/media) or a relative one without slashes "
            f"(file:media, resolved against base_dir)."
        )
    if not layer.path:
        raise LayerURLError(f"Layer URL {_redact(layer.url)!r} has no directory; write file:///srv/media.")
    location = Path(layer.path)
    if not location.is_absolute() and layer.base_dir is not None:
        location = layer.base_dir / location
    return {"location": str(location)}


def _nowhere(layer: LayerURL) -> dict[str, Any]:
    _no_authority(layer.url, layer.scheme, layer.netloc, layer.path)
    return {}


def _bucket(layer: LayerURL) -> dict[str, Any]:
    if ":" in layer.netloc:
        raise LayerURLError(
            f"Layer URL {_redact(layer.url)!r}: {layer.netloc!r} is not a bucket name (no port allowed); put a "
            f"custom S3 server in ?endpoint_url=http://host:port."
        )
    if not BUCKET_NAME.fullmatch(layer.netloc) or ".." in layer.netloc:
        raise LayerURLError(
            f"Layer URL {_redact(layer.url)!r} has the invalid bucket name {layer.netloc!r}; write "
            f"s3://bucket-name/optional/prefix (3-63 lower-case letters, digits, dots, dashes)."
        )
    return {"bucket_name": layer.netloc, "location": layer.path.strip("/")}


def _base_url(layer: LayerURL) -> dict[str, Any]:
    # The path was percent-decoded: quote it back, so the base URL is the one the server knows.
    path = quote(layer.path or "/", safe="/~!*()'@:$&+,;=")
    return {"base_url": f"{layer.scheme}://{layer.netloc}{path if path.endswith('/') else path + '/'}"}


def _http_credentials(url: str, prefix: str, environ: Mapping[str, str]) -> dict[str, Any]:
    """Read ``PREFIX_USERNAME``/``PREFIX_PASSWORD`` and ``PREFIX_HEADER_<NAME>`` for an HTTP layer."""
    from hybridmedia.storage.backends.http import credentials_from_environ

    try:
        return credentials_from_environ(prefix, environ)
    except ValueError as exc:  # it names variables, never their values
        raise LayerURLError(
            f"Layer URL {_redact(url)!r} reads its login from the environment ({CREDENTIALS_OPTION}), but {exc}."
        ) from None


_HTTP_CREDENTIALS_ADVICE = (
    f"name a prefix with ?{CREDENTIALS_OPTION}=PREFIX and set PREFIX_USERNAME and PREFIX_PASSWORD (HTTP Basic) "
    f"or PREFIX_HEADER_<NAME> (e.g. PREFIX_HEADER_AUTHORIZATION) in the environment."
)

SCHEMES: Mapping[str, Scheme] = {
    "file": Scheme(
        backend=FILESYSTEM_BACKEND,
        options=FILESYSTEM_OPTIONS,
        locate=_directory,
        credentials_advice="a file:// layer takes no credentials.",
    ),
    "memory": Scheme(
        backend=MEMORY_BACKEND,
        options=MEMORY_OPTIONS,
        locate=_nowhere,
        credentials_advice="a memory:// layer takes no credentials.",
    ),
    "s3": Scheme(
        backend=S3_BACKEND,
        options=S3_OPTIONS,
        locate=_bucket,
        credentials_advice=(
            f"set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the environment, or name a prefix with "
            f"?{CREDENTIALS_OPTION}=PREFIX to read PREFIX_AWS_ACCESS_KEY_ID etc."
        ),
        host_is="bucket name",
        reads_credentials_env=True,
    ),
    **{
        scheme: Scheme(
            backend=HTTP_BACKEND,
            options=HTTP_OPTIONS,
            locate=_base_url,
            credentials_advice=_HTTP_CREDENTIALS_ADVICE,
            host_is="host",
            reads_credentials_env=True,
            read_credentials=_http_credentials,
        )
        for scheme in ("http", "https")
    },
}


def _from_scheme(layer: LayerURL, scheme: Scheme, environ: Mapping[str, str]) -> dict[str, Any]:
    """Return the ``STORAGES`` entry of a layer URL whose scheme is in ``SCHEMES``."""
    options = scheme.locate(layer)
    raw = dict(layer.options)
    # storage_from_url() has refused credentials_env for the schemes that do not read it.
    prefix = raw.pop(CREDENTIALS_OPTION, None)
    extra = [CREDENTIALS_OPTION] if scheme.reads_credentials_env else []
    options.update(_parse_options(layer.url, layer.scheme, raw, scheme.options, extra=extra))
    if prefix is not None:
        options.update((scheme.read_credentials or _credentials)(layer.url, prefix, environ))
    return {"BACKEND": scheme.backend, "OPTIONS": options}


def _credentials(url: str, prefix: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Read ``PREFIX_AWS_ACCESS_KEY_ID`` and friends, so two buckets can use different keys."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", prefix):
        # The value is not shown: whatever it is, it is not a prefix, and it may be a pasted secret.
        raise LayerURLError(
            f"Option {CREDENTIALS_OPTION} of layer URL {_redact(url)!r} must be an environment variable "
            f"prefix such as STAGING (letters, digits and underscores, not starting with a digit)."
        )
    names = {"access_key": f"{prefix}_AWS_ACCESS_KEY_ID", "secret_key": f"{prefix}_AWS_SECRET_ACCESS_KEY"}
    missing = [variable for variable in names.values() if not environ.get(variable)]
    if missing:
        raise LayerURLError(
            f"Layer URL {_redact(url)!r} reads its credentials from the environment "
            f"({CREDENTIALS_OPTION}={prefix}), but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
            f"not set."
        )
    credentials = {keyword: environ[variable] for keyword, variable in names.items()}
    token = environ.get(f"{prefix}_AWS_SESSION_TOKEN")
    if token:
        credentials["security_token"] = token
    return credentials


def _from_dotted_path(layer: LayerURL) -> dict[str, Any]:
    """Return the ``STORAGES`` entry of a layer URL whose scheme is the dotted path of a Storage class."""
    url, scheme = layer.url, layer.scheme
    _no_authority(url, f"{scheme!r}", layer.netloc, layer.path)
    try:
        backend = import_string(scheme)
    except ImportError as exc:
        raise LayerURLError(
            f"The backend {scheme!r} of layer URL {_redact(url)!r} cannot be imported: {redact_text(str(exc))}."
        ) from exc
    if not (isinstance(backend, type) and issubclass(backend, Storage)):
        raise LayerURLError(f"The scheme {scheme!r} of layer URL {_redact(url)!r} is not a Django Storage class.")
    options = {key: _json_or_text(value) for key, value in layer.options.items()}
    accepted = _keyword_arguments(backend)
    if accepted is not None:
        for key in options:
            if key not in accepted:
                raise LayerURLError(
                    f"Layer URL {_redact(url)!r} has the unknown option {key!r} for {scheme}. "
                    f"Known options: {', '.join(sorted([*accepted, NAME_OPTION]))}."
                )
    return {"BACKEND": scheme, "OPTIONS": options}


def _keyword_arguments(backend: type) -> set[str] | None:
    """Return the keyword arguments ``backend()`` accepts, or ``None`` if it takes ``**kwargs``."""
    # Not signature(backend): @deconstructible adds a __new__(*args, **kwargs) that would hide it.
    parameters = inspect.signature(backend.__init__).parameters.values()  # type: ignore[misc]
    if any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters):
        return None  # e.g. django-storages validates its own **settings when instantiated.
    return {
        parameter.name
        for parameter in parameters
        if parameter.name != "self" and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    }


def storage_from_url(
    url: str, *, base_dir: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> tuple[str | None, dict[str, Any]]:
    """Return ``(name, {"BACKEND": ..., "OPTIONS": ...})`` for one layer URL; ``name`` may be ``None``."""
    name, config, serve = _layer_from_url(url, base_dir=base_dir, environ=environ)
    if serve is not None:
        raise LayerURLError(
            f"Option {SERVE_OPTION!r} of layer URL {_redact(url)!r} says how the media view serves a layer of a "
            "hybrid, not a storage option: use the URL in storages_from_urls() (MEDIA_LAYERS)."
        )
    return name, config


def _layer_from_url(
    url: str, *, base_dir: str | Path | None, environ: Mapping[str, str] | None
) -> tuple[str | None, dict[str, Any], str | None]:
    """Return the layer's name, its STORAGES entry and its ``serve=`` option (all three may be ``None``)."""
    if not isinstance(url, str) or not url.strip():
        raise LayerURLError(f"A layer URL must be a non-empty string, got {redact_config(url)!r}.")
    url = url.strip()
    scheme, netloc, path, query, fragment = _split(url)
    raw = _query(url, query)
    _refuse_credentials(url, scheme, raw)
    name = raw.pop(NAME_OPTION, None)
    serve = raw.pop(SERVE_OPTION, None)  # validated by HybridStorage (hybridmedia.E015)
    if name is not None and fragment:
        raise LayerURLError(
            f"Layer URL {_redact(url)!r} names its layer twice (#{fragment} and name={name}); keep one."
        )
    name = name if name is not None else (unquote(fragment) or None)
    if name is not None and not LAYER_NAME.fullmatch(name):
        raise LayerURLError(
            f"Layer URL {_redact(url)!r} has the invalid layer name {name!r}; use letters, digits, '-' and '_'."
        )
    known = SCHEMES.get(scheme)
    if CREDENTIALS_OPTION in raw and not (known is not None and known.reads_credentials_env):
        raise LayerURLError(
            f"Option {CREDENTIALS_OPTION!r} of layer URL {_redact(url)!r} applies to s3://, http:// and https:// "
            f"layers only."
        )
    layer = LayerURL(url, scheme, netloc, path, raw, Path(base_dir) if base_dir is not None else None)
    if known is not None:
        config = _from_scheme(layer, known, os.environ if environ is None else environ)
    elif "." in scheme:
        config = _from_dotted_path(layer)
    else:
        raise LayerURLError(
            f"Layer URL {_redact(url)!r} has the unknown scheme {scheme!r}. Use file://, s3://, http://, "
            f"https://, memory:// or the dotted path of a Storage class (e.g. myproject.storage.Backend://?option=value)."
        )
    return name, config, serve


# The whole STORAGES setting ---------------------------------------------------------------


def _default_names(count: int) -> list[str]:
    if count == 1:
        return ["local"]
    middle = ["staging"] if count == 3 else [f"staging{number}" for number in range(1, count - 1)]
    return ["local", *middle, "production"]


def storages_from_urls(
    urls: str | Sequence[str],
    *,
    alias: str = "default",
    base_dir: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    staticfiles: Mapping[str, Any] | None = STATICFILES_DEFAULT,
    **hybrid_options: Any,
) -> dict[str, dict[str, Any]]:
    """Build a ``STORAGES`` setting: a hybrid at ``alias`` over one entry per layer URL (top first).

    ``urls`` is a list (e.g. ``env.list("MEDIA_LAYERS")``) or one comma-separated string. Layers are
    named by a ``#fragment`` or ``?name=``; unnamed ones default to ``local`` (first), ``production``
    (last) and ``staging`` (the middle of three). S3 credentials come from the environment, never
    from the URL. ``staticfiles`` is the ``"staticfiles"`` entry to include (``None`` leaves it out).
    Other keyword arguments (``lower_delete``, ``cache``, ...) become the hybrid's ``OPTIONS``.
    """
    items = urls.split(",") if isinstance(urls, str) else list(urls)
    items = [item for item in items if not (isinstance(item, str) and not item.strip())]
    if not items:
        raise LayerURLError(
            "No layer URLs were given. List them top (writable) layer first, e.g. "
            "MEDIA_LAYERS=file:///srv/media?base_url=/media/,s3://bucket/media?region=eu-west-1"
        )
    parsed = [_layer_from_url(url, base_dir=base_dir, environ=environ) for url in items]
    names = [name or default for (name, _, _), default in zip(parsed, _default_names(len(parsed)), strict=True)]
    reserved = {alias, "staticfiles"} if staticfiles is not None else {alias}
    seen: set[str] = set()
    for name, url in zip(names, items, strict=True):
        if name in reserved:
            raise LayerURLError(
                f"Layer URL {_redact(url)!r} is named {name!r}, which is the alias of another "
                f"STORAGES entry; give the layer another name with #name."
            )
        if name in seen:
            raise LayerURLError(f"Two layer URLs are named {name!r}; give each layer its own name with #name.")
        seen.add(name)
    if "layers" in hybrid_options:
        raise LayerURLError("storages_from_urls() builds the layers option itself; pass the layers as URLs.")
    # Passed through as they are: HybridStorage validates them (and `manage.py check` reports them).
    layers = [
        name if serve is None else {"name": name, "storage": name, "serve": serve}
        for name, (_, _, serve) in zip(names, parsed, strict=True)
    ]
    options = {"layers": layers, **hybrid_options}
    result: dict[str, dict[str, Any]] = {alias: {"BACKEND": HYBRID_BACKEND, "OPTIONS": options}}
    result.update({name: config for name, (_, config, _) in zip(names, parsed, strict=True)})
    if staticfiles is not None:
        result["staticfiles"] = dict(staticfiles)
    return result
