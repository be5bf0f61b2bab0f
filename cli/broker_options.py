"""Command-line options for the central station: where the broker is and how to log in.

Shared by ``record``/``live`` (``--publish``) and ``central`` (``--broker``), so
both sides of the connection say and check security the same way
(``central/broker.py``). A password is never an option: ``--password-file`` or
the ``IRM_MQTT_PASSWORD`` variable.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from central.broker import PASSWORD_ENV, BrokerError, BrokerSettings, as_option, broker_settings
from central.messages import MessageError, check_name
from monitor.room import RoomSpec

if TYPE_CHECKING:
    from cli.settings import Settings

DEFAULT_SITE = "clinic"
SECURITY = ("ca", "cert", "key", "user", "password_file", "insecure")


def add_security_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("central station security (docs/central-station.md)")
    group.add_argument("--ca", type=Path, metavar="FILE", help="the clinic's CA certificate (mqtts://)")
    group.add_argument("--cert", type=Path, metavar="FILE", help="this computer's client certificate (mqtts://)")
    group.add_argument("--key", type=Path, metavar="FILE", help="the key of --cert")
    group.add_argument("--user", metavar="NAME", help="user name at the broker")
    group.add_argument("--password-file", type=Path, metavar="FILE",
                       help=f"file holding the password (or set {PASSWORD_ENV}; never on the command line)")
    group.add_argument("--password", action=_RefusePassword, help=argparse.SUPPRESS)
    group.add_argument("--insecure", action="store_true",
                       help="allow plain mqtt:// to a host outside this computer (test networks only)")


class _RefusePassword(argparse.Action):
    """``--password`` would otherwise be taken for ``--password-file`` (argparse abbreviations)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # noqa: ANN001
        parser.error(f"a password is never given on the command line (others can read it): use "
                     f"--password-file FILE or the {PASSWORD_ENV} variable")


def add_publish_options(parser: argparse.ArgumentParser) -> None:
    """``--publish``, ``--site``, ``--bed`` and security, for ``record`` and ``live``."""
    parser.add_argument("--publish", metavar="URL",
                        help="send this chair to the central station's broker: mqtts://HOST[:PORT] or mqtt://127.0.0.1")
    parser.add_argument("--site", metavar="NAME", help=f"the clinic's site (default: the settings, else {DEFAULT_SITE})")
    parser.add_argument("--bed", metavar="NAME", help="this chair's name, e.g. Chair-3 (needed with --publish)")
    add_security_options(parser)


def add_central_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", metavar="URL",
                        help="mqtts://HOST[:PORT] or mqtt://127.0.0.1[:PORT] (default: the settings' central_url)")
    parser.add_argument("--site", metavar="NAME", help="watch one site only (default: every site)")
    parser.add_argument("--jsonl", action="store_true", help="no window: one JSON object per line")
    add_security_options(parser)


def settings_from(args: argparse.Namespace, url: str) -> BrokerSettings:
    """The broker settings of ``url`` and the security options; BrokerError says what is wrong."""
    return broker_settings(url, ca=args.ca, cert=args.cert, key=args.key, user=args.user,
                           password_file=args.password_file, insecure=args.insecure)


def names_from(args: argparse.Namespace) -> tuple[str, str]:
    """(site, bed) for ``--publish``; BrokerError if either is missing or not a valid name."""
    if not args.bed:
        raise BrokerError("--publish needs --bed NAME: the chair's name the central station shows, e.g. Chair-3.")
    try:
        return site_from(args), check_name(args.bed, "--bed")
    except MessageError as exc:
        raise BrokerError(str(exc)) from None


def site_from(args: argparse.Namespace) -> str:
    """The site of ``--site`` (default: the settings', else ``clinic``); MessageError if not a valid name."""
    return check_name(args.site or DEFAULT_SITE, "--site")


def room_broker(args: argparse.Namespace, room: RoomSpec, typed: Collection[str]) -> tuple[BrokerSettings, str] | None:
    """A room's publishing: (broker, site), or None when neither the command line nor the room
    file (``[room] publish``) names a broker. Each option typed on the command line (``typed``:
    ``publish``, ``site`` and the security options' names) wins over the room file's key, the
    file's over the settings' (already in ``args``). A refusal names the room file's line of
    the key at fault, or the option. Every chair is published under its own name."""
    spec = room.publish
    from_file = {"publish": spec.url, "site": spec.site, **{k: getattr(spec, k) for k in SECURITY}}
    chosen = {k: v for k, v in from_file.items() if k not in typed and v not in ("", None)}
    value = {k: chosen.get(k, getattr(args, k, None)) for k in from_file}
    if not value["publish"]:
        return None

    def spell(name: str) -> str:
        """The room file's key for a setting the file gives (or could give: it names the broker)."""
        if name in chosen or ("publish" in chosen and name not in typed):
            return "insecure = true" if name == "insecure" else name
        return as_option(name)

    def at(field: str, message: str) -> str:
        return f"{room.where_room(field)}: {message}" if field in chosen else message

    try:
        settings = broker_settings(value["publish"], ca=value["ca"], cert=value["cert"], key=value["key"],
                                   user=value["user"] or None, password_file=value["password_file"],
                                   insecure=bool(value["insecure"]), spell=spell)
    except BrokerError as exc:
        raise BrokerError(at(exc.field, str(exc)), exc.field) from None
    try:
        site = check_name(value["site"] or DEFAULT_SITE, "site" if "site" in chosen else "--site")
    except MessageError as exc:
        raise BrokerError(at("site", str(exc)), "site") from None
    for i, chair in enumerate(room.chairs):
        try:
            check_name(chair.name, "chair name")
        except MessageError as exc:
            raise BrokerError(f"{room.where(i, 'name')}: {exc} (it names the chair at the central station)",
                              "name") from None
    return settings, site


def room_publishing(args: argparse.Namespace, room: RoomSpec,
                    settings: Settings) -> tuple[BrokerSettings, str] | None:
    """``--publish`` or the room file's ``publish``: every chair sends itself, named as in the room
    file. What the command line gives wins over the file, the file over the settings."""
    for key, setting in (("publish", "central_url"), ("site", "site")):
        value = room.publish.url if key == "publish" else room.publish.site
        if value:
            settings.check_allowed(setting, value, room.where_room(key), f"Remove {key} from the room file")
    typed = [key for key in SECURITY if getattr(args, key, None) not in (None, False)]
    typed += [dest for dest, setting in (("publish", "central_url"), ("site", "site"))
              if getattr(args, dest) is not None
              and not (settings.from_file(setting) and getattr(args, dest) == settings.value(setting))]
    return room_broker(args, room, typed)
