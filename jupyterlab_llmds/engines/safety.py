"""Static safety check of generated code, run before a cell is previewed or inserted.

The co-pilot (built-in engine or a language model) writes pandas cleaning,
feature and validation code. :func:`check_code` reads that code **without
running it** and reports what a data-cleaning cell has no business doing:
starting programs, deleting files, writing outside the working directory,
reaching the network, running dynamically built code, importing modules
outside an allowlist, or reading secrets.

The check is a static one over :mod:`ast` (plus a look at the raw lines for
IPython ``!cmd`` and ``%magic`` syntax, which is not Python). It follows
import aliases (``import os as o``, ``from os import system as s``), simple
re-bindings (``run = subprocess.run``) and names bound once to a string
literal (``OUT = "out/clean.csv"``), but it cannot follow values computed at
run time: it is a guard rail for reviewable generated code, not a sandbox.

Stdlib only, and nothing here imports pandas: it runs in the server as well
as in the kernel.
"""

from __future__ import annotations

import ast
import ntpath
import posixpath
import re
from dataclasses import asdict, dataclass

__all__ = [
    "DEFAULT_ALLOWED_MODULES",
    "FINDING_KINDS",
    "Finding",
    "check_code",
    "is_safe",
]

#: Modules generated code may import (their submodules too).
DEFAULT_ALLOWED_MODULES: frozenset[str] = frozenset(
    {
        "pandas",
        "numpy",
        "re",
        "math",
        "datetime",
        "collections",
        "itertools",
        "functools",
        "statistics",
        "string",
        "decimal",
        "fractions",
        "warnings",
        "typing",
        "dataclasses",
        "json",
        "sklearn",
        "scipy",
        "pandera",
        "great_expectations",
        "matplotlib",
        "seaborn",
    }
)

#: Every ``Finding.kind``, with what it means.
FINDING_KINDS: dict[str, str] = {
    "syntax_error": "the cell is not valid Python, so it could not be checked",
    "shell_command": "runs a shell command or starts a process",
    "file_deletion": "deletes files or directories",
    "write_outside_workdir": "writes to an absolute path, or one with '..' or '~'",
    "unknown_write_target": "writes to a target that is not a literal path",
    "network_access": "reaches the network",
    "dynamic_code": "runs code built at run time (eval, exec, __import__ ...)",
    "disallowed_import": "imports a module outside the allowlist",
    "secret_access": "reads environment variables or credential files",
    "ipython_magic": "an IPython magic that cannot be checked statically",
}


@dataclass(frozen=True)
class Finding:
    """One thing the generated code should not do.

    Attributes
    ----------
    kind : str
        One of :data:`FINDING_KINDS`.
    line : int
        1-based line in the checked source.
    column : int
        1-based column (``ast`` offsets plus one); 1 for whole-line findings.
    snippet : str
        The offending code (at most one line, shortened).
    reason : str
        A sentence for the user: what the code does and why it is flagged.
    """

    kind: str
    line: int
    column: int
    snippet: str
    reason: str

    def to_dict(self) -> dict:
        """The JSON-safe dict ``{"kind", "line", "column", "snippet", "reason"}``."""
        return asdict(self)


# --------------------------------------------------------------------------
# What is dangerous, by qualified name
# --------------------------------------------------------------------------

_SHELL_MODULES = ("subprocess", "pty", "pexpect", "commands", "plumbum")
_SHELL_NAMES = {
    "os.system",
    "os.popen",
    "os.startfile",
    "os.fork",
    "os.forkpty",
    "os.posix_spawn",
    "os.posix_spawnp",
    "os.kill",
    "os.killpg",
    "platform.popen",
    "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell",
    "get_ipython().system",
    "get_ipython().system_raw",
    "get_ipython().system_piped",
    "get_ipython().getoutput",
}
_SHELL_PREFIXES = ("os.exec", "os.spawn")  # os.execv, os.execlp, os.spawnl ...

_DELETE_NAMES = {
    "os.remove",
    "os.unlink",
    "os.rmdir",
    "os.removedirs",
    "os.truncate",
    "shutil.rmtree",
}

_NETWORK_MODULES = (
    "socket",
    "socketserver",
    "ssl",
    "urllib",
    "urllib2",
    "urllib3",
    "http",
    "requests",
    "httpx",
    "aiohttp",
    "ftplib",
    "smtplib",
    "smtpd",
    "poplib",
    "imaplib",
    "nntplib",
    "telnetlib",
    "xmlrpc",
    "websocket",
    "websockets",
    "paramiko",
    "pycurl",
    "webbrowser",
)
_NETWORK_NAMES = {
    "asyncio.open_connection",
    "asyncio.start_server",
    "seaborn.load_dataset",  # downloads from GitHub
}
_NETWORK_PREFIXES = ("sklearn.datasets.fetch_", "scipy.datasets.")

_DYNAMIC_BUILTINS = {"eval", "exec", "compile", "__import__"}
_DYNAMIC_MODULES = ("importlib", "runpy", "__builtins__")
_DYNAMIC_NAMES = {
    "builtins.eval",
    "builtins.exec",
    "builtins.compile",
    "builtins.__import__",
    "get_ipython().ex",
    "get_ipython().ev",
    "get_ipython().run_cell",
    "get_ipython().run_cell_async",
    "get_ipython().run_code",
    "get_ipython().runcode",
    "get_ipython().safe_execfile",
    "get_ipython().safe_run_module",
}
#: Attributes used to climb out of the visible namespace.
_DUNDER_ESCAPES = {
    "__subclasses__",
    "__globals__",
    "__builtins__",
    "__code__",
    "__bases__",
    "__base__",
    "__mro__",
    "__import__",
    "__loader__",
    "f_globals",
    "f_locals",
    "f_back",
    "gi_frame",
    "tb_frame",
}

_SECRET_MODULES = ("dotenv", "keyring", "netrc")
_SECRET_NAMES = {"os.getenv", "os.getenvb", "os.environ", "os.environb", "posix.environ"}
_SECRET_PREFIXES = ("os.environ.", "os.environb.")

#: Path components that name credential stores.
_SECRET_COMPONENTS = {
    ".ssh",
    ".netrc",
    "_netrc",
    ".aws",
    ".pgpass",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".docker",
    ".kube",
    ".gnupg",
    ".azure",
    "gcloud",
    ".bash_history",
    ".zsh_history",
    ".python_history",
}
_SECRET_FILE = re.compile(r"^(\.env(\..+)?|id_(rsa|dsa|ecdsa|ed25519)(\.pub)?|secrets\.toml)$", re.IGNORECASE)

#: Modules whose attributes reached through ``getattr(module, name)`` are suspicious.
_SENSITIVE_ROOTS = {
    "os",
    "posix",
    "nt",
    "sys",
    "shutil",
    "builtins",
    "__builtins__",
    "importlib",
    "pty",
    "socket",
    "get_ipython()",
    *_SHELL_MODULES,
    *_NETWORK_MODULES,
}

#: URL schemes that reach another machine.
_REMOTE_URL = re.compile(
    r"^\s*(https?|ftps?|sftp|ssh|s3a?|s3n|gs|gcs|az|abfss?|adl|hdfs|webhdfs|smb|ws|wss|github)://",
    re.IGNORECASE,
)

#: DataFrame / Series / Styler writers and the keyword naming their target.
_FRAME_WRITERS = {
    "to_csv": "path_or_buf",
    "to_parquet": "path",
    "to_excel": "excel_writer",
    "to_json": "path_or_buf",
    "to_pickle": "path",
    "to_feather": "path",
    "to_hdf": "path_or_buf",
    "to_stata": "path",
    "to_html": "buf",
    "to_latex": "buf",
    "to_markdown": "buf",
    "to_xml": "path_or_buffer",
    "to_orc": "path",
    "to_string": "buf",
    "savefig": "fname",
    "tofile": "fid",
}
#: Module-level writers (qualified name -> keyword naming the target).
_FUNCTION_WRITERS = {
    "numpy.save": "file",
    "numpy.savez": "file",
    "numpy.savez_compressed": "file",
    "numpy.savetxt": "fname",
    "pandas.ExcelWriter": "path",
    "pandas.HDFStore": "path",
    "matplotlib.pyplot.savefig": "fname",
    "shutil.copy": "dst",
    "shutil.copy2": "dst",
    "shutil.copyfile": "dst",
    "shutil.copytree": "dst",
    "shutil.move": "dst",
    "os.rename": "dst",
    "os.renames": "new",
    "os.replace": "dst",
    "os.link": "dst",
    "os.symlink": "dst",
}
_FUNCTION_WRITER_POSITION = {"shutil.copy": 1, "shutil.copy2": 1, "shutil.copyfile": 1, "shutil.copytree": 1,
                             "shutil.move": 1, "os.rename": 1, "os.renames": 1, "os.replace": 1, "os.link": 1,
                             "os.symlink": 1}
_OPEN_FUNCTIONS = {"open", "io.open", "builtins.open", "codecs.open", "io.FileIO"}
_OS_OPEN_WRITE_FLAGS = {"O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"}
_READER_NAMES = {"open", "loadtxt", "genfromtxt", "load", "fromfile", "ExcelFile", "HDFStore", "urlopen",
                 "imread", "read"}
_PATH_CONSTRUCTORS = {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath",
                      "pathlib.PurePosixPath", "pathlib.PureWindowsPath", "Path", "PurePath"}

# --------------------------------------------------------------------------
# IPython syntax in the raw text
# --------------------------------------------------------------------------

_SHELL_MAGICS = {
    "!", "system", "sx", "sc", "bash", "sh", "script", "cmd", "powershell", "perl", "ruby", "python",
    "python2", "python3", "pypy", "pip", "conda", "mamba", "micromamba", "uv", "rm", "rmdir", "mv", "cp",
    "mkdir", "cat", "ls", "ll", "lf", "lk", "ldir", "lx", "less", "more", "man", "clear", "cd", "pushd",
    "popd", "alias", "rehashx", "killbgscripts",
}
_SECRET_MAGICS = {"env", "set_env", "dotenv"}
_DYNAMIC_MAGICS = {"run", "load", "loadpy", "macro", "rerun", "recall", "edit", "paste", "cpaste",
                   "load_ext", "reload_ext", "javascript", "js", "html"}
_WRITE_MAGICS = {"writefile", "save", "logstart", "store"}
#: Magics whose argument (line magic) or body (cell magic) is Python: it is checked.
_PYTHON_MAGICS = {"time", "timeit", "prun", "capture", "debug"}
_HARMLESS_MAGICS = {
    "matplotlib", "precision", "pprint", "who", "whos", "who_ls", "pwd", "page", "pinfo", "pinfo2", "pdoc",
    "pdef", "psource", "pfile", "quickref", "magic", "lsmagic", "history", "hist", "xmode", "autoreload",
    "aimport", "config", "colors", "doctest_mode", "automagic", "autocall", "tb", "latex", "markdown",
}

#: Names generated cells use without importing them (an earlier cell did).
_CONVENTIONAL_ALIASES = {"pd": "pandas", "np": "numpy", "plt": "matplotlib.pyplot", "sns": "seaborn"}

_MAGIC_NAME = re.compile(r"^(%%?)(!|[A-Za-z_][\w.]*)\s*(.*)$")
_MAGIC_ASSIGNMENT = re.compile(r"^(\s*)[A-Za-z_][\w.\[\]'\", ]*?\s*=\s*([!%].*)$")
_HELP_LINE = re.compile(r"^\s*(\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")


def check_code(source: str, *, allowed_modules=DEFAULT_ALLOWED_MODULES, working_directory=None) -> list[Finding]:
    """Statically check generated code; nothing in it is executed.

    Parameters
    ----------
    source : str
        The code of one cell (or several joined); IPython ``!cmd`` and
        ``%magic`` lines are understood.
    allowed_modules : iterable of str
        Modules the code may import; submodules of an allowed module are
        allowed too. Dangerous calls stay flagged even from allowed modules.
    working_directory : str or os.PathLike, optional
        The notebook's directory: an absolute write target inside it is
        accepted. Without it every absolute write target is flagged. Paths
        are compared as text; the file system is never consulted.

    Returns
    -------
    list of Finding
        Sorted by line and column; empty when nothing was flagged. A syntax
        error is a ``syntax_error`` finding, never an exception.
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, not {type(source).__name__}")
    allowed = frozenset(str(module) for module in allowed_modules) | {"__future__"}
    workdir = None if working_directory is None else str(_fspath(working_directory))
    lines = _LINE_SPLIT.split(source)
    findings: list[Finding] = []
    python_lines = _strip_ipython_syntax(lines, findings, workdir)
    python_source = "\n".join(python_lines)
    try:
        tree = ast.parse(python_source)
    except SyntaxError as error:
        line = error.lineno or 1
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        findings.append(
            Finding(
                "syntax_error",
                line,
                max(1, error.offset or 1),
                _shorten(text.strip()),
                f"The code is not valid Python ({error.msg}), so it could not be checked; "
                "fix it before running it.",
            )
        )
    except (ValueError, RecursionError, MemoryError) as error:
        findings.append(
            Finding(
                "syntax_error",
                1,
                1,
                _shorten(lines[0].strip() if lines else ""),
                f"The code could not be parsed ({type(error).__name__}: {error}), so it could not be checked.",
            )
        )
    else:
        _Checker(tree, python_source, allowed, workdir, findings).run()
    unique: dict[tuple, Finding] = {}
    for finding in findings:  # one finding per kind and place: the first (outermost) wins
        unique.setdefault((finding.line, finding.column, finding.kind), finding)
    return sorted(unique.values(), key=lambda f: (f.line, f.column, f.kind))


def is_safe(source: str, **kwargs) -> bool:
    """True when :func:`check_code` finds nothing (same keyword arguments)."""
    return not check_code(source, **kwargs)


# --------------------------------------------------------------------------
# Raw-text pass: IPython syntax
# --------------------------------------------------------------------------


def _strip_ipython_syntax(lines: list[str], findings: list[Finding], workdir) -> list[str]:
    """Flag ``!``/``%`` lines and return the lines with them replaced by Python no-ops.

    Line numbers are kept: a replaced line becomes ``pass`` at its indentation
    (or the Python statement after ``%time``), so ``ast`` line numbers still
    match the user's source.
    """
    out = list(lines)
    first = next((i for i, text in enumerate(lines) if text.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        match = _MAGIC_NAME.match(lines[first].strip())
        name, args = (match.group(2), match.group(3)) if match else ("", "")
        out[first] = ""
        if name not in _PYTHON_MAGICS:
            _flag_magic(name, args, first + 1, lines[first], findings, workdir, cell=True)
            if name not in _HARMLESS_MAGICS:
                return [""] * len(lines)  # the body is not Python
            return [""] * len(lines) if name in {"latex", "markdown"} else out
    depth = 0
    string_quote = None
    continued = False
    for index, text in enumerate(lines):
        if index == first and out[index] == "" and text.strip():
            continue
        at_start = depth == 0 and string_quote is None and not continued
        stripped = text.lstrip()
        if at_start and stripped:
            indent = text[: len(text) - len(stripped)]
            replacement = _ipython_line(stripped, index + 1, text, indent, findings, workdir)
            if replacement is not None:
                out[index] = replacement
                continued = False
                continue
        depth, string_quote, continued = _scan_line(text, depth, string_quote)
    return out


def _ipython_line(stripped: str, number: int, text: str, indent: str, findings, workdir):
    """The Python replacement of one IPython line, or None when the line is Python."""
    if stripped.startswith("!"):
        command = stripped.lstrip("!").strip()
        findings.append(
            Finding("shell_command", number, len(indent) + 1, _shorten(stripped),
                    f"'!{_shorten(command, 40)}' runs a shell command; a data-cleaning cell should not "
                    "start programs.")
        )
        return indent + "pass"
    if stripped.startswith("%"):
        match = _MAGIC_NAME.match(stripped)
        if not match:
            return None  # e.g. '%' alone: let ast report it
        name, args = match.group(2), match.group(3)
        if name in _PYTHON_MAGICS and match.group(1) == "%":
            statement = _strip_magic_options(args)
            return _pad(text, statement, indent) if statement else indent + "pass"
        _flag_magic(name, args, number, text, findings, workdir, cell=match.group(1) == "%%")
        return indent + "pass"
    assignment = _MAGIC_ASSIGNMENT.match(text)
    if assignment:
        rhs = assignment.group(2)
        column = text.index(rhs) + 1
        if rhs.startswith("!"):
            findings.append(
                Finding("shell_command", number, column, _shorten(stripped),
                        f"'{_shorten(rhs, 40)}' runs a shell command and keeps its output; a data-cleaning "
                        "cell should not start programs.")
            )
        else:
            match = _MAGIC_NAME.match(rhs)
            if match:
                _flag_magic(match.group(2), match.group(3), number, text, findings, workdir, cell=False)
        return indent + "pass"
    if _HELP_LINE.match(text):
        return indent + "pass"
    return None


def _pad(text: str, statement: str, indent: str) -> str:
    """``statement`` at its original column in ``text``, so that ast columns stay right.

    ``%time x = 1`` becomes ``pass; x = 1``: the ``pass;`` keeps the
    indentation valid while the statement keeps its column.
    """
    position = text.rfind(statement)
    room = position - len(indent)
    if position < 0 or room < len("pass;"):
        return indent + statement
    return indent + "pass;" + " " * (room - len("pass;")) + statement


def _strip_magic_options(args: str) -> str:
    """The statement after ``%time``/``%timeit`` options (``-n 10 -r 3 ...``)."""
    rest = args.strip()
    while rest.startswith("-"):
        parts = rest.split(None, 1)
        option = parts[0]
        rest = parts[1] if len(parts) > 1 else ""
        if option in {"-n", "-r", "-p", "-s", "-T", "-D", "-l"} and rest:
            rest = rest.split(None, 1)[1] if len(rest.split(None, 1)) > 1 else ""
    return rest


def _flag_magic(name: str, args: str, number: int, text: str, findings: list, workdir, *, cell: bool) -> None:
    prefix = "%%" if cell else "%"
    shown = f"{prefix}{name}"
    column = len(text) - len(text.lstrip()) + 1
    snippet = _shorten(text.strip())
    if name in _SHELL_MAGICS:
        findings.append(Finding("shell_command", number, column, snippet,
                                f"'{shown}' runs shell commands; a data-cleaning cell should not start programs, "
                                "install packages or change directory."))
    elif name in _SECRET_MAGICS:
        findings.append(Finding("secret_access", number, column, snippet,
                                f"'{shown}' reads or sets environment variables, where keys and passwords live."))
    elif name in _DYNAMIC_MAGICS:
        findings.append(Finding("dynamic_code", number, column, snippet,
                                f"'{shown}' runs or loads code that is not in this cell, so it cannot be checked."))
    elif name in _WRITE_MAGICS:
        target = _strip_magic_options(args).split(None, 1)[0] if args.strip() else ""
        if name in {"writefile", "save"} and target:
            problem = _path_problem(target.strip("'\""), workdir)
            if problem:
                findings.append(Finding(problem[0], number, column, snippet, f"'{shown}' {problem[1]}"))
        else:
            findings.append(Finding("unknown_write_target", number, column, snippet,
                                    f"'{shown}' writes a file the checker cannot locate."))
    elif name not in _HARMLESS_MAGICS and name not in _PYTHON_MAGICS:
        findings.append(Finding("ipython_magic", number, column, snippet,
                                f"'{shown}' is an IPython magic the checker does not know, so what it does "
                                "cannot be checked; review it yourself."))


def _scan_line(text: str, depth: int, quote):
    """Bracket depth, open string quote and backslash continuation after ``text``."""
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if quote is not None:
            if char == "\\":
                index += 2
                continue
            if text.startswith(quote, index):
                index += len(quote)
                quote = None
                continue
            index += 1
            continue
        if char == "#":
            break
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char in "'\"":
            triple = char * 3
            quote = triple if text.startswith(triple, index) else char
            index += len(quote)
            continue
        index += 1
    continued = text.endswith("\\")
    if quote is not None and len(quote) == 1 and not continued:
        quote = None  # unterminated one-line string: ast will say so
    return depth, quote, continued


# --------------------------------------------------------------------------
# AST pass
# --------------------------------------------------------------------------


def _fspath(value):
    import os

    return os.fspath(value)


def _shorten(text: str, limit: int = 120) -> str:
    text = text.splitlines()[0] if text else ""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _under(name: str, modules) -> bool:
    """``name`` is one of ``modules`` or inside one of them."""
    return any(name == module or name.startswith(module + ".") for module in modules)


def _classify(qualname: str | None):
    """(kind, reason) for a dangerous qualified name, else None."""
    if not qualname:
        return None
    shown = qualname
    if qualname in _SHELL_NAMES or qualname.startswith(_SHELL_PREFIXES) or _under(qualname, _SHELL_MODULES):
        return "shell_command", f"'{shown}' runs a shell command or starts a process; a data-cleaning cell " \
                                "should not start programs."
    if qualname in _DELETE_NAMES:
        return "file_deletion", f"'{shown}' deletes files or directories; cleaning code should never delete files."
    if qualname in _NETWORK_NAMES or qualname.startswith(_NETWORK_PREFIXES) or _under(qualname, _NETWORK_MODULES):
        return "network_access", f"'{shown}' reaches the network; cleaning code should only use the data " \
                                 "already loaded."
    if qualname in _DYNAMIC_BUILTINS or qualname in _DYNAMIC_NAMES or _under(qualname, _DYNAMIC_MODULES):
        return "dynamic_code", f"'{shown}' runs or imports code built at run time, which cannot be checked " \
                               "before it runs."
    if qualname in _SECRET_NAMES or qualname.startswith(_SECRET_PREFIXES) or _under(qualname, _SECRET_MODULES):
        return "secret_access", f"'{shown}' reads environment variables or credential files, where keys and " \
                                "passwords live."
    return None


def _module_kind(module: str, allowed) -> tuple[str, str] | None:
    """(kind, reason) for importing ``module``, else None."""
    if _under(module, _SHELL_MODULES):
        return "shell_command", f"'import {module}': this module starts processes; a data-cleaning cell should " \
                                "not start programs."
    if _under(module, _NETWORK_MODULES):
        return "network_access", f"'import {module}': this module reaches the network; cleaning code should " \
                                 "only use the data already loaded."
    if _under(module, _SECRET_MODULES):
        return "secret_access", f"'import {module}': this module reads credentials or environment files."
    if _under(module, ("importlib", "runpy", "builtins")):
        return "dynamic_code", f"'import {module}': this module imports or runs code chosen at run time."
    if not _under(module, allowed):
        return "disallowed_import", f"'{module}' is not among the modules cleaning code may import " \
                                    f"({', '.join(sorted(a for a in allowed if a != '__future__'))})."
    return None


def _path_problem(path: str, workdir) -> tuple[str, str] | None:
    """(kind, reason tail) when writing to literal ``path`` is not allowed, else None."""
    if _REMOTE_URL.match(path):
        return "network_access", f"writes to the remote location {path!r}; cleaning code should not send data " \
                                 "over the network."
    if path.lower().startswith("file://"):
        path = path[len("file://"):]
    text = path.strip()
    components = re.split(r"[\\/]+", text)
    if text.startswith("~"):
        return "write_outside_workdir", f"writes to {path!r} in a home directory, outside the notebook's " \
                                        "working directory."
    if ".." in components:
        return "write_outside_workdir", f"writes to {path!r}, which climbs out of the working directory with '..'."
    windows = bool(re.match(r"^[A-Za-z]:", text)) or text.startswith("\\\\")
    if text.startswith(("/", "\\")) or windows:
        if workdir and _inside(text, workdir, windows):
            return None
        return "write_outside_workdir", f"writes to the absolute path {path!r}, outside the notebook's " \
                                        "working directory."
    return None


def _inside(path: str, workdir: str, windows: bool) -> bool:
    module = ntpath if windows or re.match(r"^[A-Za-z]:", workdir) else posixpath
    target = module.normpath(path)
    base = module.normpath(workdir)
    if module is ntpath:
        target, base = target.lower(), base.lower()
    try:
        return module.commonpath([target, base]) == base
    except ValueError:
        return False


def _secret_path(text: str) -> bool:
    """``text`` names a credential store (``~/.ssh``, ``.netrc``, ``.env`` ...)."""
    if len(text) > 400 or "\n" in text:
        return False
    components = [part for part in re.split(r"[\\/]+", text.strip()) if part]
    if not components:
        return False
    for index, part in enumerate(components):
        if part in _SECRET_COMPONENTS or _SECRET_FILE.match(part):
            return True
        if part == "shadow" and index > 0 and components[index - 1] == "etc":
            return True
        if part == "environ" and index > 0 and components[index - 1] in {"self", "1"} or (
            part == "environ" and "proc" in components[:index]
        ):
            return True
    return False


class _Checker:
    """Walks one module tree (iteratively: deep trees cannot blow the stack)."""

    def __init__(self, tree: ast.Module, source: str, allowed, workdir, findings: list[Finding]):
        self.tree = tree
        self.source = source
        self.lines = source.split("\n")
        self.allowed = allowed
        self.workdir = workdir
        self.findings = findings
        self.aliases: dict[str, str] = {}  # local name -> qualified name
        self.star_modules: list[str] = []
        self.local_names: set[str] = set()
        self.constants: dict[str, str] = {}  # name bound once to a str literal -> that str
        self.skip: set[int] = set()
        self.docstrings: set[int] = set()

    # -- set-up -----------------------------------------------------------

    def run(self) -> None:
        self._collect_bindings()
        for node in ast.walk(self.tree):
            if id(node) in self.skip:
                continue
            if isinstance(node, ast.Import):
                self._check_import(node)
            elif isinstance(node, ast.ImportFrom):
                self._check_import_from(node)
            elif isinstance(node, ast.Call):
                self._check_call(node)
            elif isinstance(node, (ast.Attribute, ast.Name)) and isinstance(node.ctx, ast.Load):
                self._check_reference(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self._check_string(node)

    def _collect_bindings(self) -> None:
        assignments: list[tuple[str, ast.AST]] = []
        counts: dict[str, int] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                body = node.body
                if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                        and isinstance(body[0].value.value, str):
                    self.docstrings.add(id(body[0].value))
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        self.aliases[root] = root
            elif isinstance(node, ast.ImportFrom):
                module = ("." * node.level) + (node.module or "")
                for alias in node.names:
                    if alias.name == "*":
                        self.star_modules.append(module)
                    else:
                        self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                self.local_names.add(node.id)
                counts[node.id] = counts.get(node.id, 0) + 1
            elif isinstance(node, ast.arg):
                self.local_names.add(node.arg)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.local_names.add(node.name)
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                assignments.append((node.targets[0].id, node.value))
            elif isinstance(node, ast.NamedExpr):
                assignments.append((node.target.id, node.value))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                assignments.append((node.target.id, node.value))
        for name, value in assignments:
            folded = self._fold(value)
            if isinstance(folded, str) and counts.get(name, 0) == 1:
                self.constants[name] = folded
        for _ in range(3):  # re-bindings of re-bindings
            for name, value in assignments:
                if name in self.aliases:
                    continue
                qualname = self._resolve(value)
                if qualname and (self._is_module_rooted(qualname) or _classify(qualname)):
                    self.aliases[name] = qualname

    def _is_module_rooted(self, qualname: str) -> bool:
        root = qualname.split(".")[0]
        return root in set(self.aliases.values()) or any(v.split(".")[0] == root for v in self.aliases.values()) \
            or root == "get_ipython()"

    # -- name resolution ----------------------------------------------------

    def _resolve(self, node: ast.AST, depth: int = 0) -> str | None:
        """The dotted qualified name an expression stands for, or None."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        base = None
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                base = self.aliases[node.id]
            elif node.id in self.local_names:
                return None
            else:
                base = _CONVENTIONAL_ALIASES.get(node.id, node.id)  # imported in an earlier cell
                if not parts:
                    for module in self.star_modules:
                        candidate = f"{module}.{node.id}"
                        if _classify(candidate):
                            return candidate
        elif isinstance(node, ast.Call) and depth < 20:
            function = self._resolve(node.func, depth + 1)
            if function and (function == "get_ipython" or function.endswith(".get_ipython")):
                base = "get_ipython()"
            elif function in {"__import__", "importlib.import_module", "builtins.__import__"}:
                name = self._literal_argument(node, 0, "name")
                if not isinstance(name, str):
                    return None
                base = name.split(".")[0] if function != "importlib.import_module" else name
            elif function in {"getattr", "builtins.getattr"} and len(node.args) >= 2:
                owner = self._resolve(node.args[0], depth + 1)
                attribute = self._fold(node.args[1])
                if not owner or not isinstance(attribute, str):
                    return None
                base = f"{owner}.{attribute}"
            else:
                return None
        else:
            return None
        return ".".join([base, *reversed(parts)])

    def _fold(self, node: ast.AST, depth: int = 0):
        """The str a literal expression folds to (constants, +, os.path.join, Path / ...), else None.

        ``Path.home()`` folds to ``"~"`` and ``Path.cwd()`` to ``"."``.
        """
        if depth > 50:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, (str, type(None))) else None
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
            left = self._fold(node.left, depth + 1)
            right = self._fold(node.right, depth + 1)
            if not isinstance(left, str) or not isinstance(right, str):
                return None
            if isinstance(node.op, ast.Add):
                return left + right
            return posixpath.join(left, right)
        if isinstance(node, ast.Call):
            function = self._resolve(node.func)
            if function in _PATH_CONSTRUCTORS or (function or "").endswith((".Path", ".PurePath")):
                pieces = [self._fold(arg, depth + 1) for arg in node.args]
                if not pieces:
                    return "."
                if all(isinstance(piece, str) for piece in pieces):
                    return posixpath.join(*pieces)
                return None
            if function in {"os.path.join", "posixpath.join", "ntpath.join"} and node.args:
                pieces = [self._fold(arg, depth + 1) for arg in node.args]
                if all(isinstance(piece, str) for piece in pieces):
                    return posixpath.join(*pieces)
                return None
            if function and function.endswith(("Path.home", "os.path.expanduser")):
                if function.endswith("expanduser") and node.args:
                    return self._fold(node.args[0], depth + 1)
                return "~"
            if function and function.endswith(("Path.cwd", "os.getcwd")):
                return "."
        return None

    def _fragments(self, node: ast.AST) -> list:
        """The pieces of a partly literal path (f-string, + or / of literals and names).

        Literal pieces are str, computed ones None, in order.
        """
        if isinstance(node, ast.JoinedStr):
            return [value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
                    for value in node.values]
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
            return self._fragments(node.left) + self._fragments(node.right)
        folded = self._fold(node)
        return [folded if isinstance(folded, str) else None]

    def _literal_argument(self, call: ast.Call, position: int | None, keyword: str | None):
        """(folded value of) the argument at ``position`` or named ``keyword``; ``...`` when absent."""
        node = self._argument(call, position, keyword)
        if node is None:
            return ...
        return self._fold(node)

    @staticmethod
    def _argument(call: ast.Call, position: int | None, keyword: str | None):
        if position is not None and len(call.args) > position and not any(
            isinstance(arg, ast.Starred) for arg in call.args[: position + 1]
        ):
            return call.args[position]
        for item in call.keywords:
            if keyword is not None and item.arg == keyword:
                return item.value
        return None

    # -- findings -----------------------------------------------------------

    def _add(self, kind: str, node: ast.AST, reason: str) -> None:
        line = getattr(node, "lineno", 1) or 1
        column = (getattr(node, "col_offset", 0) or 0) + 1
        segment = None
        try:
            segment = ast.get_source_segment(self.source, node)
        except Exception:  # pragma: no cover - defensive: odd positions
            segment = None
        if not segment:
            segment = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        self.findings.append(Finding(kind, line, column, _shorten(segment.strip()), reason))

    def _check_import(self, node: ast.Import) -> None:
        for alias in node.names:
            verdict = _module_kind(alias.name, self.allowed)
            if verdict:
                self._add(verdict[0], node, verdict[1])

    def _check_import_from(self, node: ast.ImportFrom) -> None:
        if node.level:
            self._add("disallowed_import", node,
                      "A relative import reaches modules outside the allowlist; notebook cells have no package.")
            return
        module = node.module or ""
        module_verdict = _module_kind(module, self.allowed)
        flagged_module = False
        for alias in node.names:
            specific = _classify(f"{module}.{alias.name}") if alias.name != "*" else None
            if specific and (not module_verdict or specific[0] != module_verdict[0]):
                self._add(specific[0], node, specific[1])
            elif module_verdict and not flagged_module:
                self._add(module_verdict[0], node, module_verdict[1])
                flagged_module = True

    def _check_reference(self, node: ast.AST) -> None:
        if isinstance(node, ast.Attribute) and node.attr in _DUNDER_ESCAPES:
            self._add("dynamic_code", node,
                      f"'.{node.attr}' reaches interpreter internals, a way around the checks on imports and calls.")
            return
        if isinstance(node, ast.Name):
            if node.id == "__builtins__":
                self._add("dynamic_code", node,
                          "'__builtins__' gives access to eval, exec and __import__ by name, which cannot be "
                          "checked before it runs.")
                return
            bare_dangerous = node.id in _DYNAMIC_BUILTINS and node.id not in self.aliases
            if not bare_dangerous and node.id not in self.aliases and not any(
                _classify(f"{module}.{node.id}") for module in self.star_modules
            ):
                return  # a bare, unimported name: a variable, not a module
        qualname = self._resolve(node)
        verdict = _classify(qualname)
        if verdict:
            self._add(verdict[0], node, verdict[1])
            inner = node
            while isinstance(inner, ast.Attribute):  # report a chain once, at its outermost name
                inner = inner.value
                self.skip.add(id(inner))

    def _check_string(self, node: ast.Constant) -> None:
        if id(node) in self.docstrings:
            return
        text = node.value
        if text in {"__builtins__", "__import__", "__subclasses__", "__globals__"}:
            self._add("dynamic_code", node,
                      f"The string {text!r} names interpreter internals, used to reach code by name.")
        elif _secret_path(text):
            self._add("secret_access", node,
                      f"{_shorten(text, 60)!r} names a credential file or directory (SSH keys, cloud "
                      "credentials, .netrc, .env ...); cleaning code has no reason to read it.")

    def _check_call(self, node: ast.Call) -> None:
        qualname = self._resolve(node.func)
        attribute = node.func.attr if isinstance(node.func, ast.Attribute) else None
        name = attribute or (node.func.id if isinstance(node.func, ast.Name) else None)

        # getattr(module, ...) with a name that cannot be read
        if qualname in {"getattr", "builtins.getattr"} and node.args:
            owner = self._resolve(node.args[0])
            if owner and owner.split(".")[0] in _SENSITIVE_ROOTS:
                attribute_name = self._fold(node.args[1]) if len(node.args) > 1 else None
                if not isinstance(attribute_name, str) or not _classify(f"{owner}.{attribute_name}"):
                    self._add("dynamic_code", node,
                              f"getattr() on '{owner}' reaches functions by name at run time, which cannot "
                              "be checked before it runs.")
            if owner and owner.split(".")[0] in _SENSITIVE_ROOTS and len(node.args) > 1:
                attribute_name = self._fold(node.args[1])
                verdict = _classify(f"{owner}.{attribute_name}") if isinstance(attribute_name, str) else None
                if verdict:
                    self._add(verdict[0], node, verdict[1])

        # get_ipython().run_line_magic("system", ...) and friends
        if qualname in {"get_ipython().run_line_magic", "get_ipython().run_cell_magic", "get_ipython().magic"}:
            magic = self._literal_argument(node, 0, "magic_name")
            if isinstance(magic, str) and magic.strip():
                magic_name = magic.strip().lstrip("%").split(None, 1)[0]
                arguments = self._literal_argument(node, 1, "line")
                before = len(self.findings)
                _flag_magic(magic_name, arguments if isinstance(arguments, str) else "", node.lineno,
                            self.lines[node.lineno - 1], self.findings, self.workdir,
                            cell=qualname.endswith("cell_magic"))
                for index in range(before, len(self.findings)):  # point at the call, not the line start
                    finding = self.findings[index]
                    self.findings[index] = Finding(finding.kind, node.lineno, node.col_offset + 1,
                                                   finding.snippet, finding.reason)
            else:
                self._add("dynamic_code", node,
                          "This runs an IPython magic whose name is computed at run time, so it cannot be checked.")

        # deletion through pathlib (or any object's) unlink/rmdir
        if attribute in {"unlink", "rmdir"} and qualname not in _DELETE_NAMES:
            self._add("file_deletion", node,
                      f"'.{attribute}()' deletes a file or directory; cleaning code should never delete files.")

        # open(path, "w"/"a"/"x"/"+")
        if qualname in _OPEN_FUNCTIONS:
            mode = self._literal_argument(node, 1, "mode")
            self._check_open(node, self._argument(node, 0, "file"), mode, f"{name}()")
        elif attribute == "open" and not _classify(qualname):
            mode = self._literal_argument(node, 0, "mode")
            if mode is not ... and (not isinstance(mode, str) or set(mode) & set("wax+")):
                self._check_open(node, node.func.value, mode, ".open()")
        elif qualname == "os.open":
            flags = self._argument(node, 1, "flags")
            names = {sub.attr for sub in ast.walk(flags)} if flags is not None else set()
            names = {n for n in names if isinstance(n, str)}
            if flags is not None and (names & _OS_OPEN_WRITE_FLAGS or not names):
                self._check_write_target(node, self._argument(node, 0, "path"), "os.open()")

        # pathlib writes and renames
        if attribute in {"write_text", "write_bytes"}:
            self._check_write_target(node, node.func.value, f".{attribute}()")
        elif attribute in {"rename", "replace", "symlink_to", "hardlink_to", "touch"} and \
                self._fold(node.func.value) is not None and self._is_path_expression(node.func.value):
            if attribute == "touch":
                self._check_write_target(node, node.func.value, ".touch()")
            else:
                self._check_write_target(node, self._argument(node, 0, "target"), f".{attribute}()")

        # DataFrame / numpy / matplotlib writers
        if attribute in _FRAME_WRITERS and qualname not in _FUNCTION_WRITERS:
            target = self._argument(node, 0, _FRAME_WRITERS[attribute])
            if target is not None:
                self._check_write_target(node, target, f".{attribute}()")
        elif qualname in _FUNCTION_WRITERS:
            target = self._argument(node, _FUNCTION_WRITER_POSITION.get(qualname, 0), _FUNCTION_WRITERS[qualname])
            self._check_write_target(node, target, f"{qualname}()")
        elif attribute == "to_sql":
            self._add("unknown_write_target", node,
                      "'.to_sql()' writes into a database, outside the notebook's working directory.")
        elif attribute == "to_gbq":
            self._add("network_access", node, "'.to_gbq()' uploads the data to BigQuery over the network.")

        # readers given a URL
        if name and (name.startswith("read_") or name in _READER_NAMES or name in _FRAME_WRITERS):
            for argument in [*node.args, *(item.value for item in node.keywords)]:
                value = self._fold(argument)
                fragments = self._fragments(argument) if value is None else [value]
                if fragments and isinstance(fragments[0], str) and _REMOTE_URL.match(fragments[0]):
                    if name in _FRAME_WRITERS:
                        continue  # reported by the write check
                    self._add("network_access", node,
                              f"'{name}()' reads from the network ({_shorten(fragments[0], 60)!r}); cleaning "
                              "code should only use data already loaded or local files.")
                    break

    def _is_path_expression(self, node: ast.AST) -> bool:
        while isinstance(node, ast.BinOp):
            node = node.left
        if isinstance(node, ast.Call):
            function = self._resolve(node.func) or ""
            return function in _PATH_CONSTRUCTORS or function.endswith((".Path", ".PurePath", "Path.home",
                                                                          "Path.cwd"))
        return False

    def _check_open(self, node: ast.Call, target, mode, shown: str) -> None:
        if mode is ...:
            return  # default mode "r"
        if not isinstance(mode, str):
            self._add("unknown_write_target", node,
                      f"{shown} is called with a mode that is not a literal string, so it may write anywhere.")
            return
        if set(mode) & set("wax+"):
            self._check_write_target(node, target, shown)

    def _check_write_target(self, node: ast.Call, target, shown: str) -> None:
        if target is None:
            self._add("unknown_write_target", node,
                      f"{shown} writes to a target the checker cannot see; write to a literal relative path "
                      "such as 'out/clean.csv'.")
            return
        value = self._fold(target)
        if target is not None and isinstance(target, ast.Constant) and target.value is None:
            return  # e.g. to_csv(None) returns a string
        if isinstance(value, str):
            problem = _path_problem(value, self.workdir)
            if problem:
                self._add(problem[0], node, f"{shown} {problem[1]}")
            return
        for position, fragment in enumerate(self._fragments(target)):
            if not fragment:
                continue
            if position == 0:
                problem = _path_problem(fragment, self.workdir)
            elif ".." in re.split(r"[\\/]+", fragment):
                problem = _path_problem(fragment, None)
            else:
                problem = None  # '/x.csv' after a computed piece is not an absolute path
            if problem:
                self._add(problem[0], node, f"{shown} {problem[1]}")
                return
        self._add("unknown_write_target", node,
                  f"{shown} writes to a path computed at run time, so the checker cannot tell where it "
                  "writes; use a literal relative path such as 'out/clean.csv'.")
