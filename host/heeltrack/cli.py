"""The `heeltrack` command: a thin layer over the modules named in COMMANDS.

Each command module defines HELP (one line), add_arguments(parser) and
run(args) -> int. A UserError becomes one line on stderr and exit status 2; when it is about a
setting this command has a flag for (UserError.option), the line ends with that flag.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from heeltrack.errors import UserError

# command name -> module implementing it (imported only when needed)
COMMANDS = {
    "analyze": "heeltrack.cmd_analyze",
    "simulate": "heeltrack.cmd_simulate",
    "sync": "heeltrack.cmd_sync",
    "virtual": "heeltrack.cmd_virtual",
    "flash": "heeltrack.cmd_flash",
    "devices": "heeltrack.cmd_devices",
    "sessions": "heeltrack.cmd_sessions",
    "show": "heeltrack.cmd_show",
    "export": "heeltrack.cmd_export",
    "report": "heeltrack.cmd_report",
    "demo": "heeltrack.cmd_demo",
    "config": "heeltrack.cmd_config",
    "live": "heeltrack.cmd_live",
    "record": "heeltrack.cmd_record",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, just that command's module is imported (fast start-up)."""
    from importlib.metadata import version

    parser = argparse.ArgumentParser(
        prog="heeltrack", description="Foot-worn heel-exercise tracker: laptop tools."
    )
    parser.add_argument("--version", action="version", version=f"heeltrack {version('heeltrack')}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module_name in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name)
            continue
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run, _parser=p)
    return parser


def flag_hint(parser: argparse.ArgumentParser, option: str | None) -> str:
    """' (--db FILE)' for the option whose dest is `option` in this command's parser; '' if
    the command has no such option (the library's message then stands alone)."""
    for action in parser._actions:
        if option is not None and action.dest == option and action.option_strings:
            flag = max(action.option_strings, key=len)
            if action.nargs == 0:  # a switch: no value
                return f" ({flag})"
            metavar = action.metavar if isinstance(action.metavar, str) else option.upper()
            return f" ({flag} {metavar})"
    return ""


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    only = words[0] if words and words[0] in COMMANDS else None
    args = build_parser(only).parse_args(words)
    try:
        return int(args._run(args) or 0)
    except UserError as e:
        hint = flag_hint(args._parser, e.option)
        print(f"heeltrack {args.command}: error: {e}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"heeltrack {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
